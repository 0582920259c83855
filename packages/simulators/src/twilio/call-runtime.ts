/**
 * The engine behind a {@link SimulatedCall}: it posts the webhook, runs the TwiML (and whatever a
 * REST update or `<Redirect>` puts in its place), runs each stream with the caller's frames going out
 * and the server's messages coming in, and ends the call once, whichever side ends it.
 */
import { pcm16ToMulaw, signTwilioRequest, type TwimlConnect } from '@switchboard/telephony';
import { renderSpeech } from '../speech/spoken-text.ts';
import { CallChecks } from './call-checks.ts';
import { CallRecorder } from './call-recorder.ts';
import { CallStream, connectStream, type StreamHost, type StreamOutcome } from './call-stream.ts';
import type { CallEnd, CallOptions, CallRedirect, WebhookExchange } from './call-types.ts';
import { CallWaiters } from './call-waiters.ts';
import { ScriptCursor } from './caller-script.ts';
import { deferred, settleWithin } from './deferred.ts';
import { createFrameTicker, type FrameTicker, sharedFrameTicker } from './frame-ticker.ts';
import { MediaSender } from './media-sender.ts';
import { PhoneLine } from './phone-line.ts';
import { type PlaybackListener, PlaybackModel } from './playback.ts';
import type { CallUpdate } from './rest-fake.ts';
import {
  failureEnd,
  fetchTwiml,
  parseTwimlSafe,
  requestTwiml,
  type TwimlFetch,
  tamperSignature,
} from './twiml-fetch.ts';
import { redirectFields, runTwiml, type TwimlHost } from './twiml-runner.ts';
import { createUrlMapper, inboundCallForm, newSid } from './webhook-form.ts';

/** Path of voice-server's voice webhook. */
export const DEFAULT_WEBHOOK_PATH = '/twilio-voice-webhook';

/** One call's engine. */
export class CallRuntime<C> {
  readonly callSid: string;
  readonly from: string;
  readonly to: string;
  readonly webhook: WebhookExchange;
  readonly recorder: CallRecorder;
  readonly cursor: ScriptCursor<C>;
  readonly waiters: CallWaiters<C>;
  readonly said: string[] = [];
  /** Dials, and what Twilio refused (errors it logged). */
  readonly checks: CallChecks;
  readonly redirects: CallRedirect[] = [];
  readonly skippedVerbs: string[] = [];
  readonly scriptErrors: string[] = [];
  readonly ended: Promise<CallEnd>;

  private readonly opts: CallOptions<C>;
  private readonly ticker: FrameTicker;
  private readonly ownsTicker: boolean;
  private readonly originMs: number;
  private readonly mapUrl: ReturnType<typeof createUrlMapper>;
  private readonly sender: MediaSender<C>;
  private readonly line: PhoneLine | undefined;
  private readonly endDeferred = deferred<CallEnd>();
  private readonly readyDeferred = deferred<void>();
  private readonly playbackListener: PlaybackListener;
  private playbackModel: PlaybackModel;
  private current: CallStream | undefined;
  private lastStreamSid: string | undefined;
  private endInfo: CallEnd | undefined;
  /** Bumped whenever the running TwiML is replaced or the call ends; stale executors stop. */
  private generation = 0;
  private unregisterRest: (() => void) | undefined;

  constructor(opts: CallOptions<C>, call: C) {
    this.opts = opts;
    this.callSid = opts.callSid ?? newSid('CA');
    this.recorder = new CallRecorder(opts.recordAudio ?? true);
    this.cursor = new ScriptCursor<C>(opts.source ?? 'silence');
    this.line = opts.line ? new PhoneLine(opts.line) : undefined;
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
    this.checks = new CallChecks({
      callSid: this.callSid,
      from: this.from,
      to: this.to,
      accountNumbers: opts.accountNumbers,
      restFake: opts.restFake,
      nowMs: () => this.nowMs(),
      notify: () => this.notify(),
    });
    const signedUrl = publicBaseUrl + (opts.webhookPath ?? DEFAULT_WEBHOOK_PATH);
    this.webhook = {
      postedTo: this.mapUrl.http(signedUrl),
      signedUrl,
      params,
      signature: signTwilioRequest(opts.authToken, signedUrl, params),
    };
    if (opts.faults?.tamperWebhookSignature) this.webhook.signature = tamperSignature(this.webhook.signature);
    this.ended = this.endDeferred.promise;
    this.waiters = new CallWaiters<C>(call, () => this.endInfo?.reason);
    const turns = this.recorder.turns;
    this.playbackListener = {
      onPlayed: (audio, atMs) => {
        this.recorder.played(audio, atMs);
        this.line?.heard(audio, atMs);
      },
      onSegmentStart: (arrivalMs, startMs) => turns.segmentStarted(arrivalMs, startMs),
      onMark: (name, atMs, cleared) => this.current?.echoMark(name, atMs, cleared),
    };
    this.playbackModel = new PlaybackModel(this.playbackListener);
    const runtime = this;
    this.sender = new MediaSender<C>(
      this.cursor,
      {
        call,
        line: this.line,
        recorder: this.recorder,
        get playback() {
          return runtime.playbackModel;
        },
        scriptErrors: this.scriptErrors,
        callTime: (tickerMs) => tickerMs - this.originMs,
        hangup: () => void this.hangup(),
        notify: () => this.notify(),
      },
      opts.mediaTap,
    );
  }

  /** Call time now, in ms (media clock). */
  nowMs(): number {
    return this.ticker.nowMs() - this.originMs;
  }

  /** Twilio's playback of the current (or last) stream. */
  get playback(): PlaybackModel {
    return this.playbackModel;
  }

  /** The running stream, if any. */
  get stream(): CallStream | undefined {
    return this.current;
  }

  /** The current (or last) stream's SID. */
  get streamSid(): string | undefined {
    return this.current?.streamSid || this.lastStreamSid;
  }

  /** How the call ended; undefined while it lasts. */
  get endedWith(): CallEnd | undefined {
    return this.endInfo;
  }

  /** Re-checks waiters (something changed). */
  notify(): void {
    this.waiters.notify();
  }

  /** Posts the webhook and starts executing the answer; resolves once a stream started or the call ended. */
  async dial(): Promise<void> {
    if (this.opts.restFake) {
      const fake = this.opts.restFake;
      fake.registerCall(this.callSid, {
        from: this.from,
        to: this.to,
        status: 'ringing',
        recordingAudio: {
          nowMs: () => this.nowMs(),
          tracks: (untilMs) => ({
            caller: this.recorder.spokenAudio(untilMs),
            agent: this.recorder.playedAudio(untilMs),
          }),
        },
      });
      this.unregisterRest = fake.onUpdate(this.callSid, (update) => this.applyUpdate(update));
    }
    const generation = this.generation;
    const { webhook } = this;
    const answer = await requestTwiml(webhook.postedTo, webhook.signature, 'POST', webhook.params);
    if (answer.httpStatus !== undefined) webhook.httpStatus = answer.httpStatus;
    if (answer.twiml !== undefined) webhook.twiml = answer.twiml;
    if (answer.verbs) webhook.verbs = answer.verbs;
    if (answer.error) webhook.error = answer.error;
    if (!this.isCurrent(generation)) return this.readyDeferred.promise;
    if (!answer.verbs) {
      this.finish(failureEnd(answer));
    } else {
      this.opts.restFake?.setCallStatus(this.callSid, 'in-progress');
      void runTwiml(this.twimlHost, answer.verbs, generation, webhook.signedUrl);
    }
    return this.readyDeferred.promise;
  }

  /** The caller hangs up: `stop`, close, end. Resolves once the socket has closed (2 s at most). */
  async hangup(): Promise<CallEnd> {
    const stream = this.current;
    if (!this.endInfo) {
      this.generation++;
      stream?.stop('caller_hangup');
      this.finish({ reason: 'caller_hangup' });
    }
    if (stream) await settleWithin(stream.closed, 2000);
    return this.ended;
  }

  /** Applies a Calls API update (new TwiML, a new Url, or the end). */
  applyUpdate(update: CallUpdate): void {
    if (this.endInfo) return;
    if (update.status === 'completed') {
      this.generation++;
      this.current?.stop('completed_via_api');
      this.finish({ reason: 'completed_via_api' });
      return;
    }
    if (update.twiml === undefined && update.url === undefined) return;
    const generation = ++this.generation;
    this.current?.stop('replaced');
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
      else void runTwiml(this.twimlHost, parsed.verbs, generation, this.webhook.signedUrl);
      return;
    }
    const url = update.url!;
    void this.fetch(url, update.method ?? 'POST').then((fetched) => {
      if (!this.isCurrent(generation)) return;
      this.redirects.push({ atMs: this.nowMs(), via: 'rest_url', url, ...redirectFields(fetched) });
      this.notify();
      if (!fetched.verbs) this.finish(failureEnd(fetched));
      else void runTwiml(this.twimlHost, fetched.verbs, generation, url);
    });
  }

  /** Resolves once `ms` of call time has passed (or the call ended). */
  private waitCallMs(ms: number): Promise<void> {
    const untilMs = this.nowMs() + ms;
    return new Promise((resolve) => {
      if (this.endInfo || this.ticker.isClosed) return resolve();
      const off = this.ticker.subscribe(() => {
        if (this.nowMs() < untilMs && !this.endInfo) return;
        off();
        resolve();
      });
    });
  }

  private isCurrent(generation: number): boolean {
    return !this.endInfo && generation === this.generation;
  }

  private fetch(url: string, method: string): Promise<TwimlFetch> {
    return fetchTwiml(url, method, {
      authToken: this.opts.authToken,
      params: this.webhook.params,
      toLocalHttp: (u) => this.mapUrl.http(u),
    });
  }

  private readonly twimlHost: TwimlHost = {
    isCurrent: (generation) => this.isCurrent(generation),
    runStream: (stream) => this.runStream(stream),
    fetch: (url, method) => this.fetch(url, method),
    say: (text) => {
      this.said.push(text);
      this.notify();
      // Twilio speaks it before the next verb: the simulator's speech of the text, on the call's clock.
      const speech = renderSpeech(text);
      this.recorder.sayPlayed(pcm16ToMulaw(speech.pcm), this.nowMs());
      return this.waitCallMs(speech.durationMs);
    },
    startRecording: (attributes) => {
      this.opts.restFake?.startRecordingFromTwiml(this.callSid, attributes);
    },
    dial: (verb) => this.checks.dial(verb),
    redirected: (redirect) => this.redirects.push({ atMs: this.nowMs(), ...redirect }),
    skipped: (name) => this.skippedVerbs.push(name),
    finish: (end) => this.finish(end),
  };

  private runStream(twiml: TwimlConnect['stream']): Promise<StreamOutcome> {
    const refused = this.checks.streamUrl(twiml.url);
    if (refused)
      return Promise.resolve({ kind: 'failed', errorCode: refused.errorCode, detail: refused.message });
    const connectUrl = this.opts.resolveStreamUrl?.(twiml.url) ?? this.mapUrl.ws(twiml.url);
    const stream = connectStream(this.streamHost(), this.opts.authToken, twiml, connectUrl);
    if (!(stream instanceof CallStream)) return Promise.resolve(stream);
    this.current = stream;
    return stream.outcome;
  }

  private streamHost(): StreamHost {
    const runtime = this;
    return {
      callSid: this.callSid,
      accountSid: this.opts.accountSid,
      faults: this.opts.faults,
      recorder: this.recorder,
      ticker: this.ticker,
      tap: this.opts.mediaTap,
      get playback() {
        return runtime.playbackModel;
      },
      nowMs: () => this.nowMs(),
      notify: () => this.notify(),
      started: (stream) => {
        if (stream) this.lastStreamSid = stream.streamSid;
        this.readyDeferred.resolve();
      },
      resetPlayback: () => {
        this.playbackModel = new PlaybackModel(this.playbackListener);
      },
      frameDue: (stream, tickerMs) => this.sender.frame(stream, tickerMs),
      closed: (stream) => {
        if (this.current === stream) this.current = undefined;
      },
    };
  }

  private finish(end: Omit<CallEnd, 'atMs'>): void {
    if (this.endInfo) return;
    this.generation++;
    this.current?.stop('caller_hangup');
    this.recorder.turns.close();
    this.endInfo = { ...end, atMs: this.nowMs() };
    this.unregisterRest?.();
    this.opts.restFake?.setCallStatus(this.callSid, 'completed');
    if (this.ownsTicker) this.ticker.close();
    this.notify();
    this.waiters.callEnded(this.endInfo.reason);
    this.endDeferred.resolve(this.endInfo);
    this.readyDeferred.resolve();
  }
}
