/**
 * The public shapes of a simulated call: how to place it, the hooks and faults it takes, and the
 * records it keeps (webhook exchange, messages both ways, audio heard, clears, redirects, the report).
 */
import type { TwilioOutbound, TwimlDial, TwimlVerb } from '@switchboard/telephony';
import type { CallerSource } from './caller-script.ts';
import type { FrameTicker } from './frame-ticker.ts';
import type { LineImpairments } from './phone-line.ts';
import type { TwilioRestFake } from './rest-fake.ts';
import type { TurnReport } from './turn-tracker.ts';
import type { AccountNumbers } from './twilio-rules.ts';

/** Options of a simulated call; `C` is the call object caller-script predicates see (SimulatedCall). */
export interface CallOptions<C> {
  /** Base URL the simulator really connects to, e.g. `http://127.0.0.1:8080`. */
  voiceServerUrl: string;
  /**
   * The URL Twilio knows the server by and signs (PUBLIC_BASE_URL); default `voiceServerUrl`. Models a
   * TLS-terminating proxy: the webhook is signed over `publicBaseUrl + webhookPath` but posted to
   * `voiceServerUrl`, and a Stream url on the public host is connected to on the local one.
   */
  publicBaseUrl?: string;
  /** Default `/twilio-voice-webhook`. */
  webhookPath?: string;
  authToken: string;
  accountSid: string;
  /** Caller's number, E.164. */
  from: string;
  /** Called number, E.164. */
  to: string;
  /** Make it a SIP call: From/To as `sip:<number>@<domain>` and the SipDomain field. */
  sip?: { domain: string };
  applicationSid?: string;
  /** More webhook form fields (e.g. `{ FreshcallerCallId: '123' }`). */
  extraFields?: Record<string, string>;
  /** Default: a fresh `CA` + 32 hex digits. */
  callSid?: string;
  /** What the caller sends; default silence. */
  source?: CallerSource<C>;
  /**
   * The frame clock. Default: the process-wide real-time ticker shared by every call, unless `speed`
   * is set. Pass one `createFrameTicker()` to many calls (benchmarks) or a `createManualTicker()`
   * (deterministic tests).
   */
  ticker?: FrameTicker;
  /** Without `ticker`: run this call on its own ticker at `speed` × real time (e.g. 10). */
  speed?: number;
  /** Registers the call with a REST fake, so API updates reach it. */
  restFake?: TwilioRestFake;
  /**
   * Numbers the account owns or verified, which a `<Dial callerId>` may show (besides the call's own
   * From and To). Default: the REST fake's `accountNumbers`, or none.
   */
  accountNumbers?: AccountNumbers;
  /** Keep received media messages and heard audio (default true; benchmarks may turn it off). */
  recordAudio?: boolean;
  /** Where to connect for a Stream url; default maps `publicBaseUrl` to `voiceServerUrl`. */
  resolveStreamUrl?: (twimlUrl: string) => string;
  /** Misbehaviour for negative tests. */
  faults?: CallFaults;
  /**
   * A line like a real phone line: noise floor, echo of the agent's audio, jitter, bursts, lost
   * frames (all opt-in, seeded). Default: a clean line.
   */
  line?: LineImpairments;
  /** Synchronous hooks on the call's media, for benchmarks; none by default. */
  mediaTap?: MediaTap;
}

/**
 * Hooks on a call's media stream, called synchronously on the hot path: keep them cheap. Benchmarks
 * use them to tag outbound frames and time media across a relay.
 */
export interface MediaTap {
  /**
   * Before a media frame is encoded: `frame` is this call's 160-byte scratch copy of the frame, which
   * the tap may rewrite (e.g. to tag it). `audible` is false for the line's silence between steps.
   */
  beforeMediaSent?(frame: Uint8Array, chunk: number, audible: boolean): void;
  /** Right after media frame `chunk` was handed to the socket. */
  mediaSent?(chunk: number): void;
  /** A media message from the server arrived; `audio` is its decoded payload. */
  mediaReceived?(audio: Uint8Array): void;
  /** A `clear` from the server arrived. */
  clearReceived?(): void;
}

/** Deliberate protocol faults. */
export interface CallFaults {
  /** Send `connected` but never `start` (tests the server's start timeout). */
  omitStart?: boolean;
  /** Corrupt X-Twilio-Signature on the webhook. */
  tamperWebhookSignature?: boolean;
  /** Corrupt X-Twilio-Signature on the stream upgrade. */
  tamperStreamSignature?: boolean;
}

/** Why a call ended. */
export type CallEndReason =
  /** `hangup()` or a `{ hangup: true }` script step. */
  | 'caller_hangup'
  /** The server closed the stream and no TwiML followed the `<Connect>`. */
  | 'stream_closed'
  | 'twiml_hangup'
  /** The TwiML ran out of verbs (e.g. a `<Say>` alone). */
  | 'twiml_finished'
  /** A `<Dial>` transferred the call. */
  | 'dialed'
  /** The last verb was a `<Dial>` Twilio refused to place (see `errorCode`: 13214, 13224). */
  | 'dial_failed'
  /** A REST update with `Status=completed`. */
  | 'completed_via_api'
  /** The webhook failed (network error, timeout or non-2xx). */
  | 'webhook_failed'
  /** TwiML that did not parse (Twilio says "an application error has occurred"). */
  | 'invalid_twiml'
  /** The stream WebSocket could not be opened (refused with 403, or a url Twilio refuses: 31920). */
  | 'stream_failed';

/** How the call ended. */
export interface CallEnd {
  reason: CallEndReason;
  /** Call time of the end, in ms. */
  atMs: number;
  /** HTTP status behind `webhook_failed` / `stream_failed`, when there was one. */
  httpStatus?: number;
  /** WebSocket close code when the stream was closed by the server. */
  closeCode?: number;
  /** Twilio's error code, when Twilio refused something (31920, 13214, …). */
  errorCode?: number;
  /** More detail (an error message, a close reason). */
  detail?: string;
}

/** The voice webhook exchange. */
export interface WebhookExchange {
  /** Where the POST went. */
  postedTo: string;
  /** The URL signed (public). */
  signedUrl: string;
  params: Record<string, string>;
  signature: string;
  httpStatus?: number;
  /** The answer, raw. */
  twiml?: string;
  /** The answer, parsed (absent if it did not parse). */
  verbs?: TwimlVerb[];
  error?: string;
}

/** A message the voice server sent on the stream. */
export interface ReceivedMessage {
  /** Call time of arrival, in ms. */
  atMs: number;
  message: TwilioOutbound;
}

/** A non-media message the caller sent. */
export interface SentEvent {
  atMs: number;
  event: 'connected' | 'start' | 'mark' | 'dtmf' | 'stop';
  sequenceNumber?: number;
  /** Mark name, for echoed marks. */
  mark?: string;
  /** True when a `clear` flushed the mark rather than its audio playing. */
  cleared?: boolean;
  digit?: string;
}

/** A message from the server that Twilio would reject or ignore. */
export interface StreamProtocolError {
  atMs: number;
  /** A telephony DecodeErrorCode, or `wrong_stream_sid`. */
  code: string;
  message: string;
}

/** Audio the caller heard, starting at `atMs` (call time). */
export interface HeardChunk {
  atMs: number;
  audio: Uint8Array;
}

/** A `clear` the caller's playback applied. */
export interface ClearRecord {
  atMs: number;
  /** Buffered audio dropped, in ms. */
  droppedMs: number;
  /** Marks echoed by the clear. */
  marks: string[];
}

/** An error Twilio logged for the call (its Notifications resource, the Console's debugger). */
export interface CallNotification {
  /** Call time, ms. */
  atMs: number;
  errorCode: number;
  message: string;
}

/** A `<Dial>` Twilio ran: placed, or refused with the error Twilio logs. */
export interface DialAttempt {
  atMs: number;
  verb: TwimlDial;
  placed: boolean;
  errorCode?: number;
}

/** TwiML that replaced the running instructions (REST update or `<Redirect>`). */
export interface CallRedirect {
  atMs: number;
  via: 'rest_twiml' | 'rest_url' | 'twiml_redirect';
  twiml?: string;
  url?: string;
  verbs: TwimlVerb[];
  error?: string;
}

/** A summary for tools and benchmarks. */
export interface CallReport {
  callSid: string;
  streamSid?: string;
  end?: CallEnd;
  framesSent: number;
  mediaMessagesReceived: number;
  mediaBytesReceived: number;
  heardMs: number;
  marksEchoed: number;
  clears: number;
  protocolErrors: number;
  turns: TurnReport[];
  responseLatenciesMs: number[];
  bargeInLatenciesMs: number[];
  heardAfterBargeInMs: number[];
}
