/** Simulated speech: render text as speech-like audio, and recognise it back. See spoken-text.ts. */
export { type RecognisedWord, type Recognition, recognizeSpeech } from './recognize.ts';
export {
  type CharTiming,
  charDurationMs,
  type RenderedSpeech,
  renderSpeech,
  SPEECH_ALPHABET,
  SPEECH_SAMPLE_RATE,
  symbolOf,
} from './spoken-text.ts';
