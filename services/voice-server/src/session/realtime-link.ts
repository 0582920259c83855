import type {
  RealtimeClientEvent,
  RealtimeCloseInfo,
  RealtimeConnection,
  RealtimeConnector,
  RealtimeSessionCreateRequest,
} from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import type { VoiceMetrics } from '../metrics.ts';
import type { TranscriptMessage } from '../ports/app-server.ts';
import { errInfo } from './call-types.ts';
import { replayItems } from './history.ts';
import type { CallLifecycle } from './lifecycle.ts';
import {
  isFatalUpgradeStatus,
  ReconnectBudget,
  type ReconnectPolicy,
  type SessionHealth,
} from './reconnect-budget.ts';
import type { ResponseSink } from './response-queue.ts';

/** What the link asks of the rest of the call around a drop. */
export interface LinkHooks {
  /** A session was configured (and given the history): caller audio held meanwhile goes in now. */
  onOpened(rt: RealtimeConnection): void;
  /** The socket dropped: nothing is in flight any more; `newOutage` is the first drop of an outage. */
  onDropped(newOutage: boolean): void;
  /** A dropped session was replaced: the model picks the thread up again. */
  onResumed(): void;
  /** Every reconnect attempt failed. */
  /** No session can be had any more (`fatalCode`: the API refused for good, or the model kept failing). */
  giveUp(fatalCode?: string): Promise<void>;
  /** True when nothing is going on (no response, no caller speech, no audio playing, no tool). */
  isQuiet(): boolean;
}

export interface RealtimeLinkDeps {
  connect: RealtimeConnector;
  callSid: string;
  lifecycle: CallLifecycle;
  log: Logger;
  metrics: VoiceMetrics;
  policy: ReconnectPolicy;
  /** Jitter source in [0, 1); tests pin it. */
  random?: () => number;
  /** A session this old is renewed at the next quiet moment (the API caps sessions at 60 min). */
  renewAfterMs: number;
  health?: SessionHealth;
  /** The conversation so far, replayed into a new session. */
  transcript: () => TranscriptMessage[];
  /** A caller turn's audio, while kept: replayed in place of words that never came. */
  audioOf?: (itemId: string) => Uint8Array | undefined;
  hooks: LinkHooks;
}

/**
 * The call's Realtime session: the current socket and its configuration, reconnects after a drop (the
 * same configuration and the conversation so far, a filler meanwhile), and renewal before the
 * session's own time cap at a quiet moment.
 */
export class RealtimeLink implements ResponseSink {
  private rt: RealtimeConnection | undefined;
  private config: RealtimeSessionCreateRequest | undefined;
  /** Bumped per session; tool calls remember the session they came from. */
  private gen = 0;
  private renewDue = false;
  private readonly budget: ReconnectBudget;
  /** Set once the API refused for good (quota, key, model): no more reconnects. */
  private fatalCode: string | undefined;
  /** Sessions resumed after a drop. */
  reconnects = 0;

  constructor(private readonly deps: RealtimeLinkDeps) {
    this.budget = new ReconnectBudget(deps.policy, deps.random);
  }

  /** The session in use, if one is open. */
  get current(): RealtimeConnection | undefined {
    return this.rt;
  }

  get generation(): number {
    return this.gen;
  }

  /** The configuration every new session of this call starts with (the live one's, as last updated). */
  get sessionConfig(): RealtimeSessionCreateRequest | undefined {
    return this.config;
  }

  get sessionInstructions(): string | undefined {
    return this.config?.instructions;
  }

  get canSend(): boolean {
    return this.rt !== undefined && !this.deps.lifecycle.isEnded;
  }

  send(event: RealtimeClientEvent): void {
    this.rt?.send(event);
  }

  /** A system note the model reads with its next turn (no response asked for). */
  note(text: string): void {
    this.rt?.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'system', content: [{ type: 'input_text', text }] },
    });
  }

  /** Opens a socket for this call; rejects (and reports the failure) when it cannot be opened. */
  open(): Promise<RealtimeConnection> {
    return this.deps.connect(this.deps.lifecycle.signal, { callSid: this.deps.callSid }).catch((err) => {
      if (!this.deps.lifecycle.isEnded) this.deps.health?.failed();
      throw err;
    });
  }

  /** Makes `rt` the call's session and configures it. */
  configure(rt: RealtimeConnection, config: RealtimeSessionCreateRequest): void {
    this.rt = rt;
    this.config = config;
    rt.send({ type: 'session.update', session: config });
    this.deps.hooks.onOpened(rt);
    this.gen++;
    this.sessionOpened(rt);
  }

  /**
   * Changes the session's configuration for the rest of the call: sent to the current session now,
   * and part of the configuration every later session (reconnect, renewal) starts with.
   */
  updateSession(patch: Partial<RealtimeSessionCreateRequest>): void {
    if (!this.config) return;
    this.config = mergeSession(this.config, patch);
    this.rt?.send({ type: 'session.update', session: { type: 'realtime', ...patch } });
  }

  /**
   * The API refused for good (`insufficient_quota`, an invalid key, an unknown model): no reconnect can
   * help, so the session is closed and the call takes its fallback at once.
   */
  refusedForGood(code: string): void {
    if (this.fatalCode) return;
    this.fatalCode = code;
    this.deps.log.warn({ code }, 'Realtime API refused for good; taking the fallback');
    this.rt?.close(1000, 'refused');
  }

  /**
   * The socket dropped: the caller hears a filler, a new session gets the same configuration and the
   * conversation so far, and the call goes on. After the last failed attempt, `giveUp`.
   */
  async reconnect(info: RealtimeCloseInfo): Promise<RealtimeConnection | undefined> {
    const { log, lifecycle, hooks, metrics } = this.deps;
    const newOutage = this.budget.dropped();
    if (!newOutage || this.fatalCode) this.deps.health?.failed();
    if (!newOutage) metrics.realtimeReconnect('dropped_early');
    log.warn({ code: info.code, reason: info.reason, newOutage }, 'Realtime socket dropped; reconnecting');
    metrics.realtimeDrops++;
    this.rt = undefined;
    hooks.onDropped(newOutage);
    for (;;) {
      const delayMs = this.fatalCode ? undefined : this.budget.nextDelayMs();
      if (delayMs === undefined) break;
      if (delayMs > 0) await lifecycle.sleep(delayMs);
      if (lifecycle.isEnded) return undefined;
      const attempt = this.budget.attemptsInCall;
      try {
        const next = await this.openReplayed();
        if (lifecycle.isEnded) {
          next.close(1000, 'call ended');
          return undefined;
        }
        this.reconnects++;
        metrics.realtimeReconnect('resumed');
        log.info({ attempt }, 'Realtime session resumed');
        hooks.onResumed();
        return next;
      } catch (err) {
        metrics.realtimeReconnect('failed');
        const status = (err as { status?: number }).status;
        if (isFatalUpgradeStatus(status)) this.fatalCode = `http_${status}`;
        log.warn({ attempt, err: errInfo(err) }, 'Realtime reconnect failed');
      }
    }
    metrics.realtimeReconnect(this.fatalCode ? 'fatal' : 'gave_up');
    log.warn(
      { attempts: this.budget.attemptsInCall, fatal: this.fatalCode },
      'Realtime session could not be resumed; taking the fallback',
    );
    await hooks.giveUp(this.fatalCode);
    return undefined;
  }

  /** A session is up: it is renewed before its cap, and counts as healthy once it has stayed up. */
  private sessionOpened(rt: RealtimeConnection): void {
    this.budget.opened();
    this.deps.lifecycle.later(this.deps.renewAfterMs, () => {
      if (this.rt === rt) this.renewWhenQuiet();
    });
    if (!this.deps.health) return;
    this.deps.lifecycle.later(this.deps.policy.stableAfterMs, () => {
      if (this.rt === rt) this.deps.health?.succeeded();
    });
  }

  /** The session is old enough to be renewed at the next quiet moment. */
  renewWhenQuiet(): void {
    this.renewDue = true;
    this.maybeRenew();
  }

  /** Before the session's own time cap, a fresh one takes over if the call is quiet now. */
  maybeRenew(): void {
    const { lifecycle, hooks, log } = this.deps;
    if (!this.renewDue || lifecycle.isEnded || lifecycle.endingPolitely || !this.rt) return;
    if (!hooks.isQuiet()) return;
    this.renewDue = false;
    const old = this.rt;
    this.openReplayed()
      .then(() => {
        log.info('Realtime session renewed');
        old.close(1000, 'renewed');
      })
      .catch((err) => {
        log.warn({ err: errInfo(err) }, 'Realtime renewal failed; keeping the current session');
      });
  }

  close(): void {
    this.rt?.close(1000, 'call ended');
  }

  /** Opens a new session with this call's configuration and history, and makes it current. */
  private async openReplayed(): Promise<RealtimeConnection> {
    const next = await this.open();
    if (this.config) next.send({ type: 'session.update', session: this.config });
    for (const item of replayItems(this.deps.transcript(), this.deps.audioOf)) next.send(item);
    this.deps.hooks.onOpened(next);
    this.rt = next;
    this.gen++;
    this.renewDue = false;
    this.sessionOpened(next);
    return next;
  }
}

/**
 * A session.update applied to a configuration as the API applies it: top-level fields replaced, and
 * within `audio.input` and `audio.output` each field replaced on its own (a patch of the transcription
 * keeps the format, turn detection and voice).
 */
export function mergeSession(
  config: RealtimeSessionCreateRequest,
  patch: Partial<RealtimeSessionCreateRequest>,
): RealtimeSessionCreateRequest {
  const next = { ...config, ...patch };
  if (patch.audio && config.audio) {
    next.audio = {
      ...config.audio,
      ...patch.audio,
      ...(patch.audio.input || config.audio.input
        ? { input: { ...config.audio.input, ...patch.audio.input } }
        : {}),
      ...(patch.audio.output || config.audio.output
        ? { output: { ...config.audio.output, ...patch.audio.output } }
        : {}),
    };
  }
  return next;
}
