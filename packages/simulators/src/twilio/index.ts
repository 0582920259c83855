/**
 * Protocol-faithful Twilio simulator: a caller that places signed voice-webhook requests and speaks the
 * bidirectional Media Streams protocol (with Twilio's playback, marks and clear modelled), and a fake of
 * the Calls REST API. See README.md in this folder.
 */
export {
  type CallerScriptStep,
  type CallerSource,
  type DtmfStep,
  FRAME_BYTES,
  type FramePlan,
  type HangupStep,
  type NoiseBurstSpec,
  noiseBurstMulaw,
  type PauseStep,
  ScriptCursor,
  type SpeechSpec,
  type ToneSpec,
  toneMulaw,
  type UntilStep,
  type UtteranceStep,
} from './caller-script.ts';
export {
  createFrameTicker,
  createManualTicker,
  FRAME_MS,
  type FrameListener,
  type FrameTicker,
  type FrameTickerOptions,
  type FrameTickerStats,
  type ManualFrameTicker,
  sharedFrameTicker,
  systemWallClock,
  type WallClock,
} from './frame-ticker.ts';
export {
  type Callee,
  type DialedCall,
  type OutboundDialer,
  type OutboundDialerOptions,
  startOutboundDialer,
} from './outbound-dialer.ts';
export {
  type CreateCallProblem,
  type CreateCallRequest,
  isDialableNumber,
  parseCreateCall,
  type StatusCallbackEvent,
} from './outbound-rules.ts';
export {
  type FrameFate,
  type LineImpairments,
  PhoneLine,
  validateLineImpairments,
} from './phone-line.ts';
export { type ClearResult, type PlaybackListener, PlaybackModel } from './playback.ts';
export {
  type RecordingTracks,
  recordingMp3,
  recordingWav,
} from './recording-media.ts';
export type {
  FakeRecording,
  FakeRecordingStatus,
  PostedRecordingCallback,
  RecordingAudioSource,
} from './recordings.ts';
export {
  type CallUpdate,
  type CallUpdateHandler,
  type CreatedCall,
  type FakeCallInfo,
  type RecordedRestRequest,
  startTwilioRestFake,
  type TwilioCallStatus,
  type TwilioNotification,
  type TwilioRestFake,
  type TwilioRestFakeOptions,
} from './rest-fake.ts';
export {
  type CallEnd,
  type CallEndReason,
  type CallFaults,
  type CallNotification,
  type CallRedirect,
  type CallReport,
  type ClearRecord,
  DEFAULT_WAIT_TIMEOUT_MS,
  DEFAULT_WEBHOOK_PATH,
  type DialAttempt,
  type HeardChunk,
  type MediaTap,
  type PlaceCallOptions,
  placeCall,
  type ReceivedMessage,
  type SentEvent,
  SimulatedCall,
  type StreamProtocolError,
  type WebhookExchange,
} from './simulated-call.ts';
export type { PostedCallback } from './status-callbacks.ts';
export {
  type AccountNumbers,
  dialProblem,
  isWithheld,
  MAX_UPDATE_TWIML_CHARS,
  streamUrlProblem,
  type TwilioNotificationCode,
  updateTwimlProblem,
} from './twilio-rules.ts';
export {
  createUrlMapper,
  type InboundCallFields,
  inboundCallForm,
  newSid,
  toWebSocketUrl,
} from './webhook-form.ts';
