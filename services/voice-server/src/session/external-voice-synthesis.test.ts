// What ExternalVoice reports about each turn it speaks: the synthesis record for the trace (characters,
// first-audio and total time from the turn's first text, whole or not, once), the first-text and
// first-frame signals (once a turn), the provider's survivable errors, and a response.done that has
// nothing to flush. A hand-driven clock, the fake TTS stream.
import { describe, expect, it } from 'vitest';
import type { TtsError } from '../ports/tts-stream.ts';
import { type FakeTtsStream, fakeTts } from '../testing/fake-tts.ts';
import { audioPath } from '../testing/parts.ts';
import { FILLER_ITEM } from './call-types.ts';
import { ExternalVoice, type TurnSynthesis } from './external-voice.ts';

const SOCKET_CLOSED: TtsError = { code: 'socket_closed', message: 'closed', retryable: true };

/** An ExternalVoice on a clock the test moves (`clock.ms`), every signal recorded. */
function voice() {
  const path = audioPath();
  const tts = fakeTts();
  const clock = { ms: 1000 };
  const seen = {
    synthesized: [] as TurnSynthesis[],
    firstText: [] as string[],
    firstAudio: [] as Array<[string, number]>,
    firstFrame: [] as string[],
    errors: [] as TtsError[],
    unavailable: [] as TtsError[],
  };
  const v = new ExternalVoice({
    open: (listener) => tts.factory({ voiceId: 'AcmeBrandVoice000001' }, listener),
    audioOut: path.audioOut,
    isCancelled: () => false,
    onFirstAudio: (id, ttsMs) => seen.firstAudio.push([id, ttsMs]),
    onFirstText: (id) => seen.firstText.push(id),
    onFirstFrameSent: (id) => seen.firstFrame.push(id),
    now: () => clock.ms,
    onActivity: () => {},
    onTurnFailed: () => {},
    onUnavailable: (e) => seen.unavailable.push(e),
    onError: (e) => seen.errors.push(e),
    onSynthesized: (s) => seen.synthesized.push(s),
  });
  const stream = tts.streams[0] as FakeTtsStream;
  const lineId = () =>
    stream.calls.find((c) => c.startsWith(`start:${FILLER_ITEM}#`))!.slice('start:'.length);
  return { v, stream, path, clock, seen, lineId };
}

describe('ExternalVoice: what each turn reports', () => {
  it('times a turn from its first text: first audio 40 ms later, done 300 ms later, its characters counted', () => {
    const { v, stream, clock, seen } = voice();
    v.onTextDelta('resp_1', 'item_1', 'Hello ');
    clock.ms += 25;
    v.onTextDelta('resp_1', 'item_1', 'there.');
    clock.ms += 15;
    stream.audio('item_1', 'Hello ');
    clock.ms += 100;
    stream.audio('item_1', 'there.');
    clock.ms += 160;
    stream.emit({ type: 'turn_done', turnId: 'item_1' });
    expect(seen.firstText).toEqual(['item_1']);
    expect(seen.firstAudio).toEqual([['item_1', 40]]);
    expect(seen.firstFrame).toEqual(['item_1']);
    expect(seen.synthesized).toStrictEqual([
      { itemId: 'item_1', characters: 12, firstAudioMs: 40, durationMs: 300, whole: true },
    ]);
  });

  it('a turn that got no audio reports no first-audio time at all, and whole: false when it failed', () => {
    const { v, stream, clock, seen } = voice();
    v.onTextDelta('resp_1', 'item_1', 'Hello');
    clock.ms += 70;
    stream.emit({ type: 'turn_failed', turnId: 'item_1', error: SOCKET_CLOSED });
    expect(seen.synthesized).toStrictEqual([
      { itemId: 'item_1', characters: 5, durationMs: 70, whole: false },
    ]);
  });

  it('a line of its own counts its characters and ends whole when done, not whole when its turn failed', () => {
    const { v, stream, clock, seen, lineId } = voice();
    const ends: boolean[] = [];
    v.sayLine('One moment, please.', FILLER_ITEM, (whole) => ends.push(whole));
    const first = lineId();
    clock.ms += 50;
    stream.emit({ type: 'turn_done', turnId: first });
    v.sayLine('Still there?', FILLER_ITEM, (whole) => ends.push(whole));
    const second = stream.calls.at(-3)!.slice('start:'.length);
    stream.emit({ type: 'turn_failed', turnId: second, error: SOCKET_CLOSED });
    expect(ends).toEqual([true, false]);
    expect(seen.synthesized.map((s) => [s.characters, s.durationMs, s.whole])).toEqual([
      [19, 50, true],
      [12, 0, false],
    ]);
  });

  it('turns cut off by a barge-in or the close end unfinished, and are reported once however the provider ends them later', () => {
    const { v, stream, seen } = voice();
    const ends: boolean[] = [];
    v.onTextDelta('resp_1', 'item_1', 'One two');
    v.sayLine('One moment, please.', FILLER_ITEM, (whole) => ends.push(whole));
    v.cancel();
    // a provider that still closes the cancelled turn
    stream.emit({ type: 'turn_done', turnId: 'item_1' });
    v.onTextDelta('resp_2', 'item_2', 'Three');
    v.close();
    stream.emit({ type: 'turn_failed', turnId: 'item_2', error: SOCKET_CLOSED });
    expect(ends).toEqual([false]);
    expect(seen.synthesized.map((s) => [s.itemId.split('#')[0], s.whole])).toEqual([
      ['item_1', false],
      [FILLER_ITEM, false],
      ['item_2', false],
    ]);
  });

  it('signals the first frame sent once per turn, not once per frame', () => {
    const { v, stream, seen } = voice();
    v.onTextDelta('resp_1', 'item_1', 'Hello there.');
    stream.audio('item_1', 'Hello ');
    stream.audio('item_1', 'there.');
    v.onTextDelta('resp_2', 'item_2', 'Bye.');
    stream.audio('item_2', 'Bye.');
    expect(seen.firstFrame).toEqual(['item_1', 'item_2']);
  });

  it('a survivable provider error is passed on, and the turns go on being spoken', () => {
    const { v, stream, path, seen } = voice();
    v.onTextDelta('resp_1', 'item_1', 'Hello');
    const error: TtsError = { code: 'malformed_message', message: 'not JSON', retryable: true };
    stream.emit({ type: 'error', error });
    expect(seen.errors).toEqual([error]);
    expect(seen.unavailable).toEqual([]);
    expect(v.busy).toBe(true);
    expect(path.transport.sent).toEqual([]); // no end mark: nothing ended
    stream.audio('item_1', 'Hello');
    expect(path.transport.sent.map((f) => f.event)).toEqual(['media']);
  });

  it('a response.done for a response with no text (or told twice) flushes nothing', () => {
    const { v, stream } = voice();
    v.onResponseDone('resp_audio_only');
    v.onTextDelta('resp_1', 'item_1', 'Hello');
    v.onResponseDone('resp_1');
    v.onResponseDone('resp_1');
    expect(stream.calls).toEqual(['start:item_1', 'text:item_1:Hello', 'flush:item_1']);
  });
});
