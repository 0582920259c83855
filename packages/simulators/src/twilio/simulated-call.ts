/**
 * A simulated inbound phone call, as Twilio places it: the signed voice webhook, the TwiML it answers,
 * the bidirectional Media Stream (connected, start, 20 ms media frames, marks echoed as audio plays,
 * clear, dtmf, stop), REST updates that replace the TwiML or end the call, and a report of what the
 * caller heard and how quickly. This class is what tests see and do; {@link CallRuntime} runs the call.
 */
import { writeFile } from 'node:fs/promises';
import type { TwimlDial, TwimlVerb } from '@switchboard/telephony';
import { CallRuntime } from './call-runtime.ts';
import type {
  CallEnd,
  CallNotification,
  CallOptions,
  CallRedirect,
  CallReport,
  ClearRecord,
  DialAttempt,
  HeardChunk,
  ReceivedMessage,
  SentEvent,
  StreamProtocolError,
  WebhookExchange,
} from './call-types.ts';
import type { CallerScriptStep } from './caller-script.ts';
import type { CallUpdate } from './rest-fake.ts';
import type { TurnReport } from './turn-tracker.ts';

export { DEFAULT_WEBHOOK_PATH } from './call-runtime.ts';
export type * from './call-types.ts';

/** Options of {@link placeCall}. */
export type PlaceCallOptions = CallOptions<SimulatedCall>;

/** How long {@link SimulatedCall.waitFor} waits by default, in wall-clock ms. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5000;
const DTMF = /^[0-9*#A-Da-d]+$/;

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
  readonly received: ReceivedMessage[];
  /** Non-media messages the caller sent. */
  readonly sent: SentEvent[];
  readonly protocolErrors: StreamProtocolError[];
  /** Audio heard, in order (when `recordAudio`). */
  readonly heard: HeardChunk[];
  readonly clears: ClearRecord[];
  /** Text of every `<Say>` Twilio would have spoken. */
  readonly said: string[];
  /** Every `<Dial>` Twilio placed (a refused one is only in `dialAttempts`). */
  readonly dialed: TwimlDial[];
  /** Every `<Dial>` run, placed or refused by Twilio (with its error code). */
  readonly dialAttempts: DialAttempt[];
  /** Errors Twilio logged for the call (a refused dial 13214/13224, a refused Stream url 31920). */
  readonly notifications: CallNotification[];
  /** TwiML that replaced the running instructions. */
  readonly redirects: CallRedirect[];
  /** Verbs Twilio knows but the simulator skips (Play, Gather, ...). */
  readonly skippedVerbs: string[];
  /** Script steps that went wrong (an `until` that timed out). */
  readonly scriptErrors: string[];
  /** Resolves once when the call ends, whichever side ends it. */
  readonly ended: Promise<CallEnd>;

  private readonly rt: CallRuntime<SimulatedCall>;

  /** Use {@link placeCall}. */
  constructor(opts: PlaceCallOptions) {
    const rt = new CallRuntime<SimulatedCall>(opts, this);
    this.rt = rt;
    this.callSid = rt.callSid;
    this.accountSid = opts.accountSid;
    this.from = rt.from;
    this.to = rt.to;
    this.webhook = rt.webhook;
    ({
      received: this.received,
      sent: this.sent,
      protocolErrors: this.protocolErrors,
      heard: this.heard,
      clears: this.clears,
    } = rt.recorder);
    this.said = rt.said;
    this.dialed = rt.checks.dialed;
    this.dialAttempts = rt.checks.dialAttempts;
    this.notifications = rt.checks.notifications;
    this.redirects = rt.redirects;
    this.skippedVerbs = rt.skippedVerbs;
    this.scriptErrors = rt.scriptErrors;
    this.ended = rt.ended;
  }

  // --- state -------------------------------------------------------------------------------------

  /** Call time now, in ms (media clock). */
  nowMs(): number {
    return this.rt.nowMs();
  }

  /** The webhook's TwiML answer, raw and parsed. */
  get twiml(): { raw: string; verbs: TwimlVerb[] } | undefined {
    const { twiml, verbs } = this.webhook;
    return twiml !== undefined && verbs ? { raw: twiml, verbs } : undefined;
  }

  /** How the call ended; undefined while it lasts. */
  get endedWith(): CallEnd | undefined {
    return this.rt.endedWith;
  }

  /** `ringing` until the TwiML answer, `in-progress`, then `completed`. */
  get status(): 'ringing' | 'in-progress' | 'completed' {
    if (this.rt.endedWith) return 'completed';
    return this.webhook.twiml === undefined ? 'ringing' : 'in-progress';
  }

  /** The current (or last) stream's SID. */
  get streamSid(): string | undefined {
    return this.rt.streamSid;
  }

  /** True while a stream is open and started. */
  get isStreaming(): boolean {
    return this.rt.stream?.isStreaming ?? false;
  }

  /** Media frames sent. */
  get framesSent(): number {
    return this.rt.recorder.framesSent;
  }

  /** Audio heard so far, in ms. */
  get heardMs(): number {
    return this.rt.recorder.heardMs;
  }

  /** Audio buffered in Twilio's playback, not yet heard, in ms. */
  get bufferedMs(): number {
    return this.rt.playback.bufferedMs;
  }

  /** True while the caller is hearing audio. */
  get isHearingAudio(): boolean {
    return this.rt.playback.isPlaying;
  }

  /** The caller's utterances and what followed each. */
  get turns(): TurnReport[] {
    return this.rt.recorder.turns.reports;
  }

  /** Marks echoed to the server, in order. */
  get marksEchoed(): SentEvent[] {
    return this.sent.filter((e) => e.event === 'mark');
  }

  /** True when the caller's script has run to its end. */
  get scriptFinished(): boolean {
    return this.rt.cursor.finished;
  }

  /** Summary of the call so far. */
  report(): CallReport {
    return this.rt.recorder.report(this.callSid, this.streamSid, this.rt.endedWith);
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
    return this.rt.waiters.wait(predicate, timeoutMs);
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

  // --- caller actions ----------------------------------------------------------------------------

  /** Queues an utterance (or any script step) after the current script. */
  speak(audio: Uint8Array | CallerScriptStep<SimulatedCall>, label?: string): void {
    if (audio instanceof Uint8Array) this.rt.cursor.push({ audio, ...(label ? { label } : {}) });
    else this.rt.cursor.push(audio);
  }

  /** Sends `dtmf` events for `digits` now. Throws when no stream is running or the digits are not keys. */
  sendDtmf(digits: string): void {
    if (!DTMF.test(digits)) throw new TypeError('digits must be keypad digits (0-9, *, #, A-D)');
    if (!this.isStreaming) throw new Error('no media stream is running');
    for (const digit of digits) this.rt.stream?.sendDigit(digit);
  }

  /** Hangs up: sends `stop`, closes the stream, ends the call. Resolves once the socket has closed. */
  hangup(): Promise<CallEnd> {
    return this.rt.hangup();
  }

  /** Applies a Calls API update (the REST fake calls this). */
  applyUpdate(update: CallUpdate): void {
    this.rt.applyUpdate(update);
  }

  // --- recording ---------------------------------------------------------------------------------

  /** What the caller heard as one mu-law track from the call's start to now (silence in between). */
  heardAudio(): Uint8Array {
    return this.rt.recorder.heardAudio(this.rt.endedWith?.atMs ?? this.nowMs());
  }

  /** {@link heardAudio} as a mu-law WAV file's bytes. */
  heardWav(): Uint8Array {
    return this.rt.recorder.heardWav(this.rt.endedWith?.atMs ?? this.nowMs());
  }

  /** Writes {@link heardWav} to `path`. */
  async writeHeardWav(path: string): Promise<void> {
    await writeFile(path, this.heardWav());
  }

  // --- placing the call --------------------------------------------------------------------------

  /** Posts the webhook and starts executing the answer; resolves once a stream started or the call ended. */
  dial(): Promise<void> {
    return this.rt.dial();
  }
}

/** Places a simulated inbound call; resolves once its media stream started (or the call ended). */
export async function placeCall(opts: PlaceCallOptions): Promise<SimulatedCall> {
  const call = new SimulatedCall(opts);
  await call.dial();
  return call;
}
