// Issue 11, item 3: the watchdog's "are you still there?" asked for while an answer is active. On the
// real API a response.create during an active response is refused with `error` code
// `conversation_already_has_active_response` (OpenAI Realtime API reference, client event
// response.create: "only one response can be in progress at a time"); the product queues the line
// until response.done and says it once.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { delta, harness, responseDone, responseStart, settle } from '../testing/session-harness.ts';

afterEach(() => {
  vi.useRealTimers();
});

const stillThere = (rt: Awaited<ReturnType<ReturnType<typeof harness>['rt']>>) =>
  rt.sentOfType('response.create').filter((e) => e.response?.instructions?.includes('Are you still there?'));

describe("the watchdog's question during an answer", () => {
  it('waits for our answer on its way, then is said once, after its response.done', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness();
    const rt = await h.rt();
    await vi.advanceTimersByTimeAsync(29_900);
    // A tool result asks for an answer: its response.create is out, the response not yet created.
    h.session.requestResponse();
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    await settle();
    // The watchdog fired: its line waits behind the answer.
    expect(rt.sentOfType('response.create')).toHaveLength(1);
    responseStart(rt, 'r1', 'a1');
    delta(rt, 'r1', 'a1', 100);
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(1);
    responseDone(rt, 'r1');
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(2);
    expect(stillThere(rt)).toHaveLength(1);
    responseStart(rt, 'r2', 'a2');
    responseDone(rt, 'r2');
    await settle();
    expect(stillThere(rt)).toHaveLength(1);
    expect(h.metrics.realtimeErrors.get('conversation_already_has_active_response') ?? 0).toBe(0);
    h.transport.stop();
    vi.useRealTimers();
    await h.done;
  });

  it("refused because the server's own answer started first: said once, after that answer's response.done", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness();
    const rt = await h.rt();
    await vi.advanceTimersByTimeAsync(30_000);
    await settle();
    expect(stillThere(rt)).toHaveLength(1);
    // The server's VAD had started a response as the question went out: the create is refused.
    responseStart(rt, 'r_vad', 'a_vad', { fromServer: true });
    rt.emit({
      type: 'error',
      event_id: 'e_refused',
      error: {
        type: 'invalid_request_error',
        code: 'conversation_already_has_active_response',
        message: 'Conversation already has an active response in progress: r_vad.',
      },
    });
    delta(rt, 'r_vad', 'a_vad', 100);
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(1);
    responseDone(rt, 'r_vad');
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(2);
    expect(stillThere(rt)).toHaveLength(2); // the refused one, and the one said
    responseStart(rt, 'r2', 'a2');
    responseDone(rt, 'r2');
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(2);
    h.transport.stop();
    vi.useRealTimers();
    await h.done;
  });
});
