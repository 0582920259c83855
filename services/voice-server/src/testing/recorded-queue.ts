// A response queue alone, its response.create events recorded: for testing the queue without a call.

import type { RealtimeClientEvent } from '@switchboard/realtime';
import { ResponseQueue } from '../session/response-queue.ts';

/** The session's instructions the recorded queue's sink holds: a platform line goes out after them. */
export const BRAND_PROMPT = 'You are the Acme phone agent. Speak English.';

/**
 * A {@link ResponseQueue} over a session that takes every request, with the brand's prompt as its
 * instructions. `created(id)` is the server answering our last create (its tag echoed in metadata);
 * `vad(id)` is a response the server started itself.
 */
export function recordedQueue() {
  const sent: Array<Extract<RealtimeClientEvent, { type: 'response.create' }>> = [];
  const q = new ResponseQueue({
    canSend: true,
    sessionInstructions: BRAND_PROMPT,
    send: (e) => {
      if (e.type === 'response.create') sent.push(e);
    },
  });
  const created = (id: string) => q.onCreated(id, sent.at(-1)?.response?.metadata);
  const vad = (id: string) => q.onCreated(id, null);
  return { q, sent, created, vad };
}
