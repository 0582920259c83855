/** How a booked callback's placement shows in the staff API and UI. */
import { dateTime, int, nullable, obj, oneOf, str } from '@switchboard/service-kit';
import { type CallbackPlacement, PLACEMENT_STATES } from './placement-store.ts';

export const placementSchema = obj({
  state: oneOf(...PLACEMENT_STATES),
  attempts: int,
  outboundCallId: nullable(str),
  callSid: nullable(str),
  outboundStatus: nullable(str),
  refusalCode: nullable(str),
  refusalMessage: nullable(str),
  retryAt: nullable(dateTime),
  conversationUrl: nullable(str),
  updatedAt: dateTime,
});

/** The placement as the API answers it; the conversation link resolves once the call has a Call SID. */
export function placementDto(p: CallbackPlacement) {
  return {
    state: p.state,
    attempts: p.attempts,
    outboundCallId: p.outboundCallId,
    callSid: p.callSid,
    outboundStatus: p.outboundStatus,
    refusalCode: p.refusalCode,
    refusalMessage: p.refusalMessage,
    retryAt: p.retryAt?.toISOString() ?? null,
    conversationUrl: p.callSid ? `/conversations/by-call/${p.callSid}` : null,
    updatedAt: p.updatedAt.toISOString(),
  };
}
