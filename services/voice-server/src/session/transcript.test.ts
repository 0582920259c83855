import { describe, expect, it } from 'vitest';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { Transcript } from './transcript.ts';

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
