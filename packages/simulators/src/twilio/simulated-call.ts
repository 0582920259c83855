/**
 * A simulated inbound phone call, as Twilio places it: the signed voice webhook, the TwiML it answers,
 * the bidirectional Media Stream (connected, start, 20 ms media frames, marks echoed as audio plays,
 * clear, dtmf, stop), REST updates that replace the TwiML or end the call, and a report of what the
 * caller heard and how quickly.
 */
import { writeFile } from 'node:fs/promises';
import {
  decodeTwilioOutbound,
  encodeTwilioConnected,
  encodeTwilioDtmf,
  encodeTwilioInboundMark,
  encodeTwilioInboundMedia,
  encodeTwilioStart,
  encodeTwilioStop,
  MULAW_BYTES_PER_MS,
  MULAW_SAMPLE_RATE,
  MULAW_SILENCE_BYTE,
  parseTwiml,
  type RawFrame,
  signTwilioRequest,
  type TwilioOutbound,
  type TwimlConnect,
  type TwimlDial,
  type TwimlVerb,
  writeWav,
} from '@switchboard/telephony';
import WebSocket from 'ws';
import { type CallerScriptStep, type CallerSource, FRAME_BYTES, ScriptCursor } from './caller-script.ts';
import { createFrameTicker, FRAME_MS, type FrameTicker, sharedFrameTicker } from './frame-ticker.ts';
import { type PlaybackListener, PlaybackModel } from './playback.ts';
import type { CallUpdate, TwilioRestFake } from './rest-fake.ts';
import { type TurnReport, TurnTracker } from './turn-tracker.ts';
import { createUrlMapper, inboundCallForm, newSid } from './webhook-form.ts';

/** Path of voice-server's voice webhook. */
export const DEFAULT_WEBHOOK_PATH = '/twilio-voice-webhook';
/** How long {@link SimulatedCall.waitFor} waits by default, in wall-clock ms. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5000;
/** Twilio gives a voice webhook 15 s to answer. */
const WEBHOOK_TIMEOUT_MS = 15_000;
/** Largest message accepted from the voice server. */
const MAX_OUTBOUND_FRAME_BYTES = 1024 * 1024;
const SILENCE_FRAME_BASE64 = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE_BYTE).toString('base64');
const DTMF = /^[0-9*#A-Da-d]+$/;

/** Options of {@link placeCall}. */
export interface PlaceCallOptions {
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
  source?: CallerSource<SimulatedCall>;
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
  /** Keep received media messages and heard audio (default true; benchmarks may turn it off). */
  recordAudio?: boolean;
  /** Where to connect for a Stream url; default maps `publicBaseUrl` to `voiceServerUrl`. */
  resolveStreamUrl?: (twimlUrl: string) => string;
  /** Misbehaviour for negative tests. */
  faults?: CallFaults;
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
  /** A REST update with `Status=completed`. */
  | 'completed_via_api'
  /** The webhook failed (network error, timeout or non-2xx). */
  | 'webhook_failed'
  /** TwiML that did not parse (Twilio says "an application error has occurred"). */
  | 'invalid_twiml'
  /** The stream WebSocket could not be opened (e.g. refused with 403). */
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

type StreamClosing = 'caller_hangup' | 'completed_via_api' | 'replaced';

interface StreamOutcome {
  kind: 'server_closed' | 'failed' | StreamClosing;
  closeCode?: number;
  httpStatus?: number;
  detail?: string;
}

interface StreamState {
  ws: WebSocket;
  twimlUrl: string;
  streamSid: string;
  seq: number;
  chunk: number;
  startedTickerMs: number;
  opened: boolean;
  started: boolean;
  /** Set once we sent stop or began closing: further server messages are ignored, as Twilio does. */
  closing: StreamClosing | null;
  closed: Promise<void>;
  unsubscribe: (() => void) | null;
  error?: string;
}

interface Waiter {
  check: () => boolean;
  reject: (err: Error) => void;
}

interface TwimlFetch {
  httpStatus?: number;
  twiml?: string;
  verbs?: TwimlVerb[];
  error?: string;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * One simulated call. Create it with {@link placeCall}. Times (`atMs`, turn times) are "call time":
 * media-clock milliseconds since the call was placed.
 */
export class SimulatedCall {
  readonly callSid: string;
  readonly accountSid: string;
  /** From / To as sent in the webhook (SIP URIs for SIP calls). */
  readonly from: string;
  readonly to: string;
  readonly webhook: WebhookExchange;
  /** Messages from the server (media ones only when `recordAudio`). */
  readonly received: ReceivedMessage[] = [];
  /** Non-media messages the caller sent. */
  readonly sent: SentEvent[] = [];
  readonly protocolErrors: StreamProtocolError[] = [];
  /** Audio heard, in order (when `recordAudio`). */
  readonly heard: HeardChunk[] = [];
  readonly clears: ClearRecord[] = [];
  /** Text of every `<Say>` Twilio would have spoken. */
  readonly said: string[] = [];
  /** Every `<Dial>` executed. */
  readonly dialed: TwimlDial[] = [];
  /** TwiML that replaced the running instructions. */
  readonly redirects: CallRedirect[] = [];
  /** Verbs Twilio knows but the simulator skips (Play, Gather, ...). */
  readonly skippedVerbs: string[] = [];
  /** Script steps that went wrong (an `until` that timed out). */
  readonly scriptErrors: string[] = [];
  /** Resolves once when the call ends, whichever side ends it. */
  readonly ended: Promise<CallEnd>;

  private readonly opts: PlaceCallOptions;
  private readonly ticker: FrameTicker;
  private readonly ownsTicker: boolean;
  private readonly originMs: number;
  private readonly cursor: ScriptCursor<SimulatedCall>;
  private readonly mapUrl: ReturnType<typeof createUrlMapper>;
  private readonly recordAudio: boolean;
  private readonly tap: MediaTap | undefined;
  /** The frame a tap may rewrite; allocated only when there is a tap. */
  private readonly tapFrame: Uint8Array | undefined;
  private readonly endDeferred = deferred<CallEnd>();
  private readonly readyDeferred = deferred<void>();
  private readonly turnTracker = new TurnTracker();
  private readonly waiters = new Set<Waiter>();
  private readonly playbackListener: PlaybackListener;
  private playback: PlaybackModel;
  private stream: StreamState | undefined;
  private lastStreamSid: string | undefined;
  private endInfo: CallEnd | undefined;
  /** Bumped whenever the running TwiML is replaced or the call ends; stale executors stop. */
  private generation = 0;
  private unregisterRest: (() => void) | undefined;
  private framesSentCount = 0;
  private mediaMessages = 0;
  private mediaBytes = 0;
  private heardBytes = 0;
  private marksEchoedCount = 0;

  /** Use {@link placeCall}. */
  constructor(opts: PlaceCallOptions) {
    this.opts = opts;
    this.callSid = opts.callSid ?? newSid('CA');
    this.accountSid = opts.accountSid;
    this.recordAudio = opts.recordAudio ?? true;
    this.tap = opts.mediaTap;
    this.tapFrame = opts.mediaTap?.beforeMediaSent ? new Uint8Array(FRAME_BYTES) : undefined;
    this.cursor = new ScriptCursor<SimulatedCall>(opts.source ?? 'silence');
    if (opts.ticker) {
      this.ticker = opts.ticker;
      this.ownsTicker = false;
    } else if (opts.speed !== undefined) {
      this.ticker = createFrameTicker({ speed: opts.speed });
      this.ownsTicker = true;
    } else {
      this.ticker = sharedFrameTicker();
      this.ownsTicker = false;
    }
    this.originMs = this.ticker.nowMs();
    const publicBaseUrl = (opts.publicBaseUrl ?? opts.voiceServerUrl).replace(/\/+$/, '');
    this.mapUrl = createUrlMapper(publicBaseUrl, opts.voiceServerUrl);
    const params = inboundCallForm({
      callSid: this.callSid,
      accountSid: opts.accountSid,
      from: opts.from,
      to: opts.to,
      ...(opts.sip ? { sip: opts.sip } : {}),
      ...(opts.applicationSid ? { applicationSid: opts.applicationSid } : {}),
      ...(opts.extraFields ? { extraFields: opts.extraFields } : {}),
    });
    this.from = params.From!;
    this.to = params.To!;
    const signedUrl = publicBaseUrl + (opts.webhookPath ?? DEFAULT_WEBHOOK_PATH);
    this.webhook = {
      postedTo: this.mapUrl.http(signedUrl),
      signedUrl,
      params,
      signature: signTwilioRequest(opts.authToken, signedUrl, params),
    };
    if (opts.faults?.tamperWebhookSignature) this.webhook.signature = tamper(this.webhook.signature);
    this.ended = this.endDeferred.promise;
    this.playbackListener = {
      onPlayed: (audio, atMs) => this.onPlayed(audio, atMs),
      onSegmentStart: (arrivalMs, startMs) => this.turnTracker.segmentStarted(arrivalMs, startMs),
      onMark: (name, atMs, cleared) => this.echoMark(name, atMs, cleared),
    };
    this.playback = new PlaybackModel(this.playbackListener);
  }

  // --- state -------------------------------------------------------------------------------------

  /** Call time now, in ms (media clock). */
  nowMs(): number {
    return this.ticker.nowMs() - this.originMs;
  }

  /** The webhook's TwiML answer, raw and parsed. */
  get twiml(): { raw: string; verbs: TwimlVerb[] } | undefined {
    const { twiml, verbs } = this.webhook;
    return twiml !== undefined && verbs ? { raw: twiml, verbs } : undefined;
  }

  /** How the call ended; undefined while it lasts. */
  get endedWith(): CallEnd | undefined {
    return this.endInfo;
  }

  /** `ringing` until the TwiML answer, `in-progress`, then `completed`. */
  get status(): 'ringing' | 'in-progress' | 'completed' {
    if (this.endInfo) return 'completed';
    return this.webhook.twiml === undefined ? 'ringing' : 'in-progress';
  }

  /** The current (or last) stream's SID. */
  get streamSid(): string | undefined {
    return this.stream?.streamSid || this.lastStreamSid;
  }

  /** True while a stream is open and started. */
  get isStreaming(): boolean {
    return Boolean(this.stream?.started && !this.stream.closing);
  }

  /** Media frames sent. */
  get framesSent(): number {
    return this.framesSentCount;
  }

  /** Audio heard so far, in ms. */
  get heardMs(): number {
    return this.heardBytes / MULAW_BYTES_PER_MS;
  }

  /** Audio buffered in Twilio's playback, not yet heard, in ms. */
  get bufferedMs(): number {
    return this.playback.bufferedMs;
  }

  /** True while the caller is hearing audio. */
  get isHearingAudio(): boolean {
    return this.playback.isPlaying;
  }

  /** The caller's utterances and what followed each. */
  get turns(): TurnReport[] {
    return this.turnTracker.reports;
  }

  /** Marks echoed to the server, in order. */
  get marksEchoed(): SentEvent[] {
    return this.sent.filter((e) => e.event === 'mark');
  }

  /** True when the caller's script has run to its end. */
  get scriptFinished(): boolean {
    return this.cursor.finished;
  }

  /** Summary of the call so far. */
  report(): CallReport {
    const turns = this.turns;
    const latencies = turns.flatMap((t) => (t.responseLatencyMs === undefined ? [] : [t.responseLatencyMs]));
    const bargeIns = turns.flatMap((t) => (t.bargeIn ? [t.bargeIn] : []));
    return {
      callSid: this.callSid,
      ...(this.streamSid ? { streamSid: this.streamSid } : {}),
      ...(this.endInfo ? { end: this.endInfo } : {}),
      framesSent: this.framesSentCount,
      mediaMessagesReceived: this.mediaMessages,
      mediaBytesReceived: this.mediaBytes,
      heardMs: this.heardMs,
      marksEchoed: this.marksEchoedCount,
      clears: this.clears.length,
      protocolErrors: this.protocolErrors.length,
      turns,
      responseLatenciesMs: latencies,
      bargeInLatenciesMs: bargeIns.flatMap((b) => (b.latencyMs === undefined ? [] : [b.latencyMs])),
      heardAfterBargeInMs: bargeIns.map((b) => b.heardAfterStartMs),
    };
  }

  // --- waiting -----------------------------------------------------------------------------------

  /**
   * Resolves with the first truthy value `predicate(call)` returns, checked now and after every
   * change (message, frame, end). Rejects after `timeoutMs` of wall-clock time, or when the call ends
   * first. Uses the global setTimeout, so do not combine with fake timers.
   */
  waitFor<T>(
    predicate: (call: SimulatedCall) => T | undefined | null | false,
    timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        check: () => {
          const value = predicate(this);
          if (!value) return false;
          this.waiters.delete(waiter);
          clearTimeout(timer);
          resolve(value);
          return true;
        },
        reject: (err) => {
          this.waiters.delete(waiter);
          clearTimeout(timer);
          reject(err);
        },
      };
      try {
        if (waiter.check()) return;
      } catch (err) {
        reject(err);
        return;
      }
      if (this.endInfo) {
        reject(new Error(`call ended (${this.endInfo.reason}) before the condition was met`));
        return;
      }
      this.waiters.add(waiter);
      timer = setTimeout(
        () => waiter.reject(new Error(`waitFor timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
  }

  /** Waits for a received message (past or future, from index `fromIndex`) that matches. */
  waitForReceived(
    match: (m: ReceivedMessage) => boolean,
    opts: { timeoutMs?: number; fromIndex?: number } = {},
  ): Promise<ReceivedMessage> {
    let scanned = opts.fromIndex ?? 0;
    return this.waitFor((call) => {
      for (; scanned < call.received.length; scanned++) {
        const m = call.received[scanned]!;
        if (match(m)) return m;
      }
      return undefined;
    }, opts.timeoutMs);
  }

  private notify(): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) {
      try {
        w.check();
      } catch (err) {
        w.reject(err as Error);
      }
    }
  }

  // --- caller actions ----------------------------------------------------------------------------

  /** Queues an utterance (or any script step) after the current script. */
  speak(audio: Uint8Array | CallerScriptStep<SimulatedCall>, label?: string): void {
    if (audio instanceof Uint8Array) this.cursor.push({ audio, ...(label ? { label } : {}) });
    else this.cursor.push(audio);
  }

  /** Sends `dtmf` events for `digits` now. Throws when no stream is running or the digits are not keys. */
  sendDtmf(digits: string): void {
    if (!DTMF.test(digits)) throw new TypeError('digits must be keypad digits (0-9, *, #, A-D)');
    if (!this.isStreaming) throw new Error('no media stream is running');
    for (const digit of digits) this.sendDigit(digit);
  }

  /** Hangs up: sends `stop`, closes the stream, ends the call. Resolves once the socket has closed. */
  async hangup(): Promise<CallEnd> {
    const stream = this.stream;
    if (!this.endInfo) {
      this.generation++;
      if (stream) this.stopStream(stream, 'caller_hangup');
      this.finish({ reason: 'caller_hangup' });
    }
    if (stream) await settleWithin(stream.closed, 2000);
    return this.ended;
  }

  /** Applies a Calls API update (the REST fake calls this). */
  applyUpdate(update: CallUpdate): void {
    if (this.endInfo) return;
    if (update.status === 'completed') {
      this.generation++;
      if (this.stream) this.stopStream(this.stream, 'completed_via_api');
      this.finish({ reason: 'completed_via_api' });
      return;
    }
    if (update.twiml === undefined && update.url === undefined) return;
    const generation = ++this.generation;
    if (this.stream) this.stopStream(this.stream, 'replaced');
    if (update.twiml !== undefined) {
      const parsed = parseTwimlSafe(update.twiml);
      this.redirects.push({
        atMs: this.nowMs(),
        via: 'rest_twiml',
        twiml: update.twiml,
        verbs: parsed.verbs ?? [],
        ...(parsed.error ? { error: parsed.error } : {}),
      });
      this.notify();
      if (!parsed.verbs) this.finish({ reason: 'invalid_twiml', detail: parsed.error ?? '' });
      else void this.execute(parsed.verbs, generation, this.webhook.signedUrl);
      return;
    }
    const url = update.url!;
    void this.fetchTwiml(url, update.method ?? 'POST').then((fetched) => {
      if (generation !== this.generation || this.endInfo) return;
      this.redirects.push({
        atMs: this.nowMs(),
        via: 'rest_url',
        url,
        verbs: fetched.verbs ?? [],
        ...(fetched.twiml !== undefined ? { twiml: fetched.twiml } : {}),
        ...(fetched.error ? { error: fetched.error } : {}),
      });
      this.notify();
      if (!fetched.verbs) this.finish(failureEnd(fetched));
      else void this.execute(fetched.verbs, generation, url);
    });
  }

  // --- recording ---------------------------------------------------------------------------------

  /** What the caller heard as one mu-law track from the call's start to now (silence in between). */
  heardAudio(): Uint8Array {
    const last = this.heard[this.heard.length - 1];
    const endMs = Math.max(
      this.endInfo?.atMs ?? this.nowMs(),
      last ? last.atMs + last.audio.length / MULAW_BYTES_PER_MS : 0,
    );
    const out = new Uint8Array(Math.ceil(endMs * MULAW_BYTES_PER_MS)).fill(MULAW_SILENCE_BYTE);
    for (const chunk of this.heard) {
      const at = Math.round(chunk.atMs * MULAW_BYTES_PER_MS);
      if (at >= out.length) continue;
      out.set(chunk.audio.subarray(0, Math.max(0, out.length - at)), at);
    }
    return out;
  }

  /** {@link heardAudio} as a mu-law WAV file's bytes. */
  heardWav(): Uint8Array {
    return writeWav({ format: 'mulaw', sampleRate: MULAW_SAMPLE_RATE, channels: 1, data: this.heardAudio() });
  }

  /** Writes {@link heardWav} to `path`. */
  async writeHeardWav(path: string): Promise<void> {
    await writeFile(path, this.heardWav());
  }

  // --- placing the call --------------------------------------------------------------------------

  /** Posts the webhook and starts executing the answer; resolves once a stream started or the call ended. */
  async dial(): Promise<void> {
    if (this.opts.restFake) {
      const fake = this.opts.restFake;
      fake.registerCall(this.callSid, { from: this.from, to: this.to, status: 'ringing' });
      this.unregisterRest = fake.onUpdate(this.callSid, (update) => this.applyUpdate(update));
    }
    const generation = this.generation;
    const answer = await this.requestTwiml(
      this.webhook.postedTo,
      this.webhook.signature,
      'POST',
      this.webhook.params,
    );
    if (answer.httpStatus !== undefined) this.webhook.httpStatus = answer.httpStatus;
    if (answer.twiml !== undefined) this.webhook.twiml = answer.twiml;
    if (answer.verbs) this.webhook.verbs = answer.verbs;
    if (answer.error) this.webhook.error = answer.error;
    if (this.endInfo || generation !== this.generation) return this.readyDeferred.promise;
    if (!answer.verbs) {
      this.finish(failureEnd(answer));
    } else {
      this.opts.restFake?.setCallStatus(this.callSid, 'in-progress');
      void this.execute(answer.verbs, generation, this.webhook.signedUrl);
    }
    return this.readyDeferred.promise;
  }

  /** Runs TwiML verbs in order, as Twilio does, until they end the call or are replaced. */
  private async execute(verbs: TwimlVerb[], generation: number, documentUrl: string): Promise<void> {
    let lastStreamClose: StreamOutcome | undefined;
    for (const verb of verbs) {
      if (this.endInfo || generation !== this.generation) return;
      lastStreamClose = undefined;
      switch (verb.verb) {
        case 'Connect': {
          const outcome = await this.runStream(verb.stream);
          if (this.endInfo || generation !== this.generation) return;
          if (outcome.kind === 'failed') {
            this.finish({
              reason: 'stream_failed',
              ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
              ...(outcome.detail ? { detail: outcome.detail } : {}),
            });
            return;
          }
          // The server closed the stream: Twilio carries on with the verb after <Connect>.
          lastStreamClose = outcome;
          break;
        }
        case 'Say':
          this.said.push(verb.text);
          this.notify();
          break;
        case 'Pause':
          break;
        case 'Hangup':
          this.finish({ reason: 'twiml_hangup' });
          return;
        case 'Dial':
          this.dialed.push(verb);
          this.finish({ reason: 'dialed', detail: verb.number ?? verb.sip ?? '' });
          return;
        case 'Redirect': {
          const url = resolveUrl(verb.url, documentUrl);
          const fetched = await this.fetchTwiml(url, verb.method ?? 'POST');
          if (this.endInfo || generation !== this.generation) return;
          this.redirects.push({
            atMs: this.nowMs(),
            via: 'twiml_redirect',
            url,
            verbs: fetched.verbs ?? [],
            ...(fetched.twiml !== undefined ? { twiml: fetched.twiml } : {}),
            ...(fetched.error ? { error: fetched.error } : {}),
          });
          if (!fetched.verbs) {
            this.finish(failureEnd(fetched));
            return;
          }
          return this.execute(fetched.verbs, generation, url);
        }
        case 'Other':
          this.skippedVerbs.push(verb.name);
          break;
      }
    }
    if (lastStreamClose)
      this.finish({
        reason: 'stream_closed',
        ...(lastStreamClose.closeCode !== undefined ? { closeCode: lastStreamClose.closeCode } : {}),
        ...(lastStreamClose.detail ? { detail: lastStreamClose.detail } : {}),
      });
    else this.finish({ reason: 'twiml_finished' });
  }

  /** Fetches TwiML from `url` (a `<Redirect>` or REST `Url`), signed as Twilio signs it. */
  private fetchTwiml(url: string, method: string): Promise<TwimlFetch> {
    const params = { ...this.webhook.params, CallStatus: 'in-progress' };
    if (method.toUpperCase() === 'GET') {
      const full = url + (url.includes('?') ? '&' : '?') + new URLSearchParams(params).toString();
      return this.requestTwiml(this.mapUrl.http(full), signTwilioRequest(this.opts.authToken, full), 'GET');
    }
    return this.requestTwiml(
      this.mapUrl.http(url),
      signTwilioRequest(this.opts.authToken, url, params),
      'POST',
      params,
    );
  }

  private async requestTwiml(
    target: string,
    signature: string,
    method: 'GET' | 'POST',
    params?: Record<string, string>,
  ): Promise<TwimlFetch> {
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers: {
          'x-twilio-signature': signature,
          'user-agent': 'TwilioProxy/1.1',
          accept: '*/*',
          'i-twilio-idempotency-token': crypto.randomUUID(),
          ...(params ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(params ? { body: new URLSearchParams(params).toString() } : {}),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
    } catch (err) {
      return { error: `request failed: ${(err as Error).message}` };
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) return { httpStatus: res.status, error: `HTTP ${res.status}` };
    const parsed = parseTwimlSafe(text);
    return { httpStatus: res.status, twiml: text, ...parsed };
  }

  // --- the media stream --------------------------------------------------------------------------

  private runStream(stream: TwimlConnect['stream']): Promise<StreamOutcome> {
    const done = deferred<StreamOutcome>();
    const closed = deferred<void>();
    let signature = signTwilioRequest(this.opts.authToken, stream.url, {});
    if (this.opts.faults?.tamperStreamSignature) signature = tamper(signature);
    const connectUrl = this.opts.resolveStreamUrl?.(stream.url) ?? this.mapUrl.ws(stream.url);
    let ws: WebSocket;
    try {
      ws = new WebSocket(connectUrl, {
        headers: { 'x-twilio-signature': signature, 'user-agent': 'Twilio.TmeWs/1.0' },
        perMessageDeflate: false,
        handshakeTimeout: WEBHOOK_TIMEOUT_MS,
        maxPayload: MAX_OUTBOUND_FRAME_BYTES,
      });
    } catch (err) {
      return Promise.resolve({ kind: 'failed', detail: (err as Error).message });
    }
    const s: StreamState = {
      ws,
      twimlUrl: stream.url,
      streamSid: '',
      seq: 0,
      chunk: 0,
      startedTickerMs: 0,
      opened: false,
      started: false,
      closing: null,
      closed: closed.promise,
      unsubscribe: null,
    };
    this.stream = s;
    ws.on('open', () => {
      s.opened = true;
      if (s.closing) return;
      ws.send(encodeTwilioConnected());
      this.sent.push({ atMs: this.nowMs(), event: 'connected' });
      if (this.opts.faults?.omitStart) {
        this.readyDeferred.resolve();
        return;
      }
      s.streamSid = newSid('MZ');
      this.lastStreamSid = s.streamSid;
      s.seq = 1;
      ws.send(
        encodeTwilioStart({
          sequenceNumber: s.seq,
          streamSid: s.streamSid,
          accountSid: this.accountSid,
          callSid: this.callSid,
          customParameters: stream.parameters,
          tracks: ['inbound'],
        }),
      );
      this.sent.push({ atMs: this.nowMs(), event: 'start', sequenceNumber: s.seq });
      // Twilio's playback buffer belongs to the stream.
      this.playback = new PlaybackModel(this.playbackListener);
      s.startedTickerMs = this.ticker.nowMs();
      s.started = true;
      s.unsubscribe = this.ticker.subscribe(this.onFrame);
      this.readyDeferred.resolve();
      this.notify();
    });
    ws.on('message', (data) => this.onMessage(s, data as RawFrame));
    ws.on('error', (err) => {
      s.error = err.message;
    });
    ws.on('close', (code, reason) => {
      s.unsubscribe?.();
      s.unsubscribe = null;
      if (this.stream === s) this.stream = undefined;
      closed.resolve();
      const httpStatus = /Unexpected server response: (\d{3})/.exec(s.error ?? '')?.[1];
      if (!s.opened) {
        done.resolve({
          kind: 'failed',
          ...(httpStatus ? { httpStatus: Number(httpStatus) } : {}),
          ...(s.error ? { detail: s.error } : {}),
        });
      } else {
        const text = reason.toString('utf8');
        done.resolve({
          kind: s.closing ?? 'server_closed',
          closeCode: code,
          ...(text ? { detail: text } : {}),
        });
      }
      this.notify();
    });
    return done.promise;
  }

  /** The stream, when it has started and is open and not closing. */
  private liveStream(): StreamState | undefined {
    const s = this.stream;
    return s?.started && !s.closing && s.ws.readyState === WebSocket.OPEN ? s : undefined;
  }

  /** Twilio ends a stream: `stop` (when it had started), then the close. */
  private stopStream(s: StreamState, why: StreamClosing): void {
    if (s.closing) return;
    s.closing = why;
    s.unsubscribe?.();
    s.unsubscribe = null;
    if (s.ws.readyState === WebSocket.OPEN) {
      if (s.started) {
        this.playback.advanceTo(this.nowMs());
        s.seq++;
        s.ws.send(
          encodeTwilioStop({
            sequenceNumber: s.seq,
            streamSid: s.streamSid,
            accountSid: this.accountSid,
            callSid: this.callSid,
          }),
        );
        this.sent.push({ atMs: this.nowMs(), event: 'stop', sequenceNumber: s.seq });
      }
      s.ws.close(1000);
    } else if (s.ws.readyState === WebSocket.CONNECTING) {
      s.ws.terminate();
    }
  }

  /** Per frame: plan it from the script, play what is due, send 160 bytes. */
  private readonly onFrame = (tickerMs: number): void => {
    const s = this.liveStream();
    if (!s) return;
    const t = tickerMs - this.originMs;
    const plan = this.cursor.next(this);
    if (plan.scriptError) this.scriptErrors.push(plan.scriptError);
    if (plan.hangup) {
      void this.hangup();
      return;
    }
    // A frame carries the 20 ms before it; whether audio was playing is judged at the utterance's start.
    if (plan.utteranceStart !== null)
      this.turnTracker.begin(plan.utteranceStart, t - FRAME_MS, this.playback.isPlaying);
    this.playback.advanceTo(t);
    s.chunk++;
    s.seq++;
    let payload: string;
    if (this.tapFrame) {
      const frame = this.tapFrame;
      if (plan.audio) frame.set(plan.audio);
      else frame.fill(MULAW_SILENCE_BYTE);
      this.tap!.beforeMediaSent!(frame, s.chunk, plan.audio !== null);
      payload = Buffer.from(frame.buffer, frame.byteOffset, FRAME_BYTES).toString('base64');
    } else {
      payload = plan.audio
        ? Buffer.from(plan.audio.buffer, plan.audio.byteOffset, FRAME_BYTES).toString('base64')
        : SILENCE_FRAME_BASE64;
    }
    s.ws.send(
      encodeTwilioInboundMedia({
        sequenceNumber: s.seq,
        streamSid: s.streamSid,
        chunk: s.chunk,
        timestamp: Math.round(tickerMs - s.startedTickerMs),
        payload,
      }),
    );
    this.framesSentCount++;
    this.tap?.mediaSent?.(s.chunk);
    if (plan.utteranceEnd) this.turnTracker.end(t);
    if (plan.dtmf) this.sendDigit(plan.dtmf);
    this.notify();
  };

  private sendDigit(digit: string): void {
    const s = this.liveStream();
    if (!s) return;
    s.seq++;
    s.ws.send(encodeTwilioDtmf({ sequenceNumber: s.seq, streamSid: s.streamSid, digit }));
    this.sent.push({ atMs: this.nowMs(), event: 'dtmf', sequenceNumber: s.seq, digit });
  }

  private onMessage(s: StreamState, data: RawFrame): void {
    if (s.closing || !s.started) return;
    const t = this.nowMs();
    const decoded = decodeTwilioOutbound(data, { maxBytes: MAX_OUTBOUND_FRAME_BYTES });
    if (!decoded.ok) {
      this.protocolErrors.push({ atMs: t, code: decoded.error.code, message: decoded.error.message });
      this.notify();
      return;
    }
    const message = decoded.message;
    if (message.streamSid !== s.streamSid) {
      this.protocolErrors.push({
        atMs: t,
        code: 'wrong_stream_sid',
        message: `${message.event} for another stream ignored`,
      });
      this.notify();
      return;
    }
    switch (message.event) {
      case 'media': {
        const audio = Buffer.from(message.media.payload, 'base64');
        this.tap?.mediaReceived?.(audio);
        this.mediaMessages++;
        this.mediaBytes += audio.length;
        if (this.recordAudio) this.received.push({ atMs: t, message });
        this.playback.append(audio, t);
        break;
      }
      case 'mark':
        this.received.push({ atMs: t, message });
        this.playback.mark(message.mark.name, t);
        break;
      case 'clear': {
        this.tap?.clearReceived?.();
        this.received.push({ atMs: t, message });
        const result = this.playback.clear(t);
        this.clears.push({
          atMs: t,
          droppedMs: result.droppedBytes / MULAW_BYTES_PER_MS,
          marks: result.marks,
        });
        this.turnTracker.cleared(t);
        break;
      }
    }
    this.notify();
  }

  private echoMark(name: string, atMs: number, cleared: boolean): void {
    const s = this.liveStream();
    if (!s) return;
    s.seq++;
    s.ws.send(encodeTwilioInboundMark({ sequenceNumber: s.seq, streamSid: s.streamSid, name }));
    this.marksEchoedCount++;
    this.sent.push({ atMs, event: 'mark', sequenceNumber: s.seq, mark: name, cleared });
  }

  // --- turns -------------------------------------------------------------------------------------

  private onPlayed(audio: Uint8Array, atMs: number): void {
    this.heardBytes += audio.length;
    if (this.recordAudio) this.heard.push({ atMs, audio });
    this.turnTracker.heard(audio.length);
  }

  // --- ending ------------------------------------------------------------------------------------

  private finish(end: Omit<CallEnd, 'atMs'>): void {
    if (this.endInfo) return;
    this.generation++;
    const stream = this.stream;
    if (stream && !stream.closing) this.stopStream(stream, 'caller_hangup');
    this.turnTracker.close();
    this.endInfo = { ...end, atMs: this.nowMs() };
    this.unregisterRest?.();
    this.opts.restFake?.setCallStatus(this.callSid, 'completed');
    if (this.ownsTicker) this.ticker.close();
    this.notify();
    const reason = this.endInfo.reason;
    for (const w of [...this.waiters])
      w.reject(new Error(`call ended (${reason}) before the condition was met`));
    this.endDeferred.resolve(this.endInfo);
    this.readyDeferred.resolve();
  }
}

/** Places a simulated inbound call; resolves once its media stream started (or the call ended). */
export async function placeCall(opts: PlaceCallOptions): Promise<SimulatedCall> {
  const call = new SimulatedCall(opts);
  await call.dial();
  return call;
}

function parseTwimlSafe(text: string): { verbs?: TwimlVerb[]; error?: string } {
  try {
    return { verbs: parseTwiml(text) };
  } catch (err) {
    return { error: `invalid TwiML: ${(err as Error).message}` };
  }
}

function failureEnd(f: TwimlFetch): Omit<CallEnd, 'atMs'> {
  if (f.twiml !== undefined && !f.verbs) return { reason: 'invalid_twiml', detail: f.error ?? '' };
  return {
    reason: 'webhook_failed',
    ...(f.httpStatus !== undefined ? { httpStatus: f.httpStatus } : {}),
    ...(f.error ? { detail: f.error } : {}),
  };
}

function resolveUrl(url: string, base: string): string {
  try {
    return new URL(url, base).toString();
  } catch {
    return url;
  }
}

/** Flips one character of a base64 signature so it no longer matches. */
function tamper(signature: string): string {
  const first = signature[0] === 'A' ? 'B' : 'A';
  return first + signature.slice(1);
}

function settleWithin(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
