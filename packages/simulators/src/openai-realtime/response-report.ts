/**
 * What a response reports: the `realtime.response` object (GA schema `RealtimeResponse`) with its
 * status and `status_details`, its usage, and the `rate_limits.updated` event that follows
 * `response.done`.
 */
import type { ActiveResponse } from './active-response.ts';
import type { FaultPlan } from './faults.ts';
import { failedError } from './response-outcomes.ts';
import { tokensForText } from './text-units.ts';

/** A response's final (or current) status. */
export type ResponseStatus = 'in_progress' | 'completed' | 'cancelled' | 'failed' | 'incomplete';

/** The status a finished response reports. */
export function finalStatus(r: ActiveResponse): Exclude<ResponseStatus, 'in_progress'> {
  if (r.cancel) return 'cancelled';
  return r.ended?.status ?? 'completed';
}

/** The `realtime.response` object for `response.created` / `response.done`. */
export function responseObject(
  r: ActiveResponse,
  status: ResponseStatus,
  ctx: { conversationId: string; sessionId: string },
): Record<string, unknown> {
  return {
    object: 'realtime.response',
    id: r.id,
    status,
    status_details: statusDetails(r, status, ctx.sessionId),
    output: status === 'in_progress' ? [] : r.output.map((i) => structuredClone(i.wire)),
    conversation_id: r.conversation === 'auto' ? ctx.conversationId : null,
    output_modalities: r.modalities,
    max_output_tokens: r.maxOutputTokens,
    audio: { output: { format: r.format, voice: r.voice } },
    usage: status === 'in_progress' ? null : responseUsage(r),
    metadata: r.metadata,
  };
}

function statusDetails(r: ActiveResponse, status: ResponseStatus, sessionId: string) {
  if (status === 'cancelled' && r.cancel) return { type: 'cancelled', reason: r.cancel.reason };
  if (status === 'incomplete' && r.ended?.status === 'incomplete')
    return { type: 'incomplete', reason: r.ended.reason };
  if (status === 'failed' && r.ended?.status === 'failed')
    return { type: 'failed', error: failedError(r.ended.outcome, sessionId) };
  return null;
}

/** Usage: ~4 characters per text token, 20 output audio tokens per second. */
export function responseUsage(r: ActiveResponse) {
  const outText = tokensForText(r.textSent);
  const outAudio = Math.ceil(r.audioMsSent / 50);
  const input = r.inputTokens.text + r.inputTokens.audio;
  return {
    total_tokens: input + outText + outAudio,
    input_tokens: input,
    output_tokens: outText + outAudio,
    input_token_details: {
      text_tokens: r.inputTokens.text,
      audio_tokens: r.inputTokens.audio,
      image_tokens: 0,
      cached_tokens: 0,
      cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
    },
    output_token_details: { text_tokens: outText, audio_tokens: outAudio },
  };
}

/**
 * `rate_limits.updated` after a response (GA schema `RealtimeServerEventRateLimitsUpdated`): requests
 * and tokens, roomy unless the fault plan says otherwise.
 */
export function rateLimitsEvent(totalTokens: number, limits: FaultPlan['rateLimits']) {
  const requests = { limit: 20_000, remaining: 19_999, resetSeconds: 0.003, ...limits?.requests };
  const tokens = {
    limit: 4_000_000,
    remaining: Math.max(0, 4_000_000 - totalTokens),
    resetSeconds: 0.06,
    ...limits?.tokens,
  };
  return {
    type: 'rate_limits.updated' as const,
    rate_limits: [
      {
        name: 'requests',
        limit: requests.limit,
        remaining: requests.remaining,
        reset_seconds: requests.resetSeconds,
      },
      {
        name: 'tokens',
        limit: tokens.limit,
        remaining: tokens.remaining,
        reset_seconds: tokens.resetSeconds,
      },
    ],
  };
}
