// How many turns ExternalVoice remembers for a later barge-in's "what was heard": the last 16 turns
// whose audio is all out, plus every turn still live however old (it is still being spoken); the
// oldest finished turns are forgotten first, never more of them than needed.
import { describe, expect, it } from 'vitest';
import { type FakeTtsStream, fakeTts } from '../testing/fake-tts.ts';
import { audioPath } from '../testing/parts.ts';
import { ExternalVoice } from './external-voice.ts';

function voice() {
  const path = audioPath();
  const tts = fakeTts();
  const v = new ExternalVoice({
    open: (listener) => tts.factory({ voiceId: 'AcmeBrandVoice000001' }, listener),
    audioOut: path.audioOut,
    isCancelled: () => false,
    onFirstAudio: () => {},
    now: () => 0,
    onActivity: () => {},
    onTurnFailed: () => {},
    onUnavailable: () => {},
    onError: () => {},
  });
  const stream = tts.streams[0] as FakeTtsStream;
  const start = (n: number) => v.onTextDelta(`resp_${n}`, `item_${n}`, 'Hi.');
  const finish = (n: number) => stream.emit({ type: 'turn_done', turnId: `item_${n}` });
  /** The turns (1…upTo) it still knows the heard words of. */
  const known = (upTo: number) =>
    Array.from({ length: upTo }, (_, i) => i + 1).filter((n) => v.heardText(`item_${n}`, 0) !== undefined);
  return { v, stream, path, start, finish, known };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ExternalVoice: the turns it remembers', () => {
  it('keeps 16 finished turns; the 17th makes it forget the oldest, and only that one', () => {
    const { start, finish, known } = voice();
    for (let n = 1; n <= 16; n++) {
      start(n);
      finish(n);
    }
    expect(known(16)).toEqual(range(1, 16));
    start(17);
    expect(known(17)).toEqual(range(2, 17));
    finish(17);
    start(18);
    expect(known(18)).toEqual(range(3, 18));
  });

  it('never forgets a turn still being spoken, however many turns came after it', () => {
    const { stream, path, start, finish, known } = voice();
    start(1); // a long answer, still live
    for (let n = 2; n <= 21; n++) {
      start(n);
      finish(n);
    }
    expect(known(21)).toEqual([1, ...range(7, 21)]);
    const before = path.transport.sent.length;
    stream.audio('item_1', 'Hi.');
    expect(path.transport.sent.length).toBeGreaterThan(before);
  });

  it('after a burst of live turns has ended, forgets as many of the oldest as it takes to get back to 16', () => {
    const { start, finish, known } = voice();
    for (let n = 1; n <= 17; n++) start(n);
    expect(known(17)).toEqual(range(1, 17)); // all live: none forgotten
    for (let n = 1; n <= 17; n++) finish(n);
    start(18);
    expect(known(18)).toEqual(range(3, 18));
  });
});
