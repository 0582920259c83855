import type { RealtimeClientEvent } from '@switchboard/realtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResponseQueue } from './response-queue.ts';

function queue(canSend = true) {
  const sent: RealtimeClientEvent[] = [];
  const sink = { canSend, send: (e: RealtimeClientEvent) => sent.push(e) };
  return { q: new ResponseQueue(sink), sent, sink };
}

const instructionsOf = (e: RealtimeClientEvent) =>
  e.type === 'response.create' ? (e.response?.instructions ?? null) : undefined;

describe('ResponseQueue', () => {
  it('sends a request at once when nothing is active, and holds the next until the first is done', () => {
    const { q, sent } = queue();
    q.request({ instructions: 'greet' });
    expect(sent.map(instructionsOf)).toEqual(['greet']);
    expect(q.isBusy).toBe(true);
    expect(q.isActive).toBe(false);
    q.request({ instructions: 'second' });
    q.request();
    expect(sent).toHaveLength(1);
    q.onCreated('r1');
    expect(q.isActive).toBe(true);
    q.onDone('r1');
    expect(sent.map(instructionsOf)).toEqual(['greet', 'second']);
    q.onCreated('r2');
    q.onDone('r2');
    expect(sent.map(instructionsOf)).toEqual(['greet', 'second', null]);
    q.onCreated('r3');
    q.onDone('r3');
    expect(q.isBusy).toBe(false);
    expect(q.waiting).toBe(0);
  });

  it('sends nothing while no session can take it', () => {
    const { q, sent } = queue(false);
    q.request({ instructions: 'x' });
    expect(sent).toHaveLength(0);
    expect(q.isBusy).toBe(false);
  });

  it('asks again, first in line, when the server refuses because a response of its own is active', () => {
    const { q, sent } = queue();
    q.request({ instructions: 'greet' });
    q.request({ instructions: 'later' });
    q.onAlreadyActive();
    // The server's own response is active now, under an id we have not seen.
    expect(q.isActive).toBe(true);
    q.onDone('resp_server');
    expect(sent.map(instructionsOf)).toEqual(['greet', 'greet']);
    q.onCreated('r2');
    q.onDone('r2');
    expect(sent.map(instructionsOf)).toEqual(['greet', 'greet', 'later']);
  });

  it('remembers a cancelled response until it is done, and cancels nothing when none is active', () => {
    const { q } = queue();
    expect(q.cancelActive()).toBe(false);
    q.request();
    expect(q.cancelActive()).toBe(false); // asked for, not yet created
    q.onCreated('r1');
    expect(q.cancelActive()).toBe(true);
    expect(q.isCancelled('r1')).toBe(true);
    q.onDone('r1');
    expect(q.isCancelled('r1')).toBe(false);
  });

  it('forgets everything when the session is gone', () => {
    const { q, sent } = queue();
    q.request();
    q.request({ instructions: 'waiting' });
    q.onCreated('r1');
    q.cancelActive();
    q.reset();
    expect(q.isBusy).toBe(false);
    expect(q.waiting).toBe(0);
    expect(q.isCancelled('r1')).toBe(false);
    q.onDone('r1');
    expect(sent).toHaveLength(1);
  });

  it('never has two responses asked for or active at once, whatever the order of requests and events', () => {
    type Op = { kind: 'request' } | { kind: 'server'; step: 'created' | 'done' } | { kind: 'refused' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant<Op>({ kind: 'request' }),
      fc.constant<Op>({ kind: 'server', step: 'created' }),
      fc.constant<Op>({ kind: 'server', step: 'done' }),
      fc.constant<Op>({ kind: 'refused' }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { q, sent } = queue();
        // A server that answers each response.create with created then done, one at a time.
        let outstanding = 0; // creates sent whose response is not done
        let created: string | undefined;
        let n = 0;
        let requested = 0;
        for (const o of ops) {
          const before = sent.length;
          if (o.kind === 'request') {
            requested++;
            q.request({ instructions: `r${requested}` });
          } else if (o.kind === 'refused' && outstanding > 0 && !created) {
            // The server refused the create in flight because one of its own is active.
            outstanding--;
            q.onAlreadyActive();
            created = 'server';
            outstanding++;
          } else if (o.kind === 'server' && o.step === 'created' && outstanding > 0 && !created) {
            created = `resp_${++n}`;
            q.onCreated(created);
          } else if (o.kind === 'server' && o.step === 'done' && created) {
            const id = created;
            created = undefined;
            outstanding--;
            q.onDone(id);
          }
          outstanding += sent.length - before;
          if (outstanding > 1) return false;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });
});
