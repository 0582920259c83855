// Which request the response queue sends next and what response.done reports: only continues
// coalesce (a line and a continue waiting together both go out), a greeting is not said once the
// caller was answered first, a response.done is matched to the active response by its id, and a
// failed response the server started itself is asked for again as a plain continue.
import { describe, expect, it } from 'vitest';
import { BRAND_PROMPT, recordedQueue } from '../testing/recorded-queue.ts';

const line = (text: string) => ({ kind: 'line' as const, line: text });

describe('the response queue between turns', () => {
  it('a line asked while a continue waits is said too, after it', () => {
    const { q, sent, created } = recordedQueue();
    q.request(line('One moment.'));
    created('r1');
    q.request();
    q.request(line('Are you still there?'));
    expect(q.waiting).toBe(2);
    q.onDone('r1', 'completed');
    created('r2');
    q.onDone('r2', 'completed');
    expect(sent).toHaveLength(3);
    expect(sent[1]!.response?.instructions).toBeUndefined();
    expect(sent[2]!.response?.instructions).toBe(`${BRAND_PROMPT}\n\nAre you still there?`);
  });

  it('a continue asked while ours is on its way is sent after it: ours cannot answer what came after its create', () => {
    // The server takes client events in order: a tool output added after our response.create is not
    // in that response's input, so it needs a response of its own.
    const { q, sent, answered } = recordedQueue();
    q.request();
    expect(sent).toHaveLength(1);
    q.request();
    expect(q.waiting).toBe(1);
    answered('r1');
    expect(sent).toHaveLength(2);
    answered('r2');
    expect(sent).toHaveLength(2);
  });

  it('a continue asked before ours went out is answered by it', () => {
    const { q, sent, answered } = recordedQueue();
    q.request(line('One moment.'));
    q.request();
    q.request();
    answered('r1');
    expect(sent).toHaveLength(2);
    answered('r2');
    expect(sent).toHaveLength(2);
    expect(q.waiting).toBe(0);
  });

  it('a retried continue answers the continue asked before it went out (the session was down meanwhile)', () => {
    const { q, sent, sink, created, answered } = recordedQueue();
    q.request();
    created('r1');
    // The session drops as the response fails: its retry waits, and so does a continue asked meanwhile.
    sink.canSend = false;
    q.onDone('r1', 'failed');
    q.request();
    expect(q.waiting).toBe(2);
    sink.canSend = true;
    q.request(line('Sorry about that.'));
    expect(sent).toHaveLength(2);
    answered('r2');
    // The retry went out after the second continue was asked: it answered it, so the line is next.
    expect(sent).toHaveLength(3);
    expect(sent[2]!.response?.instructions).toBe(`${BRAND_PROMPT}\n\nSorry about that.`);
    answered('r3');
    expect(sent).toHaveLength(3);
  });

  it('a continue asked while a line waits is not coalesced into it', () => {
    const { q, sent, created } = recordedQueue();
    q.request(line('One moment.'));
    created('r1');
    q.request(line('Are you still there?'));
    q.request();
    expect(q.waiting).toBe(2);
    q.onDone('r1', 'completed');
    created('r2');
    q.onDone('r2', 'completed');
    expect(sent).toHaveLength(3);
    expect(sent[2]!.response?.instructions).toBeUndefined();
  });

  it('the caller was answered before the greeting could go out: the greeting is not said', () => {
    const { q, sent, vad } = recordedQueue();
    vad('r_vad');
    q.request({ kind: 'greeting', line: 'Say hi.' });
    expect(sent).toHaveLength(0);
    q.onDone('r_vad', 'completed');
    expect(sent).toHaveLength(0);
    expect(q.isBusy).toBe(false);
  });

  it('a completed response reports neither failed nor retried', () => {
    const { q, created } = recordedQueue();
    q.request();
    created('r1');
    expect(q.onDone('r1', 'completed')).toEqual({ failed: false, retried: false });
  });

  it('a response.done of another response leaves the active one active; with none active it changes nothing', () => {
    const { q, sent, created } = recordedQueue();
    expect(q.onDone('r_old', 'failed')).toEqual({ failed: false, retried: false });
    expect(sent).toHaveLength(0);
    q.request(line('One moment.'));
    created('r1');
    q.request(line('Are you still there?'));
    expect(q.onDone('r_old', 'failed')).toEqual({ failed: false, retried: false });
    expect(q.isActive).toBe(true);
    expect(sent).toHaveLength(1);
    q.onDone('r1', 'completed');
    expect(sent).toHaveLength(2);
  });

  it('a failed response the server started itself is asked for again as a continue, without a line', () => {
    const { q, sent, vad } = recordedQueue();
    vad('r_vad');
    expect(q.onDone('r_vad', 'failed')).toEqual({ failed: true, retried: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.response?.instructions).toBeUndefined();
  });

  it('a response.created without an id leaves nothing active', () => {
    const { q, sent } = recordedQueue();
    q.request();
    q.onCreated(undefined, sent[0]!.response?.metadata);
    expect(q.isActive).toBe(false);
    expect(q.isBusy).toBe(false);
  });
});
