import type { RealtimeClientEvent } from '@switchboard/realtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REQUEST_TAG, ResponseQueue } from './response-queue.ts';

const BRAND = 'You are the Acme phone agent. Speak English.';

function queue(canSend = true) {
  const sent: Array<Extract<RealtimeClientEvent, { type: 'response.create' }>> = [];
  const sink = {
    canSend,
    sessionInstructions: BRAND,
    send: (e: RealtimeClientEvent) => {
      if (e.type === 'response.create') sent.push(e);
    },
  };
  const q = new ResponseQueue(sink);
  /** The server answers our last create: response.created with its tag echoed in the metadata. */
  const created = (id: string) => q.onCreated(id, sent.at(-1)?.response?.metadata);
  return { q, sent, sink, created };
}

const line = (line: string) => ({ kind: 'line' as const, line });
const said = (e: { response?: { instructions?: string } }) =>
  e.response?.instructions?.split('\n\n')[1] ?? null;

describe('ResponseQueue', () => {
  it('sends at once when idle and holds the next until the first is done; each create carries its tag', () => {
    const { q, sent, created } = queue();
    q.request(line('greet'));
    expect(sent.map(said)).toEqual(['greet']);
    expect(sent[0]!.response?.metadata?.[REQUEST_TAG]).toMatch(/^req_/);
    q.request(line('second'));
    expect(sent).toHaveLength(1);
    created('r1');
    expect(q.isActive).toBe(true);
    q.onDone('r1', 'completed');
    expect(sent.map(said)).toEqual(['greet', 'second']);
    expect(new Set(sent.map((e) => e.response?.metadata?.[REQUEST_TAG])).size).toBe(2);
  });

  it("keeps the brand's prompt in force on the platform's lines (per-response instructions replace the session's)", () => {
    const { q, sent } = queue();
    q.request(line('Are you still there?'));
    expect(sent[0]!.response?.instructions).toBe(`${BRAND}\n\nAre you still there?`);
    const plain = queue();
    plain.q.request();
    expect(plain.sent[0]!.response?.instructions).toBeUndefined();
  });

  it('sends nothing while no session can take it', () => {
    const { q, sent } = queue(false);
    q.request(line('x'));
    expect(sent).toHaveLength(0);
    expect(q.isBusy).toBe(false);
  });

  it('the server refused because its own response is active: a greeting is dropped, a line is said after it', () => {
    const { q, sent, created } = queue();
    q.request({ kind: 'greeting', line: 'Hi' });
    q.onCreated('r_vad', null); // the caller spoke first: the server answers on its own
    q.onAlreadyActive();
    q.onDone('r_vad', 'completed');
    expect(sent).toHaveLength(1); // the greeting is not said after the answer
    q.request(line('goodbye'));
    q.onCreated('r_vad2', null);
    q.onAlreadyActive();
    expect(sent).toHaveLength(2);
    q.onDone('r_vad2', 'completed');
    expect(sent.map(said)).toEqual(['Hi', 'goodbye', 'goodbye']);
    created('r_bye');
    expect(q.isActive).toBe(true);
  });

  it('a continue refused by a server response sent before it is asked again after it', () => {
    const { q, sent } = queue();
    q.request(); // a tool's output is in the conversation
    q.onCreated('r_vad', null); // created before our request reached the server
    q.onAlreadyActive();
    q.onDone('r_vad', 'completed');
    expect(sent).toHaveLength(2);
  });

  it('continues coalesce, and a response that starts after one was asked answers it', () => {
    const { q, sent, created } = queue();
    q.request(line('long answer'));
    q.request();
    q.request();
    expect(q.waiting).toBe(1);
    created('r1');
    q.onCreated('r_vad', null); // (hypothetically) another response started after the continue was asked
    q.onDone('r1', 'completed');
    q.onDone('r_vad', 'completed');
    expect(sent).toHaveLength(1); // the continue was answered, not asked again
  });

  it('a line of the platform is not taken as an answer: a continue waiting behind it still goes out', () => {
    const { q, sent, created } = queue();
    q.request(line('Are you still there?'));
    q.request();
    created('r_line');
    q.onDone('r_line', 'completed');
    expect(sent).toHaveLength(2);
    expect(sent[1]!.response?.instructions).toBeUndefined();
  });

  it('a server that echoes no metadata at all: the response after our create is taken as ours', () => {
    const { q, sent } = queue();
    q.request(line('greet'));
    q.onCreated('r1', undefined);
    q.request(line('next'));
    q.onDone('r1', 'completed');
    expect(sent).toHaveLength(2);
  });

  it('a failed response is asked for once more; a second failure is reported as not retried', () => {
    const { q, sent, created } = queue();
    q.request();
    created('r1');
    expect(q.onDone('r1', 'failed')).toEqual({ failed: true, retried: true });
    expect(sent).toHaveLength(2);
    created('r2');
    expect(q.onDone('r2', 'failed')).toEqual({ failed: true, retried: false });
    expect(sent).toHaveLength(2);
    expect(q.isBusy).toBe(false);
  });

  it('a failed greeting is asked for once more (a greeting is otherwise stale once a response started)', () => {
    const { q, sent, created } = queue();
    q.request({ kind: 'greeting', line: 'Say hi.' });
    created('r1');
    expect(q.onDone('r1', 'failed')).toEqual({ failed: true, retried: true });
    expect(sent).toHaveLength(2);
    expect(sent[1]!.response?.instructions).toContain('Say hi.');
  });

  it('remembers a cancelled response until it is done, and cancels nothing when none is active', () => {
    const { q, created } = queue();
    expect(q.cancelActive()).toBe(false);
    q.request();
    expect(q.cancelActive()).toBe(false); // asked for, not yet created
    created('r1');
    expect(q.cancelActive()).toBe(true);
    expect(q.isCancelled('r1')).toBe(true);
    q.onDone('r1', 'cancelled');
    expect(q.isCancelled('r1')).toBe(false);
  });

  it('forgets everything when the session is gone', () => {
    const { q, sent, created } = queue();
    q.request();
    q.request(line('waiting'));
    created('r1');
    q.cancelActive();
    q.reset();
    expect(q.isBusy).toBe(false);
    expect(q.waiting).toBe(0);
    q.onDone('r1', 'completed');
    expect(sent).toHaveLength(1);
  });

  it('never has two responses asked for or active at once, whatever the order of requests and events', () => {
    type Op = 'continue' | 'line' | 'greeting' | 'created' | 'done' | 'failed' | 'refused' | 'vad';
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom<Op>('continue', 'line', 'greeting', 'created', 'done', 'failed', 'refused', 'vad'),
          {
            maxLength: 60,
          },
        ),
        (ops) => {
          const { q, sent } = queue();
          // A server that answers a create with created then done; VAD may start a response of its own.
          let active: string | undefined;
          let awaiting = 0; // creates sent and not yet created or refused
          let n = 0;
          for (const op of ops) {
            const before = sent.length;
            if (op === 'continue') q.request();
            else if (op === 'line') q.request(line('l'));
            else if (op === 'greeting') q.request({ kind: 'greeting', line: 'g' });
            else if (op === 'created' && awaiting > 0 && !active) {
              awaiting--;
              active = `r${++n}`;
              q.onCreated(active, sent.at(-1)!.response?.metadata);
            } else if (op === 'vad' && !active) {
              active = `v${++n}`;
              q.onCreated(active, null);
            } else if (op === 'refused' && awaiting > 0 && active) {
              awaiting--;
              q.onAlreadyActive();
            } else if ((op === 'done' || op === 'failed') && active) {
              const id = active;
              active = undefined;
              q.onDone(id, op === 'failed' ? 'failed' : 'completed');
            }
            awaiting += sent.length - before;
            if (awaiting + (active && sent.length > before ? 1 : 0) > 1) return false;
          }
          return true;
        },
      ),
      { numRuns: 1000 },
    );
  });
});
