/**
 * Protocol-faithful simulator of the OpenAI Realtime API (GA protocol) for the offline demo, the
 * call-sim CLI, benchmarks and end-to-end tests. See README.md in this folder.
 */
export {
  alawToPcm16,
  decodeBase64Strict,
  decodeToPcm16,
  encodeBase64,
  encodeFromPcm16,
  formatBytesPerMs,
  formatSampleRate,
  PCM_SAMPLE_RATE,
  pcm16ToAlaw,
  type RealtimeAudioFormat,
} from './audio-format.ts';
export { DEFAULT_REFUSAL_CLOSE_CODE, INSUFFICIENT_QUOTA_MESSAGE } from './connection-faults.ts';
export {
  REALTIME_ERROR_CODES,
  type RealtimeErrorCode,
  RealtimeProtocolError,
  SESSION_EXPIRED_MESSAGE,
} from './errors.ts';
export {
  DEFAULT_WAIT_TIMEOUT_MS,
  type EventDirection,
  EventLog,
  type EventPredicate,
  type LoggedEvent,
} from './event-log.ts';
export {
  type FaultPlan,
  mergeFaultPlans,
  parseFaultPlan,
  type RateLimitFigures,
  type SessionRefusalCode,
  type SocketDropMode,
} from './faults.ts';
export { MALFORMED_EVENT_KINDS, MALFORMED_EVENTS, type MalformedEventKind } from './malformed-events.ts';
export { REALTIME_VOICES, type SimFunctionTool, type SimToolChoice } from './model-params.ts';
export { type Pacing, type SimClock, systemClock } from './pacing.ts';
export {
  type ClipFit,
  DEFAULT_TONE,
  loadReplyAudio,
  type ReplyAudio,
  type ReplyAudioSource,
  toneAudio,
} from './reply-audio.ts';
export { DEFAULT_REPLY_LANGUAGE, languageInForce } from './reply-language.ts';
export {
  type FailedResponseError,
  parseResponseOutcome,
  type ResponseOutcome,
  serverErrorMessage,
} from './response-outcomes.ts';
export {
  DEFAULT_MS_PER_CHAR,
  DEFAULT_REPLY_TEXT,
  loadScenario,
  OFF_PERSONA_REPLY_TEXT,
  type PlannedReply,
  type PlannedToolCall,
  parseScenario,
  type ReplySource,
  type Scenario,
  ScenarioError,
  type ScenarioPersona,
  ScenarioPlayer,
  type ScenarioReply,
  type ScenarioText,
  type ScenarioToolCall,
  type ScenarioTurn,
  type TranscriptionError,
  type TurnTranscription,
} from './scenario.ts';
export {
  type ConnectRealtimeSdkOptions,
  connectRealtimeSdk,
  type RealtimeSdkTarget,
  realtimeSdkTarget,
} from './sdk.ts';
export {
  DEFAULT_AUDIO_CHUNK_MS,
  DEFAULT_TRANSCRIPTION_DELAY_MS,
  REALTIME_PATH,
  type RealtimeSimulator,
  type RealtimeSimulatorOptions,
  startRealtimeSimulator,
} from './server.ts';
export {
  type RealtimeSimObserver,
  RealtimeSimSession,
  type RealtimeSimSessionOptions,
  type SessionCloseInfo,
  type SimActiveResponse,
  type SimConversationItem,
  type SimReply,
  type SimSessionRef,
} from './session.ts';
export {
  applySessionUpdate,
  defaultSessionConfig,
  SESSION_MAX_DURATION_MS,
  type SimSessionConfig,
} from './session-config.ts';
export {
  b64,
  concatBytes,
  mulawQuiet,
  mulawTone,
  noisePcm16,
  RawRealtimeClient,
  type ServerEvent,
  tonePcm16,
} from './test-support.ts';
export {
  type ModelTiming,
  parseModelTiming,
  type Range,
  REALISTIC_TIMING,
  type RealisticTiming,
} from './timing.ts';
export {
  TRANSCRIPTION_LANGUAGES,
  TRANSCRIPTION_MODELS,
  type TranscriptionConfig,
  type TranscriptionModel,
} from './transcription-config.ts';
export {
  DEFAULT_SEMANTIC_VAD,
  DEFAULT_SERVER_VAD,
  type SemanticVadConfig,
  type ServerVadConfig,
  type TurnDetectionConfig,
} from './turn-detection.ts';
export {
  EnergyVad,
  type EnergyVadOptions,
  VAD_FRAME_MS,
  VAD_MAX_THRESHOLD_DBFS,
  VAD_MIN_SPEECH_MS,
  VAD_MIN_THRESHOLD_DBFS,
  type VadEvent,
  vadThresholdToDbfs,
} from './vad.ts';
export { encodeWavPcm16, parseWav, type WavAudio, WavFormatError } from './wav.ts';
