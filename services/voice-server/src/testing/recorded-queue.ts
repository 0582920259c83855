// A response queue alone, its response.create events recorded: for testing the queue without a call.

import type { RealtimeClientEvent } from '@switchboard/realtime';
import { ResponseQueue } from '../session/response-queue.ts';

/** The session's instructions the recorded queue's sink holds: a platform line goes out after them. */
export const BRAND_PROMPT = 'You are the Acme phone agent. Speak English.';

/**
 * A {@link ResponseQueue} over a session that takes every request, with the brand's prompt as its
 * instructions. `created(id)` is the server answering our last create (its tag echoed in metadata);
 * `vad(id)` is a response the server started itself; `answered(id)` is `created(id)` then a completed
 * `response.done`. `sink.canSend` can be set false to hold requests, as while no session is up.
 */
export function recordedQueue() {
  const sent: Array<Extract<RealtimeClientEvent, { type: 'response.create' }>> = [];
  const sink = {
    canSend: true,
    sessionInstructions: BRAND_PROMPT,
    send: (e: RealtimeClientEvent) => {
      if (e.type === 'response.create') sent.push(e);
    },
  };
  const q = new ResponseQueue(sink);
  const created = (id: string) => q.onCreated(id, sent.at(-1)?.response?.metadata);
  const vad = (id: string) => q.onCreated(id, null);
  /** Our last create is answered: created, then done and completed. */
  const answered = (id: string) => {
    created(id);
    return q.onDone(id, 'completed');
  };
  return { q, sent, sink, created, vad, answered };
}
