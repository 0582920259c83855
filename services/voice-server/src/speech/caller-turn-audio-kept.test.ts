// The committed turns the keeper holds: decoded only when asked for, and a transcriber given the
// turn's audio even when none is kept (keepCommitted: 0).
import { describe, expect, it } from 'vitest';
import type { Transcriber, TranscriptionResult, TurnAudio } from '../ports/transcriber.ts';
import { CallerTurnAudio } from './caller-turn-audio.ts';

/** `ms` of mu-law whose bytes count up from `from`. */
const ramp = (ms: number, from: number) =>
  Buffer.from(Array.from({ length: ms * 8 }, (_, i) => (from + i) & 0xff)).toString('base64');

class RecordingTranscriber implements Transcriber {
  readonly provider = 'cartesia' as const;
  readonly given: TurnAudio[] = [];
  async transcribe(audio: TurnAudio): Promise<TranscriptionResult> {
    this.given.push(audio);
    return { status: 'ok', provider: 'cartesia', text: 'hi', audioSeconds: audio.mulaw.length / 8000 };
  }
}

/** 300 ms of caller audio in 20 ms frames, a turn from 100 to 250 ms committed as `u1`. */
function speak(keeper: CallerTurnAudio) {
  for (let i = 0; i < 15; i++) keeper.onAudio(ramp(20, i * 160));
  keeper.onSpeechStarted('u1', 100);
  keeper.onSpeechStopped('u1', 250);
  keeper.onCommitted('u1');
}

describe('committed caller turns', () => {
  it('gives back the exact bytes of the turn, the same ones each time', () => {
    const keeper = new CallerTurnAudio({});
    speak(keeper);
    const first = keeper.audioOf('u1')!;
    expect(first.length).toBe(150 * 8);
    expect(first[0]).toBe((100 * 8) & 0xff);
    expect(keeper.audioOf('u1')).toBe(first);
  });

  it('hands a transcriber the turn even when no committed turn is kept', async () => {
    const transcriber = new RecordingTranscriber();
    const heard: string[] = [];
    const keeper = new CallerTurnAudio({
      transcriber,
      keepCommitted: 0,
      onTranscript: (t) => heard.push(t.result.status),
    });
    speak(keeper);
    await keeper.drain();
    expect(keeper.audioOf('u1')).toBeUndefined();
    expect(transcriber.given.map((a) => [a.itemId, a.mulaw.length])).toEqual([['u1', 150 * 8]]);
    expect(heard).toEqual(['ok']);
  });
});
