/**
 * ElevenLabs simulator: text-to-speech stream-input WebSockets (single and multi-context) and Scribe
 * speech-to-text, on one local server. See README.md in this folder.
 */
export { type ApiError, detailError, INVALID_API_KEY } from './errors.ts';
export { type OutputFormat, parseOutputFormat, SIMULATED_OUTPUT_FORMATS } from './output-format.ts';
export { SCRIBE_MODELS, type ScribeRequest, type ScribeScriptStep } from './scribe.ts';
export {
  type ElevenLabsSimulator,
  type ElevenLabsSimulatorOptions,
  startElevenLabsSimulator,
  TTS_MODELS,
} from './server.ts';
export { DEFAULT_CHUNK_LENGTH_SCHEDULE, TextBuffer, TRY_TRIGGER_MIN_CHARS } from './text-buffer.ts';
export { inactivityMessage, type TtsClientMessage, TtsConnection, type TtsFaults } from './tts-connection.ts';
export { type Alignment, type AudioMessage, MAX_MESSAGE_AUDIO_MS } from './tts-context.ts';
