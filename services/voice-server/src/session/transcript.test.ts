import { describe, expect, it } from 'vitest';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { heardPart, Transcript } from './transcript.ts';

function transcript() {
  const sink = new InMemoryAppServer();
  return new Transcript('CA1', sink, () => {});
}

describe('Transcript.settled', () => {
  it('waits for a caller turn’s words, then gives the conversation with them', async () => {
    const t = transcript();
    t.open('u1', 'caller', new Date());
    const settled = t.settled(5_000);
    setTimeout(() => t.finalize('u1', 'Can I talk to a person?'), 20);
    const messages = await settled;
    expect(messages.map((m) => m.text)).toEqual(['Can I talk to a person?']);
  });

  it('does not wait for a turn marked not transcribed, and gives up after its time', async () => {
    const t = transcript();
    t.open('u1', 'caller', new Date());
    t.finalize('u1', null, { transcription: 'failed' });
    expect((await t.settled(5_000)).map((m) => m.transcription)).toEqual(['failed']);
    t.open('u2', 'caller', new Date());
    const started = Date.now();
    const messages = await t.settled(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(messages.at(-1)!.text).toBeNull();
  });
});

describe('an agent turn the caller cut off', () => {
  it('is marked interrupted with the part heard, and sent again when it had been sent whole', async () => {
    const sink = new InMemoryAppServer();
    await sink.startConversation({
      callSid: 'CA1',
      botProfileKey: 'p',
      callerNumber: '',
      isSip: false,
      startedAt: new Date().toISOString(),
    });
    const t = new Transcript('CA1', sink, () => {});
    t.open('a1', 'agent', new Date());
    t.finalize('a1', 'Standard shipping takes three to five business days across the country.');
    await new Promise((r) => setTimeout(r, 0));
    expect(sink.transcript('CA1')[0]!.interrupted).toBeUndefined();
    t.markInterrupted('a1', 1_000, 4_000);
    await new Promise((r) => setTimeout(r, 0));
    expect(sink.transcript('CA1')[0]).toMatchObject({
      interrupted: true,
      heardText: 'Standard shipping takes',
    });
  });

  it('heardPart stops at the end of the word under way', () => {
    expect(heardPart('one two three', 0.5)).toBe('one two three'.slice(0, 7));
    expect(heardPart('one two three', 1)).toBe('one two three');
    expect(heardPart('one two three', 0)).toBe('');
  });
});
