/** Caller turns and provider answers for the transcriber and TTS tests (tests only). */
import { renderSpeech } from '@switchboard/simulators/speech';
import { pcm16ToMulaw } from '@switchboard/telephony';
import fc from 'fast-check';
import type { TurnAudio } from '../../ports/transcriber.ts';

/** `text` spoken as simulated speech, in mu-law 8 kHz. */
export const spoken = (text: string): Uint8Array => pcm16ToMulaw(renderSpeech(text).pcm);

/** A committed caller turn. */
export const turnOf = (mulaw: Uint8Array, itemId = 'item_1'): TurnAudio => ({ itemId, mulaw });

/** Text that is not JSON. */
export const notJson: fc.Arbitrary<string> = fc.string().filter((s) => {
  try {
    JSON.parse(s);
    return false;
  } catch {
    return true;
  }
});
