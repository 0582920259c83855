// The response queue when the caller speaks over our response.create: a request withdrawn before its
// response.created is cancelled once it exists (and only that one), and the server's refusal
// (`conversation_already_has_active_response`) of a create is handled whether or not the server's own
// response was seen: it counts as active until its response.done, barge-in can cancel it, and a
// greeting (even a failed one asked again) is not said after the caller was answered.
import { describe, expect, it } from 'vitest';
import { recordedQueue } from '../testing/recorded-queue.ts';

const line = (text: string) => ({ kind: 'line' as const, line: text });

describe('a request withdrawn because the caller spoke', () => {
  it('our response is cancelled when it is created; the next one is not', () => {
    const { q, sent, created } = recordedQueue();
    q.request(line('Are you still there?'));
    expect(created('r0')).toEqual({ cancel: false });
    q.onDone('r0', 'completed');
    q.request();
    expect(q.withdrawInFlight()).toBe(true);
    expect(created('r1')).toEqual({ cancel: true });
    expect(q.isCancelled('r1')).toBe(true);
    q.onDone('r1', 'cancelled');
    q.request(line('goodbye'));
    expect(sent).toHaveLength(3);
    expect(created('r2')).toEqual({ cancel: false });
    expect(q.isCancelled('r2')).toBe(false);
  });

  it("a continue waiting behind the withdrawn one is left to the server's answer to the caller, not sent over them", () => {
    const { q, sent, created, vad } = recordedQueue();
    q.request();
    // A second tool's output arrives while ours is on its way, then the caller starts talking.
    q.request();
    expect(q.withdrawInFlight()).toBe(true);
    expect(created('r1')).toEqual({ cancel: true });
    q.onDone('r1', 'cancelled');
    expect(sent).toHaveLength(1);
    vad('r_vad');
    q.onDone('r_vad', 'completed');
    expect(sent).toHaveLength(1);
    expect(q.waiting).toBe(0);
  });

  it("refused because the caller's own answer is active: dropped, and the next request is not withdrawn", () => {
    const { q, sent, created, vad } = recordedQueue();
    q.request(line('Are you still there?'));
    q.withdrawInFlight();
    vad('r_vad');
    q.onAlreadyActive();
    q.onDone('r_vad', 'completed');
    expect(sent).toHaveLength(1); // the withdrawn line is not said after the answer
    q.request(line('goodbye'));
    expect(sent).toHaveLength(2);
    expect(created('r1')).toEqual({ cancel: false });
  });

  it('a session that is gone forgets the withdrawal', () => {
    const { q, sent, created } = recordedQueue();
    q.request();
    q.withdrawInFlight();
    q.reset();
    q.request();
    expect(sent).toHaveLength(2);
    expect(created('r1')).toEqual({ cancel: false });
  });
});

describe("refused while the server's own response is active", () => {
  it('before its response.created was seen: it is active until its response.done, then the line is said', () => {
    const { q, sent } = recordedQueue();
    q.request(line('Are you still there?'));
    q.onAlreadyActive();
    expect(q.isActive).toBe(true);
    expect(q.isBusy).toBe(true);
    q.request(); // waits behind it
    expect(sent).toHaveLength(1);
    // The caller barges in: there is a response to cancel, though its id is unknown.
    expect(q.cancelActive()).toBe(true);
    q.onDone('r_vad', 'completed');
    expect(q.isActive).toBe(false);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.response?.instructions).toContain('Are you still there?');
  });

  it('a failed greeting asked again is still dropped when the caller is being answered', () => {
    const { q, sent, created, vad } = recordedQueue();
    q.request({ kind: 'greeting', line: 'Say hi.' });
    created('r1');
    q.onDone('r1', 'failed');
    expect(sent).toHaveLength(2);
    vad('r_vad'); // the caller spoke: the server answers before our second create reaches it
    q.onAlreadyActive();
    q.onDone('r_vad', 'completed');
    expect(sent).toHaveLength(2);
    expect(q.isBusy).toBe(false);
  });
});
