// The transcript alone: what goes to app-server, when, and how often; order by first appearance;
// interrupted agent turns; settling; the end-of-call flush. A sink that records each batch.
import { describe, expect, it } from 'vitest';
import type { AppServerClient, TranscriptMessage } from '../ports/app-server.ts';
import { heardPart, Transcript } from './transcript.ts';

const AT = new Date('2026-12-06T10:00:00.000Z');

function recorded(opts: { fail?: boolean; ready?: Promise<void> } = {}) {
  const batches: TranscriptMessage[][] = [];
  const errors: unknown[] = [];
  const sink = {
    async appendMessages(_callSid: string, messages: TranscriptMessage[]) {
      if (opts.fail) throw new Error('app-server down');
      batches.push(messages);
    },
  } as unknown as AppServerClient;
  const t = new Transcript('CA1', sink, (e) => errors.push(e), opts.ready ? () => opts.ready! : undefined);
  const flushed = () => new Promise((r) => setTimeout(r, 0));
  return { t, batches, errors, flushed };
}

describe('what the transcript sends', () => {
  it('numbers items by first appearance and sends each once, when final, whatever order the words come in', async () => {
    const r = recorded();
    r.t.open('u1', 'caller', AT);
    r.t.open('a1', 'agent', AT);
    expect(r.t.open('u1', 'agent', new Date(0))).toEqual({
      sequence: 1,
      role: 'caller',
      text: null,
      itemId: 'u1',
      startedAt: '2026-12-06T10:00:00.000Z',
      source: 'realtime',
    });
    r.t.finalize('a1', 'Hello there.');
    r.t.finalize('u1', 'Hi.', { source: 'transcriber' });
    r.t.finalize('u1', 'Hi again.');
    await r.flushed();
    expect(r.batches.map((b) => b.map((m) => [m.sequence, m.itemId, m.text]))).toEqual([
      [[2, 'a1', 'Hello there.']],
      [[1, 'u1', 'Hi.']],
    ]);
    expect(r.batches[1]![0]!.source).toBe('transcriber');
    expect(r.t.messages().map((m) => m.text)).toEqual(['Hi again.', 'Hello there.']);
  });

  it('a final message is sent at once with the next number, and findable by its item', async () => {
    const r = recorded();
    r.t.open('u1', 'caller', AT);
    const m = r.t.add({
      role: 'tool',
      text: 'get_knowledge',
      itemId: 'f1',
      startedAt: AT.toISOString(),
      source: 'realtime',
    });
    expect(m.sequence).toBe(2);
    expect(r.t.get('f1')).toBe(m);
    r.t.add({ role: 'system', text: 'note', startedAt: AT.toISOString(), source: 'realtime' });
    await r.flushed();
    expect(r.batches.map((b) => b.map((x) => x.sequence))).toEqual([[2], [3]]);
  });

  it('a null text keeps the words already known; an unknown item is ignored', async () => {
    const r = recorded();
    r.t.open('u1', 'caller', AT);
    r.t.finalize('u1', 'Hello.');
    r.t.finalize('u1', null, { transcription: 'failed' });
    r.t.finalize('nope', 'x');
    await r.flushed();
    expect(r.t.get('u1')).toMatchObject({ text: 'Hello.', transcription: 'failed' });
    expect(r.batches).toHaveLength(1);
  });

  it('an amendment is sent again only for a message already sent', async () => {
    const r = recorded();
    r.t.open('u1', 'caller', AT);
    r.t.amend('u1', { text: 'early' });
    r.t.amend('nope', { text: 'x' });
    await r.flushed();
    expect(r.batches).toEqual([]);
    r.t.finalize('u1', 'Hello.');
    r.t.amend('u1', { text: 'Hello!', source: 'transcriber' });
    await r.flushed();
    expect(r.batches.map((b) => b[0]!.text)).toEqual(['Hello.', 'Hello!']);
  });

  it('messages wait for the conversation to exist; a failing sink is reported, not thrown', async () => {
    let open!: () => void;
    const ready = new Promise<void>((res) => {
      open = res;
    });
    const r = recorded({ ready });
    r.t.add({ role: 'system', text: 'x', startedAt: AT.toISOString(), source: 'realtime' });
    await r.flushed();
    expect(r.batches).toEqual([]);
    open();
    await r.flushed();
    expect(r.batches).toHaveLength(1);
    const failing = recorded({ fail: true });
    failing.t.add({ role: 'system', text: 'x', startedAt: AT.toISOString(), source: 'realtime' });
    await failing.flushed();
    expect(failing.errors).toHaveLength(1);
  });

  it('the end-of-call flush sends what was never final, except agent turns without words', async () => {
    const r = recorded();
    r.t.open('u1', 'caller', AT);
    r.t.open('a1', 'agent', AT);
    r.t.open('a2', 'agent', AT);
    r.t.finalize('a2', 'Bye.');
    r.t.flush();
    r.t.flush();
    await r.flushed();
    expect(r.batches.map((b) => b.map((m) => m.itemId))).toEqual([['a2'], ['u1']]);
  });
});

describe('an interrupted agent turn', () => {
  it('cut off before its words came: the heard part is worked out once they do', async () => {
    const r = recorded();
    r.t.open('a1', 'agent', AT);
    r.t.markInterrupted('a1', 500, 1_000);
    await r.flushed();
    expect(r.batches).toEqual([]);
    r.t.finalize('a1', 'one two three four');
    await r.flushed();
    expect(r.batches[0]![0]).toMatchObject({ interrupted: true, heardText: 'one two three' });
  });

  it("uses the provider's heard words when given, and nothing heard of an item with no audio length", () => {
    const r = recorded();
    r.t.open('a1', 'agent', AT);
    r.t.finalize('a1', 'one two three four');
    r.t.markInterrupted('a1', 500, 1_000, 'one two');
    expect(r.t.get('a1')?.heardText).toBe('one two');
    r.t.open('a2', 'agent', AT);
    r.t.finalize('a2', 'five six');
    r.t.markInterrupted('a2', 500, 0);
    expect(r.t.get('a2')).toMatchObject({ interrupted: true, heardText: '' });
  });

  it("is the agent's only: a caller turn or an unknown item is left alone", () => {
    const r = recorded();
    r.t.open('u1', 'caller', AT);
    r.t.finalize('u1', 'Hello.');
    r.t.markInterrupted('u1', 1, 2);
    r.t.markInterrupted('nope', 1, 2);
    expect(r.t.get('u1')?.interrupted).toBeUndefined();
  });

  it('heardPart: to the end of the word under way, no trailing space, all or nothing at the ends', () => {
    expect(heardPart('one two three', 0.3)).toBe('one two');
    expect(heardPart('one two three', 0.31)).toBe('one two');
    expect(heardPart('one  two', 0.5)).toBe('one');
    expect(heardPart('one two three', 0.99)).toBe('one two three');
    expect(heardPart('one two three', 1.5)).toBe('one two three');
    expect(heardPart('one two three', -1)).toBe('');
    expect(heardPart('one two three', 0.01)).toBe('one');
    // Whole, trailing space and all, once everything played; nothing before the first word's start.
    expect(heardPart('one two ', 1)).toBe('one two ');
    expect(heardPart(' one two', 0.05)).toBe('');
  });
});

describe('settling', () => {
  it('answers at once with nothing pending; wakes every waiter when the last caller turn has its words', async () => {
    const r = recorded();
    expect(await r.t.settled(10_000)).toEqual([]);
    r.t.open('u1', 'caller', AT);
    r.t.open('u2', 'caller', AT);
    expect(r.t.callerTurnPending()).toBe(true);
    let woken = 0;
    const a = r.t.settled(10_000).then(() => woken++);
    const b = r.t.settled(10_000).then(() => woken++);
    r.t.finalize('u1', 'One.');
    await r.flushed();
    expect(woken).toBe(0);
    r.t.finalize('u2', null, { transcription: 'failed' });
    // Woken by the words, not by the 10 s timeout.
    await r.flushed();
    expect(woken).toBe(2);
    await Promise.all([a, b]);
    expect(r.t.callerTurnPending()).toBe(false);
  });

  it('an agent turn without words does not hold it up', async () => {
    const r = recorded();
    r.t.open('a1', 'agent', AT);
    expect(r.t.callerTurnPending()).toBe(false);
    expect((await r.t.settled(10_000)).map((m) => m.itemId)).toEqual(['a1']);
  });
});
