/** Cartesia simulator: the speech-to-text WebSocket (manual finalize). See README.md in this folder. */
export { bytesPerSample, decodeSamples, STT_ENCODINGS, type SttEncoding } from './encoding.ts';
export {
  type CartesiaSimulator,
  type CartesiaSimulatorOptions,
  STT_MODELS,
  startCartesiaSimulator,
} from './server.ts';
export {
  INTERIM_EVERY_MS,
  type SttError,
  type SttFaults,
  SttSession,
  type SttSessionParams,
} from './stt-session.ts';
