import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TtsError } from '../ports/tts-stream.ts';
import { type FakeTtsStream, fakeTts } from '../testing/fake-tts.ts';
import { audioPath } from '../testing/parts.ts';
import { FILLER_ITEM } from './call-types.ts';
import { ExternalVoice } from './external-voice.ts';

function voice(cancelled = new Set<string>()) {
  const path = audioPath();
  const tts = fakeTts();
  const seen = {
    firstAudio: [] as string[],
    activity: 0,
    failed: [] as string[],
    unavailable: [] as TtsError[],
  };
  const v = new ExternalVoice({
    open: (listener) => tts.factory({ voiceId: 'AcmeBrandVoice000001' }, listener),
    audioOut: path.audioOut,
    isCancelled: (id) => cancelled.has(id),
    onFirstAudio: (id) => seen.firstAudio.push(id),
    now: () => 0,
    onActivity: () => seen.activity++,
    onTurnFailed: (id) => seen.failed.push(id),
    onUnavailable: (e) => seen.unavailable.push(e),
    onError: () => {},
  });
  const stream = tts.streams[0] as FakeTtsStream;
  const media = () => path.transport.sent.filter((f) => f.event === 'media');
  return { v, stream, path, seen, media };
}

describe('ExternalVoice', () => {
  it("speaks each text item as a turn, flushed at response.done, its audio to Twilio with the call's first mark after 200 ms", () => {
    const { v, stream, path, seen, media } = voice();
    v.onTextDelta('resp_1', 'item_1', 'Hello ');
    v.onTextDelta('resp_1', 'item_1', 'there.');
    expect(stream.calls).toEqual(['start:item_1', 'text:item_1:Hello ', 'text:item_1:there.']);
    v.onResponseDone('resp_1');
    expect(stream.calls.at(-1)).toBe('flush:item_1');
    stream.audio('item_1', 'Hello ');
    stream.audio('item_1', 'there.');
    expect(media()).toHaveLength(2);
    expect(path.transport.sent.map((f) => f.event)).toEqual(['media', 'media', 'mark']);
    expect(path.playback.sentMs('item_1')).toBe(200);
    expect(seen.firstAudio).toEqual(['item_1']);
    expect(seen.activity).toBe(2);
    expect(v.busy).toBe(true);
    stream.emit({ type: 'turn_done', turnId: 'item_1' });
    expect(v.busy).toBe(false);
  });

  it('does not speak the text of a cancelled response', () => {
    const { v, stream } = voice(new Set(['resp_1']));
    v.onTextDelta('resp_1', 'item_1', 'Hello');
    expect(stream.calls).toEqual([]);
  });

  it('cancels every open turn at once, returns the agent items cut, and drops their late audio', () => {
    const { v, stream, media } = voice();
    v.onTextDelta('resp_1', 'item_1', 'One two ');
    v.sayLine('One moment, please.', FILLER_ITEM);
    stream.audio('item_1', 'One ');
    expect(v.cancel()).toEqual(['item_1']);
    expect(stream.calls).toContain('cancel');
    // a provider that sent audio anyway: it never reaches Twilio
    stream.audio('item_1', 'two ');
    expect(media()).toHaveLength(1);
    expect(v.busy).toBe(false);
  });

  it('knows the words heard after so much of a turn, across chunks, from the alignment', () => {
    const { v, stream } = voice();
    v.onTextDelta('resp_1', 'item_1', 'Your order left today.');
    stream.audio('item_1', 'Your order ', 800, 10); // 100 ms of audio, 11 characters 10 ms apart
    stream.audio('item_1', 'left today.', 800, 10);
    expect(v.heardText('item_1', 55)).toBe('Your o');
    expect(v.heardText('item_1', 100)).toBe('Your order');
    expect(v.heardText('item_1', 125)).toBe('Your order lef');
    expect(v.heardText('item_other', 100)).toBeUndefined();
  });

  it('plays a line of its own as local audio, never an agent item', () => {
    const { v, stream, path, seen } = voice();
    expect(v.sayLine('One moment, please.', FILLER_ITEM)).toBe(true);
    const id = stream.calls[0]!.slice('start:'.length);
    expect(stream.calls).toEqual([`start:${id}`, `text:${id}:One moment, please.`, `flush:${id}`]);
    stream.audio(id, 'One moment, please.');
    expect(path.playback.sentMs(FILLER_ITEM)).toBe(100);
    expect(seen.firstAudio).toEqual([]);
    expect(v.heardText(id, 50)).toBeUndefined();
  });

  it('reports a failed agent turn and the stream giving up; says no line once unavailable', () => {
    const { v, stream, seen } = voice();
    v.onTextDelta('resp_1', 'item_1', 'Hello');
    v.sayLine('One moment, please.', FILLER_ITEM);
    const error: TtsError = { code: 'socket_closed', message: 'closed', retryable: true };
    stream.emit({ type: 'turn_failed', turnId: 'item_1', error });
    stream.emit({ type: 'turn_failed', turnId: stream.calls[2]!.slice('start:'.length), error });
    expect(seen.failed).toEqual(['item_1']);
    stream.emit({ type: 'unavailable', error });
    expect(seen.unavailable).toEqual([error]);
    expect(v.available).toBe(false);
    expect(v.sayLine('One moment, please.', FILLER_ITEM)).toBe(false);
  });

  it('never throws, and no audio of a cancelled turn reaches Twilio, whatever the provider sends (fast-check)', () => {
    const turn = fc.constantFrom('item_1', 'item_2', 'item_3', '~filler#1', 'unknown');
    const step = fc.oneof(
      fc.record({ k: fc.constant('delta' as const), turn, text: fc.string({ maxLength: 8 }) }),
      fc.record({ k: fc.constant('done' as const), turn }),
      fc.record({ k: fc.constant('cancel' as const) }),
      fc.record({ k: fc.constant('audio' as const), turn, bytes: fc.integer({ min: 0, max: 4000 }) }),
      fc.record({ k: fc.constant('end' as const), turn, failed: fc.boolean() }),
      fc.record({ k: fc.constant('unavailable' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const { v, stream, path } = voice();
        const cancelled = new Set<string>();
        for (const s of steps) {
          if (s.k === 'delta') v.onTextDelta('resp', s.turn, s.text);
          else if (s.k === 'done') v.onTextDone(s.turn);
          else if (s.k === 'cancel') for (const id of [...stream.open, ...v.cancel()]) cancelled.add(id);
          else if (s.k === 'audio') {
            const before = path.transport.sent.length;
            stream.emit({
              type: 'audio',
              turnId: s.turn,
              payload: Buffer.alloc(s.bytes).toString('base64'),
              bytes: s.bytes,
              alignment: null,
            });
            if (cancelled.has(s.turn)) expect(path.transport.sent.length).toBe(before);
          } else if (s.k === 'end') {
            const error: TtsError = { code: 'socket_closed', message: 'x', retryable: true };
            stream.emit(
              s.failed
                ? { type: 'turn_failed', turnId: s.turn, error }
                : { type: 'turn_done', turnId: s.turn },
            );
          } else
            stream.emit({
              type: 'unavailable',
              error: { code: 'connect_failed', message: 'x', retryable: false },
            });
        }
      }),
    );
  });
});
