/**
 * One simulated Realtime session (one WebSocket connection): the GA protocol state machine.
 * Client events are validated and answered like the real API; responses stream scenario replies
 * with real audio; every event in both directions goes to the session's {@link EventLog}. The work
 * is split by concern: client-event intake, the outbox, the conversation and its item operations,
 * input turns (VAD) and responses; this class wires them and carries the test surface.
 */
import type { RawData, WebSocket } from 'ws';
import { type ClientIntakeOptions, handleClientFrame } from './client-events.ts';
import { refuseSession, sendMalformedEvents } from './connection-faults.ts';
import { Conversation } from './conversation.ts';
import { SESSION_EXPIRED_MESSAGE } from './errors.ts';
import { EventLog, type EventPredicate, type LoggedEvent } from './event-log.ts';
import { type FaultPlan, mergeFaultPlans, type SocketDropMode } from './faults.ts';
import { newId } from './ids.ts';
import { InputAudioBuffer } from './input-buffer.ts';
import { InputTranscriber } from './input-transcription.ts';
import { InputTurns } from './input-turns.ts';
import { createConversationItem } from './item-create.ts';
import { deleteItem, retrieveItem, truncateItem } from './item-ops.ts';
import { ServerEventOutbox } from './outbox.ts';
import type { SimClock } from './pacing.ts';
import { ResponseRunner } from './responses.ts';
import { ScenarioPlayer } from './scenario.ts';
import { applySessionUpdate, defaultSessionConfig, type SimSessionConfig } from './session-config.ts';
import type { SessionCore } from './session-core.ts';
import type {
  RealtimeSimSessionOptions,
  SessionCloseInfo,
  SimActiveResponse,
  SimConversationItem,
  SimReply,
} from './session-types.ts';
import { TimingSampler } from './timing.ts';
import { requireKey } from './validate.ts';

export type * from './session-types.ts';

/** One connection's protocol state. Created by the simulator server on each accepted upgrade. */
export class RealtimeSimSession {
  readonly id: string;
  readonly model: string;
  readonly log: EventLog;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<SessionCloseInfo>;

  private readonly socket: WebSocket;
  private readonly clock: SimClock;
  private readonly connectedAtMs: number;
  private readonly core: SessionCore;
  private readonly out: ServerEventOutbox;
  private readonly conversation = new Conversation();
  private readonly responses: ResponseRunner;
  private readonly input: InputTurns;
  private readonly transcriber: InputTranscriber;
  private configValue: SimSessionConfig;
  private faultPlan: FaultPlan;
  /** Timers counted from the connection (session expiry, accept-then-drop), by name. */
  private readonly timers = new Map<'expiry' | 'drop', unknown>();
  private refused = false;
  private resolveClosed!: (info: SessionCloseInfo) => void;

  constructor(socket: WebSocket, options: RealtimeSimSessionOptions) {
    this.socket = socket;
    this.clock = options.clock;
    this.model = options.model;
    this.id = newId('sess');
    this.connectedAtMs = this.clock.now();
    this.log = new EventLog(() => this.clock.now(), {
      payloads: options.logAudioPayloads,
      events: options.logAudioEvents,
    });
    this.faultPlan = mergeFaultPlans(options.faults, options.scenario.faults);
    const fresh = defaultSessionConfig(this.id, options.model, this.connectedAtMs);
    this.configValue = options.initialConfig
      ? { ...structuredClone(options.initialConfig), id: fresh.id, expires_at: fresh.expires_at }
      : fresh;
    this.out = new ServerEventOutbox(socket, {
      clock: this.clock,
      log: this.log,
      latencyMs: () => this.faultPlan.eventLatencyMs ?? 0,
      ...(options.observer?.serverEvent
        ? { onWritten: (event: Record<string, unknown>) => options.observer?.serverEvent?.(this, event) }
        : {}),
    });
    const session = this;
    this.core = {
      options,
      sessionId: this.id,
      timing: new TimingSampler(options.scenario.timing ?? options.timing, options.sessionIndex),
      clock: this.clock,
      out: this.out,
      conversation: this.conversation,
      player: new ScenarioPlayer(options.scenario, () => newId('call')),
      buffer: new InputAudioBuffer(this.configValue.audio.input.format),
      get config() {
        return session.configValue;
      },
      get faults() {
        return session.faultPlan;
      },
      audioDeltasSent: 0,
      dropSocket: (mode) => this.dropSocket(mode),
    };
    this.responses = new ResponseRunner(this.core);
    this.transcriber = new InputTranscriber(this.core);
    this.input = new InputTurns(this.core, this.responses, this.transcriber);
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    socket.on('close', (code: number, reason: Buffer) => this.onClose(code, reason.toString()));
    socket.on('error', () => {
      // a broken client socket ends the session through 'close'; nothing to report here
    });
    this.scheduleConnectionFaults();
    const refusal = this.faultPlan.refuseSession;
    if (refusal) {
      this.refused = true;
      refuseSession(this.out, refusal, (code, reason) => this.socket.close(code, reason));
      return;
    }
    this.out.send({ type: 'session.created', session: this.configValue });
    const malformed = this.faultPlan.malformedEvents;
    if (malformed?.at === 'connect') sendMalformedEvents(this.out, malformed, { responseId: null });
  }

  // ---- test access -------------------------------------------------------------------------

  /** The effective session configuration (a copy). */
  get config(): SimSessionConfig {
    return structuredClone(this.configValue);
  }

  /** The conversation, in order. */
  get items(): SimConversationItem[] {
    return this.conversation.views();
  }

  /** The response being generated, or null. */
  get activeResponse(): SimActiveResponse | null {
    return this.responses.view;
  }

  /** Which scenario reply each response played, in order. */
  get replies(): SimReply[] {
    return this.responses.replies;
  }

  /** The faults in force for this session. */
  get faults(): FaultPlan {
    return { ...this.faultPlan };
  }

  /** True until the socket closes. */
  get isOpen(): boolean {
    return this.out.isOpen;
  }

  /** Client events, optionally of one type. */
  received(type?: string): LoggedEvent[] {
    return this.log.received(type);
  }

  /** Server events, optionally of one type. */
  sent(type?: string): LoggedEvent[] {
    return this.log.sent(type);
  }

  /** Waits for a logged event (past or future) of a type or matching a predicate. */
  waitFor(
    match: string | EventPredicate,
    options: { timeoutMs?: number; fromSeq?: number } = {},
  ): Promise<LoggedEvent> {
    const predicate: EventPredicate = typeof match === 'string' ? (e) => e.type === match : match;
    return this.log.waitFor(predicate, options);
  }

  /** Changes faults for the rest of this session (fields given override, others stay). */
  setFaults(plan: FaultPlan): void {
    this.faultPlan = mergeFaultPlans(this.faultPlan, plan);
    if (plan.sessionExpiresAfterMs !== undefined || plan.acceptThenDrop !== undefined) {
      this.scheduleConnectionFaults();
    }
  }

  /** Sends the `session_expired` error and closes with 1001, as the real API does at 60 minutes. */
  expireNow(): void {
    if (!this.out.isOpen) return;
    this.responses.cancelSilently();
    this.out.send({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        code: 'session_expired',
        message: SESSION_EXPIRED_MESSAGE,
        param: null,
        event_id: null,
      },
    });
    this.out.afterQueued(() => this.socket.close(1001, 'Session expired'));
  }

  /** Drops the socket now: `terminate` without a close frame, or `close-1011`. */
  dropSocket(mode: SocketDropMode): void {
    if (!this.out.isOpen) return;
    this.responses.cancelSilently();
    if (mode === 'terminate') this.socket.terminate();
    else this.socket.close(1011, 'Internal server error');
  }

  /** Sends an arbitrary server event (an `event_id` is added); for tests of odd server behaviour. */
  injectServerEvent(event: { type: string } & Record<string, unknown>): void {
    this.out.sendUnchecked(event);
  }

  // ---- socket plumbing ---------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean): void {
    // a refused session is closing: like the real API, it answers nothing more
    if (this.refused) return;
    this.intake ??= this.intakeOptions();
    handleClientFrame(data, isBinary, this.intake);
  }

  /** Made once, on the first message: every frame of the session is handled with the same options. */
  private intake: ClientIntakeOptions | undefined;
  private intakeOptions(): ClientIntakeOptions {
    const observer = this.core.options.observer;
    return {
      log: this.log,
      out: this.out,
      ...(observer?.clientEvent ? { onParsed: (event) => observer.clientEvent?.(this, event) } : {}),
      handlers: this.handlers,
    };
  }

  private readonly handlers = {
    'session.update': (event: Record<string, unknown>) => this.onSessionUpdate(event),
    'input_audio_buffer.append': (event: Record<string, unknown>) => this.input.append(event),
    'input_audio_buffer.commit': () => this.input.commit(),
    'input_audio_buffer.clear': () => this.input.clear(),
    'conversation.item.create': (event: Record<string, unknown>) => createConversationItem(this.core, event),
    'conversation.item.retrieve': (event: Record<string, unknown>) => retrieveItem(this.core, event),
    'conversation.item.truncate': (event: Record<string, unknown>) => truncateItem(this.core, event),
    'conversation.item.delete': (event: Record<string, unknown>) => deleteItem(this.core, event),
    'response.create': (event: Record<string, unknown>) => this.responses.create(event),
    'response.cancel': (event: Record<string, unknown>) => this.responses.cancel(event),
  };

  private onSessionUpdate(event: Record<string, unknown>): void {
    requireKey(event, 'session', '');
    const previous = this.configValue;
    const next = applySessionUpdate(previous, event.session, {
      audioProduced: this.core.audioDeltasSent > 0,
    });
    this.configValue = next;
    this.input.configChanged(previous, next);
    this.out.send({ type: 'session.updated', session: next });
  }

  private onClose(code: number, reason: string): void {
    if (!this.out.isOpen) return;
    this.out.close();
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
    this.transcriber.stop();
    this.responses.cancelSilently();
    this.log.failWaiters('session closed');
    this.resolveClosed({ code, reason });
  }

  /** (Re)arms the timers the fault plan counts from the connection. */
  private scheduleConnectionFaults(): void {
    const plan = this.faultPlan;
    this.scheduleFromConnect('expiry', plan.sessionExpiresAfterMs, () => this.expireNow());
    const drop = plan.acceptThenDrop;
    this.scheduleFromConnect('drop', drop?.afterMs, () => this.dropSocket(drop!.mode));
  }

  private scheduleFromConnect(name: 'expiry' | 'drop', afterMs: number | undefined, run: () => void): void {
    const existing = this.timers.get(name);
    if (existing !== undefined) this.clock.clearTimeout(existing);
    this.timers.delete(name);
    if (afterMs === undefined || !this.out.isOpen) return;
    const remaining = Math.max(0, this.connectedAtMs + afterMs - this.clock.now());
    this.timers.set(
      name,
      this.clock.setTimeout(() => {
        this.timers.delete(name);
        run();
      }, remaining),
    );
  }
}
