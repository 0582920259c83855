import type {
  RealtimeCloseInfo,
  RealtimeConnection,
  RealtimeConnector,
  RealtimeServerEvent,
  RealtimeSessionCreateRequest,
  ResponseCreateEvent,
} from '@switchboard/realtime';
import { phoneSessionConfig } from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import { maskPhone } from '@switchboard/service-kit';
import {
  type DecodeResult,
  MULAW_BYTES_PER_MS,
  sayAndHangupTwiml,
  type TwilioInbound,
} from '@switchboard/telephony';
import type { VoiceMetrics } from '../metrics.ts';
import type { CallAiServer, CallProfile } from '../ports/ai-server.ts';
import type { AppServerClient } from '../ports/app-server.ts';
import type { CallTransport } from '../ports/call-transport.ts';
import type { TwilioRest } from '../ports/twilio-rest.ts';
import { thinkingSoundChunks } from '../tools/thinking-sound.ts';
import { type FunctionCall, ToolRunner, type ToolRunnerHost } from '../tools/tool-runner.ts';
import { builtinTools, Toolset } from '../tools/toolset.ts';
import { transcriptExcerpt, transferCallerId, transferTwiml } from '../tools/transfer-to-human.ts';
import type { ToolContext } from '../tools/types.ts';
import { fillerChunks } from './filler.ts';
import { replayItems } from './history.ts';
import { base64ByteLength, PlaybackTracker } from './playback-tracker.ts';
import { Transcript } from './transcript.ts';
import { InactivityWatchdog, watchdogLine } from './watchdog.ts';

/** Who is calling and on which stream; from the Twilio `start` message and its custom parameters. */
export interface CallInfo {
  streamSid: string;
  callSid: string;
  accountSid: string;
  botProfileKey: string;
  isSip: boolean;
  callerNumber: string;
  freshcallerCallId?: string;
}

/** Cancels speech from an external TTS provider; called first on barge-in. */
export interface TtsControl {
  cancel(): void;
}

export interface SessionDeps {
  transport: CallTransport;
  connectRealtime: RealtimeConnector;
  aiServer: CallAiServer;
  appServer: AppServerClient;
  twilioRest: TwilioRest;
  logger: Logger;
  metrics: VoiceMetrics;
  tts?: TtsControl;
  /** Monotonic ms clock for latency figures; default performance.now. */
  now?: () => number;
  /** Call limits; defaults are the product's (30 min cap, wrap-up 60 s before, renew before 60 min). */
  limits?: Partial<CallLimits>;
}

export interface CallLimits {
  /** Hard cap on a call; a profile may lower it, never raise it. */
  maxCallMs: number;
  /** How long before the cap the model is told to wrap up. */
  wrapUpBeforeMs: number;
  /** Renew the Realtime session (at a quiet moment) once it is this old; the API's cap is 60 min. */
  renewRealtimeAfterMs: number;
  /** Waits before each reconnect attempt after a dropped Realtime socket (its length is the attempts). */
  reconnectDelaysMs: number[];
  /** Inactivity watchdog defaults (a profile may set its own). */
  promptAfterSilenceMs: number;
  endAfterSilenceMs: number;
  /** Longest wait for a goodbye to play before the call is ended anyway. */
  goodbyeGraceMs: number;
}

export const DEFAULT_CALL_LIMITS: CallLimits = {
  maxCallMs: 30 * 60_000,
  wrapUpBeforeMs: 60_000,
  renewRealtimeAfterMs: 55 * 60_000,
  reconnectDelaysMs: [0, 500, 1500],
  promptAfterSilenceMs: 30_000,
  endAfterSilenceMs: 30_000,
  goodbyeGraceMs: 15_000,
};

export type EndReason =
  | 'caller_hangup'
  | 'stream_closed'
  | 'realtime_closed'
  | 'realtime_unavailable'
  | 'no_credits'
  | 'profile_unavailable'
  | 'agent_hangup'
  | 'transferred'
  | 'inactivity'
  | 'max_duration'
  | 'shutdown';

/** Longest inbound gap filled with silence; a longer one is the line, not jitter. */
/** Parameters of a response.create. */
export type ResponseParams = NonNullable<ResponseCreateEvent['response']>;
/** Stands for a response the server reported active before we saw its id. */
const UNKNOWN_RESPONSE = '?';

/** Playback ids of audio we make ourselves: never truncated, never deleted from the conversation. */
const THINKING_ITEM = '~thinking';
const FILLER_ITEM = '~filler';
const isLocalAudio = (itemId: string) => itemId === THINKING_ITEM || itemId === FILLER_ITEM;
/** Longest wait for Twilio to confirm a goodbye or transition line has played. */
const MAX_AFTER_REPLY_WAIT_MS = 20_000;

const MAX_GAP_FILL_MS = 5_000;
/**
 * Caller audio kept while no Realtime session is ready (before the first one, and while one is being
 * reopened): the latest 1.5 s, appended once the session is configured, so a caller who speaks first
 * is heard.
 */
const HELD_AUDIO_MAX_MS = 1_500;
const DTMF_IDLE_MS = 1_500;
const FRAME_MS = 20;

const APOLOGIES: Record<string, string> = {
  no_credits: 'Sorry, this line is not available right now. Please try again later. Goodbye.',
  default: 'Sorry, we are having trouble connecting your call. Please try again later. Goodbye.',
};
const DROP_TRANSFER = 'Sorry, we are having technical trouble. Let me connect you with a colleague.';
const DROP_CALLBACK =
  'Sorry, we are having technical trouble. A colleague will call you back shortly at this number. Goodbye.';
const GOODBYES: Partial<Record<EndReason, string>> = {
  max_duration:
    'Say, briefly and warmly, that the call has reached its time limit, thank the caller, and say goodbye.',
  shutdown:
    'Say, briefly, that you have to end the call now, that they can call back any time, and say goodbye.',
};

/**
 * One call: bridges the Twilio Media Stream and an OpenAI Realtime session with two loops that run for
 * the whole call and end together. It owns timing and barge-in; the sockets are injected ports.
 */
export class TwilioSessionManager {
  readonly playback = new PlaybackTracker();
  readonly transcript: Transcript;
  private readonly log: Logger;
  private readonly now: () => number;
  private rt: RealtimeConnection | undefined;
  private profile: CallProfile | undefined;
  private readonly abort = new AbortController();
  private endReason: EndReason | undefined;
  private ended = false;
  private readonly startedAtMs = Date.now();
  /** Settles once app-server has the conversation (or failed to take it). */
  private conversationStarted: Promise<void> = Promise.resolve();

  /** Timestamp (ms since stream start) of the last caller frame, and its length. */
  latestMediaTs = -1;
  private heldAudio: Array<{ payload: string; ms: number }> = [];
  private heldAudioMs = 0;
  private latestMediaMs = 0;

  private greeted = false;
  /** The response in progress, from response.created to response.done. */
  private activeResponseId: string | undefined;
  /** A response.create we sent whose response.created has not arrived yet. */
  private createInFlight = false;
  /** Responses asked for while another was active; null is a plain response.create. */
  private readonly pendingCreates: Array<ResponseParams | null> = [];
  private lastCreate: ResponseParams | null = null;
  private readonly cancelledResponses = new Set<string>();
  private speechStoppedAt: number | undefined;
  private readonly firstAudioSeen = new Set<string>();

  private tools: ToolRunner | undefined;
  private readonly knowledgeChunkIds = new Set<string>();
  /** Actions waiting for the model's next reply to be heard (transfer, hang-up). */
  private afterReply: Array<{ toolName: string; action: () => Promise<void> }> = [];
  /** The reply those actions wait for, once it has started. */
  private afterReplyResponseId: string | undefined;
  private transferring = false;
  /** Set when we are hanging up ourselves, so Twilio's stop that follows ends the call for this reason. */
  private hangingUp: EndReason | undefined;
  /** Bumped on barge-in: a reply the caller interrupted no longer triggers its actions. */
  private afterReplyGeneration = 0;

  readonly limits: CallLimits;
  private sessionConfig: RealtimeSessionCreateRequest | undefined;
  /** Bumped per Realtime session; tool calls remember the session they came from. */
  private rtGeneration = 0;
  private readonly toolCallGeneration = new Map<string, number>();
  private renewDue = false;
  private callerSpeaking = false;
  private watchdog: InactivityWatchdog | undefined;
  private endingPolitely = false;
  /** Realtime sessions resumed after a drop (tests, metrics). */
  reconnects = 0;

  private dtmfDigits = '';
  private dtmfTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly deps: SessionDeps,
    readonly call: CallInfo,
  ) {
    this.log = deps.logger.child({ callSid: call.callSid, streamSid: call.streamSid });
    this.limits = { ...DEFAULT_CALL_LIMITS, ...deps.limits };
    this.now = deps.now ?? (() => performance.now());
    this.transcript = new Transcript(
      call.callSid,
      deps.appServer,
      (err) => this.log.warn({ err: errInfo(err) }, 'transcript sync failed'),
      () => this.conversationStarted,
    );
  }

  /** Why the call ended, once it has. */
  get reason(): EndReason | undefined {
    return this.endReason;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Live timers this session holds (tests assert none are left). */
  get liveTimers(): number {
    return (
      this.timers.size +
      (this.dtmfTimer ? 1 : 0) +
      (this.tools?.liveTimers ?? 0) +
      (this.watchdog?.hasTimer ? 1 : 0)
    );
  }

  /** Runs the call to its end; never rejects. */
  async run(): Promise<EndReason> {
    this.deps.metrics.activeCalls++;
    this.deps.metrics.callsStarted++;
    this.log.info(
      {
        botProfileKey: this.call.botProfileKey,
        caller: maskPhone(this.call.callerNumber),
        isSip: this.call.isSip,
      },
      'call started',
    );
    const inbound = this.clientToOpenAI().catch((err) => {
      this.log.error({ err: errInfo(err) }, 'caller loop failed');
      this.end('stream_closed');
    });
    const rt = await this.setup();
    const outbound = rt
      ? this.modelLoop(rt).catch((err) => {
          this.log.error({ err: errInfo(err) }, 'model loop failed');
          this.end('realtime_closed');
        })
      : Promise.resolve();
    await Promise.all([inbound, outbound]);
    this.finish();
    return this.endReason ?? 'stream_closed';
  }

  /** Ends the call from outside at once (no goodbye); idempotent. */
  stop(reason: EndReason = 'shutdown'): void {
    this.end(reason);
  }

  /** Ends the call politely: whatever is in flight stops, the agent says goodbye, then the call ends. */
  endPolitely(reason: EndReason): void {
    if (this.ended || this.endingPolitely) return;
    if (!this.rt) {
      this.end(reason);
      return;
    }
    this.endingPolitely = true;
    this.log.info({ reason }, 'ending the call with a goodbye');
    this.watchdog?.stop();
    this.tools?.dispose();
    this.interruptAgent(this.rt);
    const goodbye = GOODBYES[reason] ?? watchdogLine('goodbye', this.profile?.language);
    this.afterReply = [{ toolName: reason, action: () => this.hangUpAfterGoodbye(reason) }];
    this.afterReplyResponseId = undefined;
    this.requestResponse({ instructions: goodbye });
    this.later(this.limits.goodbyeGraceMs, () => void this.hangUpAfterGoodbye(reason));
  }

  /** A timer the session owns (cleared when the call ends). */
  private later(delayMs: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, delayMs);
    this.timers.add(t);
    return t;
  }

  // --- setup -------------------------------------------------------------------------------------

  private async setup(): Promise<RealtimeConnection | undefined> {
    const { aiServer } = this.deps;
    const key = this.call.botProfileKey;
    let instructions: string;
    let tools: Awaited<ReturnType<CallAiServer['getAvailableTools']>> = [];
    try {
      const [credits, profile, prompt, dynamicTools] = await Promise.all([
        aiServer.checkCredits(key),
        aiServer.getBotProfile(key),
        aiServer.getSystemPrompt(key, {
          callerNumber: this.call.callerNumber,
          isSip: this.call.isSip,
          callSid: this.call.callSid,
        }),
        aiServer.getAvailableTools(key).catch((err) => {
          this.log.warn({ err: errInfo(err) }, 'dynamic tools unavailable; continuing without them');
          return [];
        }),
      ]);
      if (this.ended) return undefined;
      if (!credits.available) {
        this.log.info('no credits left; apologizing and ending the call');
        await this.apologizeAndEnd('no_credits');
        return undefined;
      }
      this.profile = profile;
      this.startConversation(profile);
      instructions = prompt.instructions;
      tools = dynamicTools;
    } catch (err) {
      if (this.ended) return undefined;
      this.log.error({ err: errInfo(err) }, 'bot profile or prompt unavailable');
      await this.apologizeAndEnd('profile_unavailable');
      return undefined;
    }

    let rt: RealtimeConnection;
    try {
      rt = await this.deps.connectRealtime(this.abort.signal, { callSid: this.call.callSid });
    } catch (err) {
      if (this.ended) return undefined;
      this.log.error({ err: errInfo(err) }, 'Realtime socket failed to open');
      await this.apologizeAndEnd('realtime_unavailable');
      return undefined;
    }
    if (this.ended) {
      rt.close(1000, 'call ended');
      return undefined;
    }
    this.rt = rt;
    const profile = this.profile!;
    const toolset = new Toolset(builtinTools(() => this.hangUpAfterGoodbye()));
    toolset.addDynamic(tools, this.log);
    this.tools = new ToolRunner(toolset, this.toolHost(), this.log);
    this.sessionConfig = phoneSessionConfig({
      instructions,
      ...(profile.voice?.voiceId ? { voice: profile.voice.voiceId } : {}),
      ...(profile.voice?.speed !== undefined ? { speed: profile.voice.speed } : {}),
      ...(profile.vadThreshold !== undefined ? { vadThreshold: profile.vadThreshold } : {}),
      tools: toolset.schemas(),
    });
    rt.send({ type: 'session.update', session: this.sessionConfig });
    this.flushHeldAudio(rt);
    this.rtGeneration++;
    this.startLimits(profile);
    return rt;
  }

  private startConversation(profile: CallProfile): void {
    this.conversationStarted = this.deps.appServer
      .startConversation({
        callSid: this.call.callSid,
        botProfileKey: this.call.botProfileKey,
        ...(profile.brandId ? { brandId: profile.brandId } : {}),
        callerNumber: this.call.callerNumber,
        isSip: this.call.isSip,
        startedAt: new Date(this.startedAtMs).toISOString(),
        ...(this.call.freshcallerCallId ? { freshcallerCallId: this.call.freshcallerCallId } : {}),
      })
      .catch((err) => this.log.warn({ err: errInfo(err) }, 'conversation start sync failed'));
  }

  private async apologizeAndEnd(reason: EndReason): Promise<void> {
    const text = APOLOGIES[reason] ?? APOLOGIES.default!;
    this.hangingUp ??= reason;
    try {
      await this.deps.twilioRest.updateCallTwiml(this.call.callSid, sayAndHangupTwiml(text));
    } catch (err) {
      this.log.warn({ err: errInfo(err) }, 'could not play the apology; closing the stream');
    }
    this.end(reason);
  }

  // --- caller → model ----------------------------------------------------------------------------

  private async clientToOpenAI(): Promise<void> {
    // Drained, not iterated: each frame is handled in the tick it arrives, with no promise per frame.
    await this.deps.transport.inbound.drain((decoded) => this.onCallerFrame(decoded));
    if (!this.ended) this.end(this.hangingUp ?? (this.transferring ? 'transferred' : 'stream_closed'));
  }

  /** One message from Twilio; false once the call is over. */
  private onCallerFrame(decoded: DecodeResult<TwilioInbound>): boolean {
    const { metrics } = this.deps;
    if (!decoded.ok) {
      metrics.framesMalformed++;
      this.log.warn({ code: decoded.error.code, reason: decoded.error.message }, 'dropped a malformed frame');
      return !this.ended;
    }
    const msg = decoded.message;
    switch (msg.event) {
      case 'media': {
        const { payload, timestamp } = msg.media;
        const ms = base64ByteLength(payload) / MULAW_BYTES_PER_MS;
        const rt = this.rt;
        if (rt && this.latestMediaTs >= 0) {
          const gapMs = timestamp - (this.latestMediaTs + this.latestMediaMs);
          if (gapMs >= FRAME_MS) this.fillGap(rt, Math.min(gapMs, MAX_GAP_FILL_MS));
        }
        this.latestMediaTs = timestamp;
        this.latestMediaMs = ms;
        if (rt) {
          rt.appendAudio(payload);
          metrics.framesIn++;
        } else {
          this.holdAudio(payload, ms);
        }
        break;
      }
      case 'mark':
        this.playback.onMarkEchoed(msg.mark.name);
        this.watchdog?.activity();
        break;
      case 'dtmf':
        this.onDtmf(msg.dtmf.digit);
        break;
      case 'stop':
        this.log.info(this.transferring ? 'stream stopped for the transfer' : 'stream stopped');
        this.end(this.hangingUp ?? (this.transferring ? 'transferred' : 'caller_hangup'));
        return false;
      default:
        this.log.debug({ event: msg.event }, 'ignored a repeated stream message');
    }
    return !this.ended;
  }

  /** Keeps a caller frame until a session is ready; the oldest go once more than 1.5 s is held. */
  private holdAudio(payload: string, ms: number): void {
    this.heldAudio.push({ payload, ms });
    this.heldAudioMs += ms;
    while (this.heldAudioMs > HELD_AUDIO_MAX_MS && this.heldAudio.length > 1) {
      this.heldAudioMs -= this.heldAudio.shift()!.ms;
      this.deps.metrics.framesBeforeSession++;
    }
  }

  /** Appends the audio held while no session was ready, right after the session is configured. */
  private flushHeldAudio(rt: RealtimeConnection): void {
    for (const { payload } of this.heldAudio) {
      rt.appendAudio(payload);
      this.deps.metrics.framesIn++;
    }
    this.heldAudio = [];
    this.heldAudioMs = 0;
  }

  private fillGap(rt: RealtimeConnection, gapMs: number): void {
    const bytes = Math.round(gapMs) * MULAW_BYTES_PER_MS;
    rt.appendAudio(silenceBase64(bytes));
    this.deps.metrics.silenceFilledMs += Math.round(gapMs);
  }

  private onDtmf(digit: string): void {
    this.dtmfDigits += digit;
    if (this.dtmfTimer) clearTimeout(this.dtmfTimer);
    this.dtmfTimer = undefined;
    if (digit === '#') this.flushDtmf();
    else this.dtmfTimer = setTimeout(() => this.flushDtmf(), DTMF_IDLE_MS);
  }

  private flushDtmf(): void {
    if (this.dtmfTimer) clearTimeout(this.dtmfTimer);
    this.dtmfTimer = undefined;
    const digits = this.dtmfDigits;
    this.dtmfDigits = '';
    if (!digits || !this.rt || this.ended) return;
    const text = `The caller pressed these keys on the phone keypad: ${digits}`;
    this.rt.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
    });
    this.transcript.add({
      role: 'caller',
      text: `[keypad] ${digits}`,
      startedAt: new Date().toISOString(),
      source: 'dtmf',
    });
    this.requestResponse();
  }

  // --- model → caller ----------------------------------------------------------------------------

  /** Reads Realtime events for the whole call, across reconnects and renewals. */
  private async modelLoop(first: RealtimeConnection): Promise<void> {
    let current = first;
    for (;;) {
      await current.events.drain((ev) => {
        this.onRealtimeEvent(ev);
        return !this.ended;
      });
      if (this.ended) return;
      // A renewal swapped the socket under us: read the new one.
      if (this.rt && this.rt !== current) {
        current = this.rt;
        continue;
      }
      const info = await current.closed;
      const next = await this.reconnect(info);
      if (!next) return;
      current = next;
    }
  }

  /**
   * The Realtime socket dropped: the caller hears a short filler, a new session gets the same
   * configuration and the conversation so far, and the call goes on. After the last failed attempt the
   * caller is apologized to and transferred (or promised a callback).
   */
  private async reconnect(info: RealtimeCloseInfo): Promise<RealtimeConnection | undefined> {
    this.log.warn({ code: info.code, reason: info.reason }, 'Realtime socket dropped; reconnecting');
    this.deps.metrics.realtimeReconnects++;
    this.rt = undefined;
    this.resetResponseState();
    this.playFiller();
    for (const [attempt, delayMs] of this.limits.reconnectDelaysMs.entries()) {
      if (delayMs > 0) await this.sleep(delayMs);
      if (this.ended) return undefined;
      try {
        const next = await this.openReplayed();
        if (this.ended) {
          next.close(1000, 'call ended');
          return undefined;
        }
        this.reconnects++;
        this.log.info({ attempt: attempt + 1 }, 'Realtime session resumed');
        this.requestResponse({
          instructions:
            'The line dropped for a moment. Apologize in a few words and continue the conversation where it left off.',
        });
        return next;
      } catch (err) {
        this.log.warn({ attempt: attempt + 1, err: errInfo(err) }, 'Realtime reconnect failed');
      }
    }
    await this.giveUpAfterDrops();
    return undefined;
  }

  /** Opens a new Realtime session with this call's configuration and history, and makes it current. */
  private async openReplayed(): Promise<RealtimeConnection> {
    const next = await this.deps.connectRealtime(this.abort.signal, { callSid: this.call.callSid });
    if (this.sessionConfig) next.send({ type: 'session.update', session: this.sessionConfig });
    for (const item of replayItems(this.transcript.messages())) next.send(item);
    this.flushHeldAudio(next);
    this.rt = next;
    this.rtGeneration++;
    this.renewDue = false;
    return next;
  }

  /** Before the Realtime session's own time cap, a fresh one takes over at a quiet moment. */
  private maybeRenew(): void {
    if (!this.renewDue || this.ended || this.endingPolitely || !this.rt) return;
    const quiet =
      !this.activeResponseId &&
      !this.createInFlight &&
      !this.callerSpeaking &&
      !this.playback.hasPendingAudio &&
      (this.tools?.pending ?? 0) === 0;
    if (!quiet) return;
    this.renewDue = false;
    const old = this.rt;
    this.openReplayed()
      .then(() => {
        this.log.info('Realtime session renewed');
        old.close(1000, 'renewed');
      })
      .catch((err) => {
        this.log.warn({ err: errInfo(err) }, 'Realtime renewal failed; keeping the current session');
      });
  }

  private async giveUpAfterDrops(): Promise<void> {
    const profile = this.profile;
    const target = profile?.transferTarget;
    const callerId = profile ? transferCallerId({ call: this.call, profile }) : undefined;
    try {
      if (target && callerId) {
        await this.deps.appServer
          .createHandoffTicket(this.call.callSid, {
            summary: 'The AI agent lost its connection three times; the call was transferred.',
            transcriptExcerpt: transcriptExcerpt({ transcript: () => this.transcript.messages() }),
            knowledgeChunkIds: [...this.knowledgeChunkIds],
            transferTarget: target,
            idempotencyKey: `handoff:${this.call.callSid}`,
          })
          .catch((err) => this.log.warn({ err: errInfo(err) }, 'hand-off ticket failed'));
        this.transferring = true;
        await this.deps.twilioRest.updateCallTwiml(
          this.call.callSid,
          transferTwiml(target, callerId, DROP_TRANSFER),
        );
        this.end('transferred');
        return;
      }
      await this.deps.appServer
        .createCallbackTicket(this.call.callSid, {
          phone: this.call.callerNumber,
          reason: 'The call dropped because of a technical problem; call the customer back.',
          timezone: 'UTC',
          priority: 'high',
          idempotencyKey: `callback:${this.call.callSid}:dropped`,
        })
        .catch((err) => this.log.warn({ err: errInfo(err) }, 'callback ticket failed'));
      this.hangingUp ??= 'realtime_unavailable';
      await this.deps.twilioRest.updateCallTwiml(this.call.callSid, sayAndHangupTwiml(DROP_CALLBACK));
    } catch (err) {
      this.log.warn({ err: errInfo(err) }, 'could not apologize after the drops; closing the stream');
    }
    this.end('realtime_unavailable');
  }

  private resetResponseState(): void {
    this.activeResponseId = undefined;
    this.createInFlight = false;
    this.pendingCreates.length = 0;
    this.cancelledResponses.clear();
  }

  private playFiller(): void {
    if (this.ended) return;
    const { transport } = this.deps;
    for (const chunk of fillerChunks()) {
      transport.sendMedia(chunk);
      transport.sendMark(this.playback.onAudioSent(FILLER_ITEM, base64ByteLength(chunk)));
    }
  }

  /** Waits `ms`, or less: the wait ends at once when the call ends (its timer is cleared then). */
  private sleep(ms: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const t = this.later(ms, done);
      this.abort.signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(t);
        resolve();
      }
    });
  }

  private startLimits(profile: CallProfile): void {
    const { limits } = this;
    const capMs = Math.min(
      limits.maxCallMs,
      profile.maxDurationSec ? profile.maxDurationSec * 1000 : Infinity,
    );
    const elapsed = Date.now() - this.startedAtMs;
    if (capMs - limits.wrapUpBeforeMs > elapsed)
      this.later(capMs - limits.wrapUpBeforeMs - elapsed, () =>
        this.noteToModel(
          'This call is about to reach its time limit. Wrap up politely within the next minute: resolve or ' +
            'summarize, offer a callback if something is still open, and say goodbye.',
        ),
      );
    this.later(Math.max(0, capMs - elapsed), () => this.endPolitely('max_duration'));
    this.later(limits.renewRealtimeAfterMs, () => {
      this.renewDue = true;
      this.maybeRenew();
    });
    const promptAfterMs = (profile.inactivity?.promptAfterSec ?? 0) * 1000 || limits.promptAfterSilenceMs;
    const endAfterMs = (profile.inactivity?.endAfterSec ?? 0) * 1000 || limits.endAfterSilenceMs;
    this.watchdog = new InactivityWatchdog({
      promptAfterMs,
      endAfterMs,
      isBusy: () =>
        (this.tools?.pending ?? 0) > 0 ||
        this.activeResponseId !== undefined ||
        this.playback.hasPendingAudio ||
        this.callerSpeaking,
      onPrompt: () => {
        this.log.info('caller silent; asking whether they are still there');
        this.requestResponse({ instructions: watchdogLine('stillThere', profile.language) });
      },
      onEnd: () => this.endPolitely('inactivity'),
    });
    this.watchdog.start();
  }

  /** A system note the model reads with its next turn (no response asked for). */
  private noteToModel(text: string): void {
    this.rt?.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'system', content: [{ type: 'input_text', text }] },
    });
  }

  /** Handles one Realtime server event; public for scripted unit tests. */
  onRealtimeEvent(ev: RealtimeServerEvent): void {
    const { transport, metrics } = this.deps;
    switch (ev.type) {
      case 'response.output_audio.delta': {
        if (this.cancelledResponses.has(ev.response_id)) {
          metrics.lateDeltasDropped++;
          return;
        }
        if (!this.firstAudioSeen.has(ev.item_id)) this.onFirstAudio(ev.item_id);
        this.watchdog?.activity();
        transport.sendMedia(ev.delta);
        transport.sendMark(this.playback.onAudioSent(ev.item_id, base64ByteLength(ev.delta)));
        metrics.framesOut++;
        return;
      }
      case 'input_audio_buffer.speech_started':
        this.callerSpeaking = true;
        this.watchdog?.callerActivity();
        this.bargeIn();
        return;
      case 'input_audio_buffer.speech_stopped':
        this.callerSpeaking = false;
        this.watchdog?.callerActivity();
        this.speechStoppedAt = this.now();
        return;
      case 'session.updated':
        if (!this.greeted) {
          this.greeted = true;
          this.requestResponse(this.greetingRequest());
        }
        return;
      case 'response.created':
        this.createInFlight = false;
        this.activeResponseId = ev.response.id;
        if (this.afterReply.length && !this.afterReplyResponseId) this.afterReplyResponseId = ev.response.id;
        return;
      case 'response.output_item.done':
        if (ev.item.type === 'function_call' && ev.item.call_id && ev.item.name) {
          this.toolCallGeneration.set(ev.item.call_id, this.rtGeneration);
          this.tools?.start({
            callId: ev.item.call_id,
            name: ev.item.name,
            argumentsJson: ev.item.arguments ?? '',
            responseId: ev.response_id,
          });
        }
        return;
      case 'response.done': {
        const id = ev.response.id ?? '';
        this.onResponseDone(id);
        this.tools?.onResponseDone(id);
        if (id && id === this.afterReplyResponseId) this.runAfterReply();
        this.maybeRenew();
        return;
      }
      case 'response.output_item.added':
        if (ev.item.type === 'message' && ev.item.id) this.transcript.open(ev.item.id, 'agent', new Date());
        return;
      case 'response.output_audio_transcript.done': {
        const cancelled = this.cancelledResponses.has(ev.response_id);
        this.transcript.open(ev.item_id, 'agent', new Date());
        this.transcript.finalize(ev.item_id, ev.transcript, cancelled ? { interrupted: true } : {});
        return;
      }
      case 'input_audio_buffer.committed':
        this.transcript.open(ev.item_id, 'caller', new Date());
        return;
      case 'conversation.item.input_audio_transcription.completed':
        this.transcript.finalize(ev.item_id, ev.transcript, { source: 'realtime' });
        return;
      case 'conversation.item.done': {
        const item = ev.item;
        if (item.type === 'message' && item.role === 'user' && item.id && this.transcript.get(item.id)) {
          const part = item.content?.find((c) => 'transcript' in c && c.transcript);
          const text = part && 'transcript' in part ? (part.transcript ?? null) : null;
          if (text) this.transcript.finalize(item.id, text);
        }
        return;
      }
      case 'error':
        this.onRealtimeError(ev.error);
        return;
      default:
        return;
    }
  }

  private greetingRequest(): ResponseParams | undefined {
    const greeting = this.profile?.greeting;
    if (!greeting) return undefined;
    return { instructions: `Greet the caller now, saying: "${greeting.replace(/"/g, "'")}"` };
  }

  private onFirstAudio(itemId: string): void {
    this.firstAudioSeen.add(itemId);
    if (this.speechStoppedAt !== undefined) {
      const msg = this.transcript.get(itemId);
      if (msg) msg.latency = { responseMs: Math.round(this.now() - this.speechStoppedAt) };
      this.speechStoppedAt = undefined;
    }
  }

  /**
   * Barge-in, all in this one call: cancel external TTS, cancel the model's response if one is active,
   * clear Twilio's buffer; then truncate the item being heard at what the caller actually heard.
   */
  private bargeIn(): void {
    const { metrics, tts } = this.deps;
    const rt = this.rt;
    if (!rt) return;
    const heard = this.playback.heardPosition();
    const responding = this.activeResponseId !== undefined;
    if (!heard && !responding) return;
    metrics.bargeIns++;
    tts?.cancel();
    this.tools?.onBargeIn();
    this.afterReplyGeneration++;
    if (this.afterReply.length) {
      this.log.info(
        { tools: this.afterReply.map((a) => a.toolName) },
        'caller interrupted; pending call actions dropped',
      );
      this.afterReply = [];
      this.afterReplyResponseId = undefined;
    }
    this.interruptAgent(rt, heard);
    this.log.info(
      {
        heardMs: heard?.audioEndMs ?? 0,
        cancelled: responding,
        unheardItems: heard?.unheardItemIds.length ?? 0,
      },
      'barge-in',
    );
  }

  private onResponseDone(responseId: string): void {
    if (this.activeResponseId === responseId || this.activeResponseId === UNKNOWN_RESPONSE)
      this.activeResponseId = undefined;
    this.cancelledResponses.delete(responseId);
    if (this.activeResponseId || this.createInFlight) return;
    const next = this.pendingCreates.shift();
    if (next !== undefined) this.sendCreate(next ?? undefined);
  }

  /** Asks for a response now, or once the active one is done (never two at once). */
  requestResponse(response?: ResponseParams): void {
    if (this.activeResponseId || this.createInFlight) this.pendingCreates.push(response ?? null);
    else this.sendCreate(response);
  }

  private sendCreate(response?: ResponseParams): void {
    if (!this.rt || this.ended) return;
    this.createInFlight = true;
    this.lastCreate = response ?? null;
    this.rt.send(response ? { type: 'response.create', response } : { type: 'response.create' });
  }

  private onRealtimeError(error: {
    code?: string | null;
    message: string;
    type: string;
    event_id?: string | null;
  }): void {
    const code = error.code ?? error.type;
    this.deps.metrics.realtimeError(code);
    if (code === 'conversation_already_has_active_response') {
      // The server started a response (VAD) as we asked for one: ask again when it is done.
      this.createInFlight = false;
      this.pendingCreates.unshift(this.lastCreate);
      this.activeResponseId ??= UNKNOWN_RESPONSE;
      this.log.info('a response was already active; will create again when it is done');
      return;
    }
    if (code === 'response_cancel_not_active') {
      this.log.debug('cancel raced the end of the response');
      return;
    }
    this.log.warn({ code, message: error.message }, 'Realtime error event');
  }

  // --- tools -------------------------------------------------------------------------------------

  private toolHost(): ToolRunnerHost {
    return {
      context: (signal) => this.toolContext(signal),
      sendOutput: (callId, output) => {
        if (this.toolCallGeneration.get(callId) === this.rtGeneration) {
          this.rt?.send({
            type: 'conversation.item.create',
            item: { type: 'function_call_output', call_id: callId, output: JSON.stringify(output) },
          });
        } else {
          // The call came from a Realtime session that has since been replaced: tell the new one in words.
          this.noteToModel(
            `A tool you called before the line dropped returned: ${JSON.stringify(output).slice(0, 2000)}`,
          );
        }
        this.toolCallGeneration.delete(callId);
      },
      requestResponse: () => this.requestResponse(),
      afterReplyPlayed: (toolName, action) => {
        this.afterReply.push({ toolName, action });
      },
      playThinkingSound: () => this.playThinkingSound(),
      stopThinkingSound: () => {
        if (this.playback.onlyPending(THINKING_ITEM)) {
          this.deps.transport.sendClear();
          this.playback.reset();
        }
      },
      recordTool: (call, args, output, durationMs) => this.recordTool(call, args, output, durationMs),
    };
  }

  private toolContext(signal: AbortSignal): ToolContext {
    const combined = AbortSignal.any([signal, this.abort.signal]);
    return {
      call: this.call,
      profile: this.profile!,
      log: this.log,
      signal: combined,
      aiServer: this.deps.aiServer,
      appServer: this.deps.appServer,
      twilioRest: this.deps.twilioRest,
      transcript: () => this.transcript.messages(),
      knowledgeChunkIds: this.knowledgeChunkIds,
    };
  }

  private playThinkingSound(): boolean {
    if (this.ended) return false;
    if (this.playback.hasPendingAudio && !this.playback.onlyPending(THINKING_ITEM)) return false;
    const { transport } = this.deps;
    for (const chunk of thinkingSoundChunks()) {
      transport.sendMedia(chunk);
      transport.sendMark(this.playback.onAudioSent(THINKING_ITEM, base64ByteLength(chunk)));
    }
    return true;
  }

  private recordTool(call: FunctionCall, args: unknown, output: unknown, durationMs: number): void {
    this.transcript.add({
      role: 'tool',
      text: call.name,
      itemId: call.callId,
      startedAt: new Date().toISOString(),
      source: 'tool',
      toolName: call.name,
      toolArguments: args,
      toolResult: output,
      latency: { responseMs: durationMs },
    });
  }

  /** The reply after a transfer/end_call output has finished: wait until it is heard, then act. */
  private runAfterReply(): void {
    const actions = this.afterReply;
    const generation = this.afterReplyGeneration;
    this.afterReply = [];
    this.afterReplyResponseId = undefined;
    let timer: NodeJS.Timeout | undefined;
    const played = Promise.race([
      this.playback.whenIdle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, MAX_AFTER_REPLY_WAIT_MS);
      }),
    ]);
    void played.then(async () => {
      clearTimeout(timer);
      if (generation !== this.afterReplyGeneration) {
        this.log.info(
          { tools: actions.map((a) => a.toolName) },
          'caller interrupted; pending call actions dropped',
        );
        return;
      }
      for (const { toolName, action } of actions) {
        if (this.ended) return;
        if (toolName === 'transfer_to_human') this.transferring = true;
        try {
          await action();
        } catch (err) {
          this.transferring = false;
          this.log.warn({ tool: toolName, err: errInfo(err) }, 'call action failed');
          this.tellModel(
            `The ${toolName} action failed (${errInfo(err).message.slice(0, 120)}). Apologize to the caller ` +
              'and offer to arrange a callback from a colleague instead.',
          );
        }
      }
    });
  }

  /** A system note to the model, followed by a response. */
  private tellModel(text: string): void {
    if (!this.rt || this.ended) return;
    this.rt.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'system', content: [{ type: 'input_text', text }] },
    });
    this.requestResponse();
  }

  /** After the goodbye: hang up through Twilio, and close the stream either way. */
  private async hangUpAfterGoodbye(reason: EndReason = 'agent_hangup'): Promise<void> {
    if (this.ended) return;
    this.hangingUp ??= reason;
    try {
      await this.deps.twilioRest.hangup(this.call.callSid);
    } catch (err) {
      this.log.warn({ err: errInfo(err) }, 'REST hang-up failed; closing the stream ends the call');
    }
    this.end(reason);
  }

  /**
   * Stops the agent mid-sentence: cancels the active response, clears Twilio's buffer, truncates the
   * item being heard at what was heard (never past what was sent) and deletes items never heard.
   */
  private interruptAgent(rt: RealtimeConnection, heard = this.playback.heardPosition()): void {
    if (this.activeResponseId) {
      rt.send({ type: 'response.cancel' });
      this.cancelledResponses.add(this.activeResponseId);
    }
    if (!heard) return;
    this.deps.transport.sendClear();
    this.playback.reset();
    if (heard.audioEndMs > 0 && !isLocalAudio(heard.itemId)) {
      rt.send({
        type: 'conversation.item.truncate',
        item_id: heard.itemId,
        content_index: 0,
        audio_end_ms: Math.min(heard.audioEndMs, heard.sentMs),
      });
    }
    for (const itemId of heard.unheardItemIds)
      if (!isLocalAudio(itemId)) rt.send({ type: 'conversation.item.delete', item_id: itemId });
    const msg = this.transcript.get(heard.itemId);
    if (msg) msg.interrupted = true;
  }

  // --- end ---------------------------------------------------------------------------------------

  private end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
    this.abort.abort();
    this.watchdog?.stop();
    this.tools?.dispose();
    this.afterReply = [];
    if (this.dtmfTimer) clearTimeout(this.dtmfTimer);
    this.dtmfTimer = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.heldAudio = [];
    this.rt?.close(1000, 'call ended');
    if (this.deps.transport.isOpen) this.deps.transport.close(1000, 'call ended');
  }

  /** Reports the call's duration (whole seconds, rounded up) to ai-server, which debits once per call SID. */
  private debit(durationSec: number): void {
    const attempt = (n: number): void => {
      this.deps.aiServer
        // Billed in whole seconds, rounded up.
        .debitCall(this.call.botProfileKey, {
          callSid: this.call.callSid,
          durationSec: Math.ceil(durationSec),
        })
        .catch((err) => {
          const wait = DEBIT_RETRY_MS[n];
          if (wait === undefined) {
            this.log.error(
              { err: errInfo(err), durationSec },
              'could not debit the call; credits not charged',
            );
            return;
          }
          setTimeout(() => attempt(n + 1), wait).unref();
        });
    };
    attempt(0);
  }

  private finish(): void {
    const reason = this.endReason ?? 'stream_closed';
    this.transcript.flush();
    const durationSec = Math.round((Date.now() - this.startedAtMs) / 100) / 10;
    void this.conversationStarted
      .then(() =>
        this.deps.appServer.endConversation(this.call.callSid, {
          endReason: reason,
          endedAt: new Date().toISOString(),
          durationSec,
        }),
      )
      .catch((err) => this.log.warn({ err: errInfo(err) }, 'conversation end sync failed'));
    if (this.rtGeneration > 0) this.debit(Math.max(1, Math.ceil((Date.now() - this.startedAtMs) / 1000)));
    this.deps.metrics.callEnded(reason);
    this.log.info({ reason, durationSec }, 'call ended');
  }
}

const DEBIT_RETRY_MS = [1_000, 5_000, 30_000];

const silenceCache = new Map<number, string>();
/** Base64 mu-law silence of `bytes` bytes, cached by size (gaps repeat the same few sizes). */
function silenceBase64(bytes: number): string {
  let s = silenceCache.get(bytes);
  if (!s) {
    s = Buffer.alloc(bytes, 0xff).toString('base64');
    if (silenceCache.size < 256) silenceCache.set(bytes, s);
  }
  return s;
}

function errInfo(err: unknown): { message: string; code?: string } {
  if (err instanceof Error) return { message: err.message, code: (err as { code?: string }).code };
  return { message: String(err) };
}
