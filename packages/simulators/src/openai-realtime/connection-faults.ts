/**
 * Provider faults a session plays out on its own socket: refusing the session the way the real API
 * refuses it for quota, and sending malformed events of known types. (Dropping every new socket is a
 * timer in the session; oversized deltas are in the response stream.)
 */
import type { FaultPlan, SessionRefusalCode } from './faults.ts';
import { MALFORMED_EVENT_KINDS, MALFORMED_EVENTS, type MalformedContext } from './malformed-events.ts';
import type { ServerEventOutbox } from './outbox.ts';

/**
 * The message of OpenAI's `insufficient_quota` error (the error-codes guide: "429 - You exceeded your
 * current quota, please check your plan and billing details").
 */
export const INSUFFICIENT_QUOTA_MESSAGE =
  'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.';

/** The close code after a refusal when the plan names none (what clients report seeing: a normal close). */
export const DEFAULT_REFUSAL_CLOSE_CODE = 1000;

/**
 * Refuses the session: the `error` event (shape of `RealtimeServerEventError` in the OpenAPI spec,
 * with the API error's `type` and `code`), then the close once it has been written.
 */
export function refuseSession(
  out: ServerEventOutbox,
  refusal: { code: SessionRefusalCode; closeCode?: number },
  close: (code: number, reason: string) => void,
): void {
  out.send({
    type: 'error',
    error: {
      type: refusal.code,
      code: refusal.code,
      message: INSUFFICIENT_QUOTA_MESSAGE,
      param: null,
      event_id: null,
    },
  });
  out.afterQueued(() => close(refusal.closeCode ?? DEFAULT_REFUSAL_CLOSE_CODE, refusal.code));
}

/** Sends the plan's malformed events (all kinds unless the plan lists some), in catalogue order. */
export function sendMalformedEvents(
  out: ServerEventOutbox,
  plan: NonNullable<FaultPlan['malformedEvents']>,
  ctx: MalformedContext,
): void {
  for (const kind of plan.kinds ?? MALFORMED_EVENT_KINDS) {
    const event = MALFORMED_EVENTS[kind].build(ctx);
    if (typeof event === 'string') out.sendRaw(event);
    else out.sendUnchecked(event);
  }
}
