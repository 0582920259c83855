/**
 * One simulated Realtime session (one WebSocket connection): the GA protocol state machine.
 * Client events are validated and answered like the real API; responses stream scenario replies
 * with real audio; every event in both directions goes to the session's {@link EventLog}.
 */
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { RawData, WebSocket } from 'ws';
import {
  decodeBase64Strict,
  decodeToPcm16,
  encodeBase64,
  formatBytesPerMs,
  formatSampleRate,
  type RealtimeAudioFormat,
} from './audio-format.ts';
import { RealtimeProtocolError, SESSION_EXPIRED_MESSAGE } from './errors.ts';
import { EventLog, type EventPredicate, type LoggedEvent } from './event-log.ts';
import { type FaultPlan, mergeFaultPlans, type SocketDropMode } from './faults.ts';
import { newId } from './ids.ts';
import { InputAudioBuffer } from './input-buffer.ts';
import { type Pacing, pacedDurationMs, type SimClock, Sleeper } from './pacing.ts';
import type { ReplyAudio } from './reply-audio.ts';
import { type PlannedReply, type PlannedToolCall, type Scenario, ScenarioPlayer } from './scenario.ts';
import {
  applySessionUpdate,
  checkKeys,
  defaultSessionConfig,
  expectArray,
  expectEnum,
  expectNumber,
  expectObject,
  expectString,
  parseFormat,
  parseMaxOutputTokens,
  parseModalities,
  parseToolChoice,
  parseTools,
  type SimSessionConfig,
  type TurnDetectionConfig,
} from './session-config.ts';
import { EnergyVad } from './vad.ts';

/** Everything a session needs from the simulator. */
export interface RealtimeSimSessionOptions {
  model: string;
  scenario: Scenario;
  replyAudio: ReplyAudio;
  pacing: Pacing;
  /** Audio per `response.output_audio.delta`. */
  audioChunkMs: number;
  faults: FaultPlan;
  clock: SimClock;
  /** When false, base64 audio in logged events is replaced by a length note. */
  logAudioPayloads: boolean;
  /** Synchronous hooks on every event; none by default. */
  observer?: RealtimeSimObserver;
}

/**
 * Hooks on a session's events, called synchronously on the hot path: keep them cheap. Benchmarks use
 * them to time events across a relay. The event objects are the simulator's own: do not modify them.
 */
export interface RealtimeSimObserver {
  /** A client event was received and parsed, before the session handles it. */
  clientEvent?(session: RealtimeSimSession, event: Readonly<Record<string, unknown>>): void;
  /** A server event was just written to the socket. */
  serverEvent?(session: RealtimeSimSession, event: Readonly<Record<string, unknown>>): void;
}

/** A conversation item as tests see it: the wire shape plus the audio and text behind it. */
export interface SimConversationItem {
  id: string;
  /** The item as the API reports it (no audio bytes). */
  item: Record<string, unknown>;
  /** Input audio of a user item, or the assistant audio generated so far (after any truncation). */
  audio: Uint8Array | null;
  audioMs: number;
  /** User: the transcript attached; assistant: the full text it was generating. */
  text: string | null;
  /** Assistant after `conversation.item.truncate`: the words the caller heard. */
  heardText: string | null;
  truncatedAtMs: number | null;
}

/** The response being generated, as tests see it. */
export interface SimActiveResponse {
  id: string;
  /** Set once a cancel (client or VAD) has been requested. */
  cancelReason: 'turn_detected' | 'client_cancelled' | null;
  itemIds: string[];
  audioMsSent: number;
  text: string;
}

/** The scenario reply a response played. */
export interface SimReply {
  responseId: string;
  source: PlannedReply['source'];
  text: string;
  toolCalls: PlannedToolCall[];
}

/** How the socket ended. */
export interface SessionCloseInfo {
  code: number;
  reason: string;
}

interface ItemRecord {
  id: string;
  wire: Record<string, unknown>;
  audioChunks: Uint8Array[];
  audioBytes: number;
  audioFormat: RealtimeAudioFormat | null;
  text: string | null;
  heardText: string | null;
  plannedAudioMs: number;
  truncatedAtMs: number | null;
}

interface ActiveResponse {
  id: string;
  conversation: 'auto' | 'none';
  modalities: Array<'audio' | 'text'>;
  format: RealtimeAudioFormat;
  voice: string | { id: string };
  maxOutputTokens: number | 'inf';
  metadata: Record<string, unknown> | null;
  plan: PlannedReply;
  output: ItemRecord[];
  cancel: { reason: 'turn_detected' | 'client_cancelled'; lateDeltas: number } | null;
  audioMsSent: number;
  textSent: string;
  inputMsAtStart: number;
  inputTokens: { text: number; audio: number };
  sleeper: Sleeper;
}

type QueueEntry = { kind: 'event'; event: Record<string, unknown> } | { kind: 'action'; run: () => void };

/** Input kept while nobody speaks under VAD (older audio is dropped to bound memory). */
const IDLE_BUFFER_KEEP_MS = 30_000;
const IDLE_BUFFER_SLACK_MS = 10_000;
/** The real API refuses to commit less than this. */
const MIN_COMMIT_MS = 100;
/** A reply's audio is never shorter than this. */
const MIN_REPLY_AUDIO_MS = 200;
/** Silence that ends a turn under semantic VAD, by eagerness (the real one decides semantically). */
const SEMANTIC_SILENCE_MS = { low: 1500, medium: 800, auto: 800, high: 400 } as const;

const CLIENT_EVENT_TYPES = [
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'output_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
];

/** One connection's protocol state. Created by the simulator server on each accepted upgrade. */
export class RealtimeSimSession {
  readonly id: string;
  readonly model: string;
  readonly log: EventLog;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<SessionCloseInfo>;

  private readonly socket: WebSocket;
  private readonly opts: RealtimeSimSessionOptions;
  private readonly clock: SimClock;
  private readonly player: ScenarioPlayer;
  private readonly conversationId = newId('conv');
  private readonly connectedAtMs: number;
  private configValue: SimSessionConfig;
  private faultPlan: FaultPlan;
  private itemList: ItemRecord[] = [];
  private buffer: InputAudioBuffer;
  private vad: EnergyVad | null = null;
  private speech: { itemId: string; audioStartMs: number } | null = null;
  private active: ActiveResponse | null = null;
  private audioProduced = false;
  private audioDeltaCount = 0;
  private idleArmedAtMs: number | null = null;
  private deferredAutoResponse = false;
  private replyLog: SimReply[] = [];
  private open = true;
  private queue: QueueEntry[] = [];
  private flushing = false;
  private expiryTimer: unknown = null;
  private resolveClosed!: (info: SessionCloseInfo) => void;

  constructor(socket: WebSocket, options: RealtimeSimSessionOptions) {
    this.socket = socket;
    this.opts = options;
    this.clock = options.clock;
    this.model = options.model;
    this.id = newId('sess');
    this.connectedAtMs = this.clock.now();
    this.log = new EventLog(() => this.clock.now());
    this.faultPlan = mergeFaultPlans(options.faults, options.scenario.faults);
    this.player = new ScenarioPlayer(options.scenario, () => newId('call'));
    this.configValue = defaultSessionConfig(this.id, options.model, this.connectedAtMs);
    this.buffer = new InputAudioBuffer(this.configValue.audio.input.format);
    this.rebuildVad();
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    socket.on('close', (code: number, reason: Buffer) => this.onClose(code, reason.toString()));
    socket.on('error', () => {
      // a broken client socket ends the session through 'close'; nothing to report here
    });
    this.scheduleExpiry();
    this.send({ type: 'session.created', session: this.configValue });
  }

  // ---- test access -------------------------------------------------------------------------

  /** The effective session configuration (a copy). */
  get config(): SimSessionConfig {
    return structuredClone(this.configValue);
  }

  /** The conversation, in order. */
  get items(): SimConversationItem[] {
    return this.itemList.map((r) => this.itemView(r));
  }

  /** The response being generated, or null. */
  get activeResponse(): SimActiveResponse | null {
    const r = this.active;
    if (!r) return null;
    return {
      id: r.id,
      cancelReason: r.cancel?.reason ?? null,
      itemIds: r.output.map((i) => i.id),
      audioMsSent: r.audioMsSent,
      text: r.plan.text,
    };
  }

  /** Which scenario reply each response played, in order. */
  get replies(): SimReply[] {
    return this.replyLog.map((r) => ({ ...r, toolCalls: [...r.toolCalls] }));
  }

  /** The faults in force for this session. */
  get faults(): FaultPlan {
    return { ...this.faultPlan };
  }

  /** True until the socket closes. */
  get isOpen(): boolean {
    return this.open;
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
    if (plan.sessionExpiresAfterMs !== undefined) this.scheduleExpiry();
  }

  /** Sends the `session_expired` error and closes with 1001, as the real API does at 60 minutes. */
  expireNow(): void {
    if (!this.open) return;
    this.cancelActiveSilently();
    this.enqueue({
      kind: 'event',
      event: this.stamp({
        type: 'error',
        error: {
          type: 'invalid_request_error',
          code: 'session_expired',
          message: SESSION_EXPIRED_MESSAGE,
          param: null,
          event_id: null,
        },
      }),
    });
    this.enqueue({ kind: 'action', run: () => this.socket.close(1001, 'Session expired') });
  }

  /** Drops the socket now: `terminate` without a close frame, or `close-1011`. */
  dropSocket(mode: SocketDropMode): void {
    if (!this.open) return;
    this.cancelActiveSilently();
    if (mode === 'terminate') this.socket.terminate();
    else this.socket.close(1011, 'Internal server error');
  }

  /** Sends an arbitrary server event (an `event_id` is added); for tests of odd server behaviour. */
  injectServerEvent(event: { type: string } & Record<string, unknown>): void {
    this.sendUnchecked(event);
  }

  // ---- socket plumbing ---------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean): void {
    const text = isBinary ? null : rawToString(data);
    let parsed: unknown;
    try {
      if (text === null) throw new Error('binary frame');
      parsed = JSON.parse(text);
    } catch {
      this.log.record('client', '(malformed)', { raw: text === null ? '<binary>' : text.slice(0, 200) });
      this.sendError(
        new RealtimeProtocolError(
          'invalid_json',
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        ),
        null,
      );
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.log.record('client', '(malformed)', { raw: text!.slice(0, 200) });
      this.sendError(
        new RealtimeProtocolError('invalid_type', 'Invalid type: expected an object event.', null),
        null,
      );
      return;
    }
    const event = parsed as Record<string, unknown>;
    this.opts.observer?.clientEvent?.(this, event);
    const type = typeof event.type === 'string' ? event.type : '(missing)';
    this.log.record('client', type, this.opts.logAudioPayloads ? event : redactAudio(event));
    const clientEventId = typeof event.event_id === 'string' ? event.event_id : null;
    try {
      this.dispatch(type, event);
    } catch (err) {
      if (err instanceof RealtimeProtocolError) this.sendError(err, clientEventId);
      else {
        this.send({
          type: 'error',
          error: {
            type: 'server_error',
            code: null,
            message: 'The server had an error while processing your request.',
            param: null,
            event_id: clientEventId,
          },
        });
      }
    }
  }

  private onClose(code: number, reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.queue = [];
    if (this.expiryTimer !== null) this.clock.clearTimeout(this.expiryTimer);
    this.cancelActiveSilently();
    this.log.failWaiters('session closed');
    this.resolveClosed({ code, reason });
  }

  private stamp(payload: Record<string, unknown>): Record<string, unknown> {
    return { event_id: newId('event'), ...payload };
  }

  /**
   * Queues a server event; order is kept, with the fault plan's per-event latency. The type is
   * checked against the openai SDK's `RealtimeServerEvent` union, so only GA event names go out.
   */
  private send(payload: { type: RealtimeServerEvent['type'] } & Record<string, unknown>): void {
    this.sendUnchecked(payload);
  }

  private sendUnchecked(payload: { type: string } & Record<string, unknown>): void {
    if (!this.open) return;
    this.enqueue({ kind: 'event', event: this.stamp(payload) });
  }

  private enqueue(entry: QueueEntry): void {
    const latency = this.faultPlan.eventLatencyMs ?? 0;
    if (latency <= 0 && !this.flushing && this.queue.length === 0) {
      this.execute(entry);
      return;
    }
    this.queue.push(entry);
    if (!this.flushing) void this.flush();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    const sleeper = new Sleeper(this.clock);
    while (this.open && this.queue.length > 0) {
      const entry = this.queue.shift()!;
      const latency = this.faultPlan.eventLatencyMs ?? 0;
      if (entry.kind === 'event' && latency > 0) await sleeper.sleep(latency);
      if (!this.open) break;
      this.execute(entry);
    }
    this.flushing = false;
  }

  private execute(entry: QueueEntry): void {
    if (entry.kind === 'action') {
      entry.run();
      return;
    }
    if (!this.open || this.socket.readyState !== this.socket.OPEN) return;
    const event = entry.event;
    this.socket.send(JSON.stringify(event));
    this.opts.observer?.serverEvent?.(this, event);
    this.log.record('server', String(event.type), this.opts.logAudioPayloads ? event : redactAudio(event));
  }

  private sendError(err: RealtimeProtocolError, clientEventId: string | null): void {
    this.send({
      type: 'error',
      error: {
        type: err.errorType,
        code: err.code,
        message: err.message,
        param: err.param,
        event_id: clientEventId,
      },
    });
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer !== null) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    const after = this.faultPlan.sessionExpiresAfterMs;
    if (after === undefined || !this.open) return;
    const remaining = Math.max(0, this.connectedAtMs + after - this.clock.now());
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expiryTimer = null;
      this.expireNow();
    }, remaining);
  }

  // ---- dispatch ----------------------------------------------------------------------------

  private dispatch(type: string, event: Record<string, unknown>): void {
    switch (type) {
      case '(missing)':
        throw new RealtimeProtocolError(
          'missing_required_parameter',
          "Missing required parameter: 'type'.",
          'type',
        );
      case 'session.update':
        this.onSessionUpdate(event);
        break;
      case 'input_audio_buffer.append':
        this.onAppend(event);
        break;
      case 'input_audio_buffer.commit':
        this.onCommit();
        break;
      case 'input_audio_buffer.clear':
        this.onClear();
        break;
      case 'output_audio_buffer.clear':
        throw new RealtimeProtocolError(
          'unsupported_event',
          'output_audio_buffer.clear is only supported for WebRTC and SIP connections.',
          'type',
        );
      case 'conversation.item.create':
        this.onItemCreate(event);
        break;
      case 'conversation.item.retrieve':
        this.onItemRetrieve(event);
        break;
      case 'conversation.item.truncate':
        this.onItemTruncate(event);
        break;
      case 'conversation.item.delete':
        this.onItemDelete(event);
        break;
      case 'response.create':
        this.onResponseCreate(event);
        break;
      case 'response.cancel':
        this.onResponseCancel(event);
        break;
      default:
        throw new RealtimeProtocolError(
          'invalid_value',
          `Invalid value: '${type}'. Supported values are: ${CLIENT_EVENT_TYPES.map((t) => `'${t}'`).join(', ')}.`,
          'type',
        );
    }
  }

  private onSessionUpdate(event: Record<string, unknown>): void {
    if (!('session' in event)) {
      throw new RealtimeProtocolError(
        'missing_required_parameter',
        "Missing required parameter: 'session'.",
        'session',
      );
    }
    const previous = this.configValue;
    const next = applySessionUpdate(previous, event.session, { audioProduced: this.audioProduced });
    this.configValue = next;
    if (JSON.stringify(previous.audio.input.format) !== JSON.stringify(next.audio.input.format)) {
      this.buffer.setFormat(next.audio.input.format);
      this.speech = null;
      this.rebuildVad();
    } else if (
      JSON.stringify(previous.audio.input.turn_detection) !== JSON.stringify(next.audio.input.turn_detection)
    ) {
      this.speech = null;
      this.rebuildVad();
    }
    this.send({ type: 'session.updated', session: next });
  }

  private rebuildVad(): void {
    const td = this.configValue.audio.input.turn_detection;
    this.vad = td ? new EnergyVad(vadOptions(td), this.buffer.endMs) : null;
  }

  // ---- input audio -------------------------------------------------------------------------

  private onAppend(event: Record<string, unknown>): void {
    const text = expectString(event.audio, 'audio');
    const audio = decodeBase64Strict(text);
    if (!audio) {
      throw new RealtimeProtocolError(
        'invalid_value',
        "Invalid 'audio'. Expected base64-encoded audio bytes, but got invalid data.",
        'audio',
      );
    }
    this.buffer.append(audio);
    const vad = this.vad;
    if (!vad) return;
    const format = this.buffer.audioFormat;
    for (const vadEvent of vad.process(decodeToPcm16(audio, format), formatSampleRate(format))) {
      if (vadEvent.type === 'speech_started') this.onSpeechStarted(vadEvent.audioStartMs);
      else this.onSpeechStopped(vadEvent.audioEndMs);
    }
    if (!this.speech) {
      this.checkIdleTimeout();
      if (this.buffer.durationMs > IDLE_BUFFER_KEEP_MS + IDLE_BUFFER_SLACK_MS)
        this.buffer.keepLast(IDLE_BUFFER_KEEP_MS);
    }
  }

  private onSpeechStarted(audioStartMs: number): void {
    const itemId = newId('item');
    const start = Math.max(audioStartMs, this.buffer.startMs);
    this.speech = { itemId, audioStartMs: start };
    this.idleArmedAtMs = null;
    this.send({
      type: 'input_audio_buffer.speech_started',
      audio_start_ms: Math.round(start),
      item_id: itemId,
    });
    const td = this.configValue.audio.input.turn_detection;
    if (td?.interrupt_response && this.active && !this.active.cancel && this.active.conversation === 'auto') {
      this.requestCancel(this.active, 'turn_detected', 0);
    }
  }

  private onSpeechStopped(audioEndMs: number): void {
    const speech = this.speech;
    if (!speech) return;
    this.speech = null;
    this.send({
      type: 'input_audio_buffer.speech_stopped',
      audio_end_ms: Math.round(audioEndMs),
      item_id: speech.itemId,
    });
    this.commitUserAudio(speech.itemId, speech.audioStartMs, audioEndMs, 'vad');
    const td = this.configValue.audio.input.turn_detection;
    if (!td?.create_response) return;
    if (!this.active) this.startResponse(this.player.nextReply(), defaultResponseParams(this.configValue));
    // the interrupted response is still winding down: answer this turn right after it
    else if (this.active.cancel) this.deferredAutoResponse = true;
  }

  private onCommit(): void {
    const durationMs = this.buffer.durationMs;
    if (durationMs < MIN_COMMIT_MS) {
      throw new RealtimeProtocolError(
        'input_audio_buffer_commit_empty',
        `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${durationMs.toFixed(2)}ms of audio.`,
        null,
      );
    }
    const itemId = this.speech?.itemId ?? newId('item');
    this.speech = null;
    this.vad?.reset();
    this.commitUserAudio(itemId, this.buffer.startMs, this.buffer.endMs, 'manual');
  }

  private onClear(): void {
    this.buffer.clear();
    this.speech = null;
    this.vad?.reset();
    this.send({ type: 'input_audio_buffer.cleared' });
  }

  private commitUserAudio(
    itemId: string,
    fromMs: number,
    toMs: number,
    cause: 'vad' | 'manual' | 'idle',
  ): void {
    const format = this.buffer.audioFormat;
    const audio = this.buffer.take(fromMs, toMs);
    const transcript = cause === 'idle' ? null : this.player.userAudioCommitted();
    const previous = this.lastItemId();
    const record = this.newRecord(itemId, {
      id: itemId,
      object: 'realtime.item',
      type: 'message',
      status: 'completed',
      role: 'user',
      content: [{ type: 'input_audio', transcript }],
    });
    record.audioChunks = [audio];
    record.audioBytes = audio.length;
    record.audioFormat = format;
    record.text = transcript;
    this.itemList.push(record);
    this.send({ type: 'input_audio_buffer.committed', previous_item_id: previous, item_id: itemId });
    this.send({
      type: 'conversation.item.added',
      previous_item_id: previous,
      item: structuredClone(record.wire),
    });
    this.send({
      type: 'conversation.item.done',
      previous_item_id: previous,
      item: structuredClone(record.wire),
    });
    if (this.configValue.audio.input.transcription && transcript !== null) {
      this.send({
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: itemId,
        content_index: 0,
        transcript,
        usage: { type: 'duration', seconds: Math.round(audio.length / formatBytesPerMs(format)) / 1000 },
      });
    }
  }

  private checkIdleTimeout(): void {
    const td = this.configValue.audio.input.turn_detection;
    if (td?.type !== 'server_vad' || td.idle_timeout_ms === null) return;
    const armedAt = this.idleArmedAtMs;
    if (armedAt === null || this.active) return;
    const now = this.buffer.endMs;
    if (now < armedAt + td.idle_timeout_ms) return;
    this.idleArmedAtMs = null;
    const itemId = newId('item');
    this.send({
      type: 'input_audio_buffer.timeout_triggered',
      audio_start_ms: Math.round(armedAt),
      audio_end_ms: Math.round(now),
      item_id: itemId,
    });
    this.commitUserAudio(itemId, Math.max(armedAt, this.buffer.startMs), now, 'idle');
    this.startResponse(this.player.idleReply(), defaultResponseParams(this.configValue));
  }

  // ---- conversation items ------------------------------------------------------------------

  private onItemCreate(event: Record<string, unknown>): void {
    const item = expectObject(event.item, 'item');
    let previous: string | null = this.lastItemId();
    let insertAt = this.itemList.length;
    if (event.previous_item_id !== undefined) {
      const prevId = expectString(event.previous_item_id, 'previous_item_id');
      if (prevId === 'root') {
        previous = null;
        insertAt = 0;
      } else {
        const at = this.itemList.findIndex((r) => r.id === prevId);
        if (at < 0) {
          throw new RealtimeProtocolError(
            'invalid_value',
            `Previous item with item_id '${prevId}' not found in the conversation.`,
            'previous_item_id',
          );
        }
        previous = prevId;
        insertAt = at + 1;
      }
    }
    let id = newId('item');
    if (item.id !== undefined) {
      id = expectString(item.id, 'item.id');
      if (this.itemList.some((r) => r.id === id)) {
        throw new RealtimeProtocolError('invalid_value', `Item with id '${id}' already exists.`, 'item.id');
      }
    }
    if (!('type' in item)) {
      throw new RealtimeProtocolError(
        'missing_required_parameter',
        "Missing required parameter: 'item.type'.",
        'item.type',
      );
    }
    const type = expectEnum(item.type, ['message', 'function_call', 'function_call_output'], 'item.type');
    let record: ItemRecord;
    let onAdded: () => void = () => {};
    if (type === 'message') {
      const built = this.buildMessageItem(id, item);
      record = built.record;
      onAdded = built.onAdded;
    } else if (type === 'function_call') {
      checkKeys(item, ['id', 'type', 'object', 'status', 'name', 'call_id', 'arguments'], 'item');
      const callId = item.call_id === undefined ? newId('call') : expectString(item.call_id, 'item.call_id');
      record = this.newRecord(id, {
        id,
        object: 'realtime.item',
        type: 'function_call',
        status: 'completed',
        name: expectString(item.name, 'item.name'),
        call_id: callId,
        arguments: item.arguments === undefined ? '' : expectString(item.arguments, 'item.arguments'),
      });
    } else {
      checkKeys(item, ['id', 'type', 'object', 'status', 'call_id', 'output'], 'item');
      const callId = expectString(item.call_id, 'item.call_id');
      const output = expectString(item.output, 'item.output');
      const hasCall = this.itemList.some((r) => r.wire.type === 'function_call' && r.wire.call_id === callId);
      if (!hasCall) {
        throw new RealtimeProtocolError(
          'invalid_value',
          `Tool call ID '${callId}' not found in conversation.`,
          'item.call_id',
        );
      }
      record = this.newRecord(id, {
        id,
        object: 'realtime.item',
        type: 'function_call_output',
        status: 'completed',
        call_id: callId,
        output,
      });
      onAdded = () => this.player.functionOutput(callId);
    }
    this.itemList.splice(insertAt, 0, record);
    onAdded();
    this.send({
      type: 'conversation.item.added',
      previous_item_id: previous,
      item: structuredClone(record.wire),
    });
    this.send({
      type: 'conversation.item.done',
      previous_item_id: previous,
      item: structuredClone(record.wire),
    });
  }

  private buildMessageItem(
    id: string,
    item: Record<string, unknown>,
  ): { record: ItemRecord; onAdded: () => void } {
    checkKeys(item, ['id', 'type', 'object', 'status', 'role', 'content'], 'item');
    if (!('role' in item)) {
      throw new RealtimeProtocolError(
        'missing_required_parameter',
        "Missing required parameter: 'item.role'.",
        'item.role',
      );
    }
    const role = expectEnum(item.role, ['user', 'system', 'assistant'], 'item.role');
    const content = expectArray(item.content, 'item.content');
    const allowed =
      role === 'user'
        ? (['input_text', 'input_audio', 'input_image'] as const)
        : role === 'system'
          ? (['input_text'] as const)
          : (['output_text', 'text'] as const);
    const wireContent: Record<string, unknown>[] = [];
    const texts: string[] = [];
    let audio: Uint8Array | null = null;
    content.forEach((entry, i) => {
      const path = `item.content[${i}]`;
      const part = expectObject(entry, path);
      const partType = expectEnum(part.type, allowed as readonly string[], `${path}.type`);
      if (partType === 'input_audio') {
        checkKeys(part, ['type', 'audio', 'transcript'], path);
        const bytes = decodeBase64Strict(expectString(part.audio, `${path}.audio`));
        if (!bytes) {
          throw new RealtimeProtocolError(
            'invalid_value',
            `Invalid '${path}.audio'. Expected base64-encoded audio bytes, but got invalid data.`,
            `${path}.audio`,
          );
        }
        audio = bytes;
        const transcript =
          part.transcript === undefined ? null : expectString(part.transcript, `${path}.transcript`);
        wireContent.push({ type: 'input_audio', transcript });
      } else if (partType === 'input_image') {
        checkKeys(part, ['type', 'image_url', 'detail'], path);
        wireContent.push({
          type: 'input_image',
          image_url: expectString(part.image_url, `${path}.image_url`),
        });
      } else {
        checkKeys(part, ['type', 'text'], path);
        const text = expectString(part.text, `${path}.text`);
        texts.push(text);
        wireContent.push({ type: partType === 'text' ? 'output_text' : partType, text });
      }
    });
    const record = this.newRecord(id, {
      id,
      object: 'realtime.item',
      type: 'message',
      status: 'completed',
      role,
      content: wireContent,
    });
    record.text = texts.length > 0 ? texts.join('\n') : null;
    if (audio) {
      const bytes: Uint8Array = audio;
      record.audioChunks = [bytes];
      record.audioBytes = bytes.length;
      record.audioFormat = this.configValue.audio.input.format;
    }
    const onAdded = () => {
      if (role === 'assistant') return;
      for (const text of texts) this.player.textItem(role, text);
    };
    return { record, onAdded };
  }

  private onItemRetrieve(event: Record<string, unknown>): void {
    const itemId = expectString(event.item_id, 'item_id');
    const record = this.itemList.find((r) => r.id === itemId);
    if (!record) {
      throw new RealtimeProtocolError(
        'item_retrieve_invalid_item_id',
        `Item with item_id '${itemId}' not found.`,
        'item_id',
      );
    }
    const item = structuredClone(record.wire);
    if (record.audioFormat && Array.isArray(item.content)) {
      const part = (item.content as Record<string, unknown>[]).find(
        (c) => c.type === 'input_audio' || c.type === 'output_audio',
      );
      if (part) part.audio = encodeBase64(joinChunks(record.audioChunks, record.audioBytes));
    }
    this.send({ type: 'conversation.item.retrieved', item });
  }

  private onItemDelete(event: Record<string, unknown>): void {
    const itemId = expectString(event.item_id, 'item_id');
    const at = this.itemList.findIndex((r) => r.id === itemId);
    if (at < 0) {
      throw new RealtimeProtocolError(
        'item_delete_invalid_item_id',
        `Item with item_id '${itemId}' not found.`,
        'item_id',
      );
    }
    this.itemList.splice(at, 1);
    this.send({ type: 'conversation.item.deleted', item_id: itemId });
  }

  private onItemTruncate(event: Record<string, unknown>): void {
    const itemId = expectString(event.item_id, 'item_id');
    const contentIndex = expectNumber(event.content_index, 'content_index', { min: 0, integer: true });
    const audioEndMs = expectNumber(event.audio_end_ms, 'audio_end_ms', { min: 0, integer: true });
    const record = this.itemList.find((r) => r.id === itemId);
    if (!record) {
      throw new RealtimeProtocolError(
        'item_truncate_invalid_item_id',
        `Item with item_id '${itemId}' not found.`,
        'item_id',
      );
    }
    const content = Array.isArray(record.wire.content)
      ? (record.wire.content as Record<string, unknown>[])
      : [];
    const part = content[contentIndex];
    if (record.wire.role !== 'assistant' || !record.audioFormat || part?.type !== 'output_audio') {
      throw new RealtimeProtocolError(
        'unsupported_content_type',
        'Only model output audio messages can be truncated',
        'item_id',
      );
    }
    const bytesPerMs = formatBytesPerMs(record.audioFormat);
    const haveMs = record.audioBytes / bytesPerMs;
    if (audioEndMs > haveMs) {
      throw new RealtimeProtocolError(
        'invalid_value',
        `Audio content of ${Math.floor(haveMs)}ms is already shorter than ${audioEndMs}ms`,
        'audio_end_ms',
      );
    }
    const keepBytes = Math.round(audioEndMs * bytesPerMs);
    const audio = joinChunks(record.audioChunks, record.audioBytes).slice(0, keepBytes);
    record.audioChunks = [audio];
    record.audioBytes = audio.length;
    record.truncatedAtMs = audioEndMs;
    record.heardText = heardPortion(record.text ?? '', audioEndMs, record.plannedAudioMs);
    // the real API drops the server-side transcript so the model never "remembers" unheard words
    part.transcript = '';
    this.send({
      type: 'conversation.item.truncated',
      item_id: itemId,
      content_index: contentIndex,
      audio_end_ms: audioEndMs,
    });
  }

  // ---- responses ---------------------------------------------------------------------------

  private onResponseCreate(event: Record<string, unknown>): void {
    if (this.active) {
      throw new RealtimeProtocolError(
        'conversation_already_has_active_response',
        `Conversation already has an active response in progress: ${this.active.id}. Wait until the response is finished before creating a new one.`,
        null,
      );
    }
    const params = defaultResponseParams(this.configValue);
    if (event.response !== undefined) {
      const r = expectObject(event.response, 'response');
      checkKeys(
        r,
        [
          'audio',
          'conversation',
          'input',
          'instructions',
          'max_output_tokens',
          'metadata',
          'output_modalities',
          'prompt',
          'tool_choice',
          'tools',
        ],
        'response',
      );
      if ('output_modalities' in r)
        params.modalities = parseModalities(r.output_modalities, 'response.output_modalities');
      if ('conversation' in r)
        params.conversation = expectEnum(r.conversation, ['auto', 'none'], 'response.conversation');
      if ('instructions' in r) expectString(r.instructions, 'response.instructions');
      if ('tools' in r) parseTools(r.tools, 'response.tools');
      if ('tool_choice' in r) parseToolChoice(r.tool_choice, 'response.tool_choice');
      if ('input' in r) expectArray(r.input, 'response.input');
      if ('max_output_tokens' in r) {
        params.maxOutputTokens = parseMaxOutputTokens(r.max_output_tokens, 'response.max_output_tokens');
      }
      if ('metadata' in r)
        params.metadata = r.metadata === null ? null : expectObject(r.metadata, 'response.metadata');
      if ('audio' in r) {
        const audio = expectObject(r.audio, 'response.audio');
        checkKeys(audio, ['output'], 'response.audio');
        if ('output' in audio) {
          const output = expectObject(audio.output, 'response.audio.output');
          checkKeys(output, ['format', 'voice'], 'response.audio.output');
          if ('format' in output) params.format = parseFormat(output.format, 'response.audio.output.format');
          if ('voice' in output) {
            params.voice =
              typeof output.voice === 'string'
                ? output.voice
                : {
                    id: expectString(
                      expectObject(output.voice, 'response.audio.output.voice').id,
                      'response.audio.output.voice.id',
                    ),
                  };
          }
        }
      }
    }
    this.startResponse(this.player.nextReply(), params);
  }

  private onResponseCancel(event: Record<string, unknown>): void {
    const wanted = event.response_id === undefined ? null : expectString(event.response_id, 'response_id');
    const active = this.active;
    if (!active || active.cancel || (wanted !== null && wanted !== active.id)) {
      throw new RealtimeProtocolError(
        'response_cancel_not_active',
        'Cancellation failed: no active response found',
        null,
      );
    }
    this.requestCancel(active, 'client_cancelled', this.faultPlan.lateDeltasAfterCancel ?? 0);
  }

  private requestCancel(
    r: ActiveResponse,
    reason: 'turn_detected' | 'client_cancelled',
    lateDeltas: number,
  ): void {
    r.cancel = { reason, lateDeltas };
    r.sleeper.wake();
  }

  private cancelActiveSilently(): void {
    const r = this.active;
    if (!r) return;
    r.cancel ??= { reason: 'client_cancelled', lateDeltas: 0 };
    r.sleeper.wake();
  }

  private startResponse(plan: PlannedReply, params: ResponseParams): void {
    const r: ActiveResponse = {
      id: newId('resp'),
      conversation: params.conversation,
      modalities: params.modalities,
      format: params.format,
      voice: params.voice,
      maxOutputTokens: params.maxOutputTokens,
      metadata: params.metadata,
      plan,
      output: [],
      cancel: null,
      audioMsSent: 0,
      textSent: '',
      inputMsAtStart: this.buffer.endMs,
      inputTokens: this.countInputTokens(),
      sleeper: new Sleeper(this.clock),
    };
    this.active = r;
    this.replyLog.push({ responseId: r.id, source: plan.source, text: plan.text, toolCalls: plan.toolCalls });
    void this.runResponse(r)
      .catch(() => {
        // a socket that died mid-write ends the response; the close handler does the bookkeeping
      })
      .finally(() => {
        if (this.active === r) this.active = null;
      });
  }

  private async runResponse(r: ActiveResponse): Promise<void> {
    this.send({ type: 'response.created', response: this.responseObject(r, 'in_progress') });
    const latency = r.plan.latencyMs + (this.faultPlan.firstDeltaLatencyMs ?? 0);
    if (latency > 0) await r.sleeper.sleep(latency);
    let outputIndex = 0;
    if (r.plan.text.length > 0 && !r.cancel && this.open) {
      const finished = await this.streamMessage(r, outputIndex++);
      if (!finished) return;
    }
    const emitted: string[] = [];
    for (const call of r.plan.toolCalls) {
      if (r.cancel || !this.open) break;
      await this.streamFunctionCall(r, call, outputIndex++);
      emitted.push(call.callId);
    }
    if (!r.cancel && emitted.length > 0) this.player.expectToolOutputs(emitted, r.plan.afterTools);
    this.finishResponse(r);
  }

  /** Streams the assistant message; false when the socket was dropped mid-way (a fault). */
  private async streamMessage(r: ActiveResponse, outputIndex: number): Promise<boolean> {
    const itemId = newId('item');
    const audioMode = r.modalities[0] === 'audio';
    const record = this.newRecord(itemId, {
      id: itemId,
      object: 'realtime.item',
      type: 'message',
      status: 'in_progress',
      role: 'assistant',
      content: [],
    });
    record.text = r.plan.text;
    const previous = this.addResponseItem(r, record);
    this.send({
      type: 'response.output_item.added',
      response_id: r.id,
      output_index: outputIndex,
      item: structuredClone(record.wire),
    });
    if (r.conversation === 'auto') {
      this.send({
        type: 'conversation.item.added',
        previous_item_id: previous,
        item: structuredClone(record.wire),
      });
    }
    const ids = { response_id: r.id, item_id: itemId, output_index: outputIndex, content_index: 0 };
    this.send({
      type: 'response.content_part.added',
      ...ids,
      part: audioMode ? { type: 'audio', transcript: '' } : { type: 'text', text: '' },
    });
    const words = splitWords(r.plan.text);
    let wordsSent = 0;
    let part: Record<string, unknown>;
    if (audioMode) {
      record.audioFormat = r.format;
      // The content part exists from content_part.added on, so an item still being generated can be truncated.
      record.wire.content = [{ type: 'output_audio', transcript: '' }];
      const speed = this.configValue.audio.output.speed;
      const durationMs =
        r.plan.audioMs ?? Math.max(MIN_REPLY_AUDIO_MS, (r.plan.text.length * this.player.msPerChar) / speed);
      const audio = this.opts.replyAudio.render(durationMs, r.format);
      const bytesPerMs = formatBytesPerMs(r.format);
      record.plannedAudioMs = audio.length / bytesPerMs;
      const chunkBytes = alignedChunkBytes(this.opts.audioChunkMs, r.format);
      const chunkCount = Math.ceil(audio.length / chunkBytes);
      const startedAt = this.clock.now();
      for (let i = 0; i < chunkCount; i++) {
        if (!this.open) return false;
        if (r.cancel) {
          if (r.cancel.lateDeltas <= 0) break;
          r.cancel.lateDeltas--;
        }
        const due = Math.ceil(((i + 1) * words.length) / chunkCount);
        if (due > wordsSent) {
          const delta = words.slice(wordsSent, due).join('');
          wordsSent = due;
          r.textSent += delta;
          this.send({ type: 'response.output_audio_transcript.delta', ...ids, delta });
        }
        const chunk = audio.subarray(i * chunkBytes, Math.min(audio.length, (i + 1) * chunkBytes));
        this.send({ type: 'response.output_audio.delta', ...ids, delta: encodeBase64(chunk) });
        if (record.truncatedAtMs === null) {
          record.audioChunks.push(chunk);
          record.audioBytes += chunk.length;
        }
        r.audioMsSent += chunk.length / bytesPerMs;
        this.audioProduced = true;
        this.audioDeltaCount++;
        const drop = this.faultPlan.dropSocket;
        if (drop && this.audioDeltaCount >= drop.afterAudioDeltas) {
          this.dropSocket(drop.mode);
          return false;
        }
        if (!r.cancel) {
          const target = startedAt + pacedDurationMs(this.opts.pacing, (i + 1) * this.opts.audioChunkMs);
          await r.sleeper.sleep(Math.max(0, target - this.clock.now()));
        }
      }
      if (!this.open) return false;
      if (!r.cancel && wordsSent < words.length) {
        const delta = words.slice(wordsSent).join('');
        r.textSent += delta;
        this.send({ type: 'response.output_audio_transcript.delta', ...ids, delta });
      }
      const transcript = r.cancel ? r.textSent : r.plan.text;
      this.send({ type: 'response.output_audio.done', ...ids });
      this.send({ type: 'response.output_audio_transcript.done', ...ids, transcript });
      part = { type: 'audio', transcript };
      // A truncated item keeps the empty server-side transcript the truncate left.
      record.wire.content = [
        { type: 'output_audio', transcript: record.truncatedAtMs === null ? transcript : '' },
      ];
    } else {
      for (const word of words) {
        if (r.cancel || !this.open) break;
        r.textSent += word;
        this.send({ type: 'response.output_text.delta', ...ids, delta: word });
        await r.sleeper.sleep(0);
      }
      if (!this.open) return false;
      const text = r.cancel ? r.textSent : r.plan.text;
      this.send({ type: 'response.output_text.done', ...ids, text });
      part = { type: 'text', text };
      record.wire.content = [{ type: 'output_text', text }];
    }
    record.wire.status = r.cancel ? 'incomplete' : 'completed';
    this.send({ type: 'response.content_part.done', ...ids, part });
    this.send({
      type: 'response.output_item.done',
      response_id: r.id,
      output_index: outputIndex,
      item: structuredClone(record.wire),
    });
    if (r.conversation === 'auto') {
      this.send({
        type: 'conversation.item.done',
        previous_item_id: previous,
        item: structuredClone(record.wire),
      });
    }
    return true;
  }

  private async streamFunctionCall(
    r: ActiveResponse,
    call: PlannedToolCall,
    outputIndex: number,
  ): Promise<void> {
    const itemId = newId('item');
    const record = this.newRecord(itemId, {
      id: itemId,
      object: 'realtime.item',
      type: 'function_call',
      status: 'in_progress',
      name: call.name,
      call_id: call.callId,
      arguments: '',
    });
    const previous = this.addResponseItem(r, record);
    this.send({
      type: 'response.output_item.added',
      response_id: r.id,
      output_index: outputIndex,
      item: structuredClone(record.wire),
    });
    if (r.conversation === 'auto') {
      this.send({
        type: 'conversation.item.added',
        previous_item_id: previous,
        item: structuredClone(record.wire),
      });
    }
    const ids = { response_id: r.id, item_id: itemId, output_index: outputIndex, call_id: call.callId };
    for (const delta of splitArguments(call.arguments)) {
      this.send({ type: 'response.function_call_arguments.delta', ...ids, delta });
      await r.sleeper.sleep(0);
      if (!this.open) return;
    }
    this.send({
      type: 'response.function_call_arguments.done',
      ...ids,
      name: call.name,
      arguments: call.arguments,
    });
    record.wire.status = 'completed';
    record.wire.arguments = call.arguments;
    r.textSent += call.arguments;
    this.send({
      type: 'response.output_item.done',
      response_id: r.id,
      output_index: outputIndex,
      item: structuredClone(record.wire),
    });
    if (r.conversation === 'auto') {
      this.send({
        type: 'conversation.item.done',
        previous_item_id: previous,
        item: structuredClone(record.wire),
      });
    }
  }

  private finishResponse(r: ActiveResponse): void {
    if (this.active === r) this.active = null;
    if (!this.open) return;
    const status = r.cancel ? 'cancelled' : 'completed';
    this.send({ type: 'response.done', response: this.responseObject(r, status) });
    const usage = this.usage(r);
    this.send({
      type: 'rate_limits.updated',
      rate_limits: [
        { name: 'requests', limit: 20_000, remaining: 19_999, reset_seconds: 0.003 },
        { name: 'tokens', limit: 4_000_000, remaining: 4_000_000 - usage.total_tokens, reset_seconds: 0.06 },
      ],
    });
    // the idle timeout counts from when the reply's audio would have finished playing
    this.idleArmedAtMs = Math.max(this.buffer.endMs, r.inputMsAtStart + r.audioMsSent);
    if (this.deferredAutoResponse) {
      this.deferredAutoResponse = false;
      this.startResponse(this.player.nextReply(), defaultResponseParams(this.configValue));
    }
  }

  private responseObject(
    r: ActiveResponse,
    status: 'in_progress' | 'completed' | 'cancelled',
  ): Record<string, unknown> {
    return {
      object: 'realtime.response',
      id: r.id,
      status,
      status_details:
        r.cancel && status === 'cancelled' ? { type: 'cancelled', reason: r.cancel.reason } : null,
      output: status === 'in_progress' ? [] : r.output.map((i) => structuredClone(i.wire)),
      conversation_id: r.conversation === 'auto' ? this.conversationId : null,
      output_modalities: r.modalities,
      max_output_tokens: r.maxOutputTokens,
      audio: { output: { format: r.format, voice: r.voice } },
      usage: status === 'in_progress' ? null : this.usage(r),
      metadata: r.metadata,
    };
  }

  private usage(r: ActiveResponse) {
    const outText = tokensForText(r.textSent);
    const outAudio = Math.ceil(r.audioMsSent / 50);
    const input = r.inputTokens.text + r.inputTokens.audio;
    return {
      total_tokens: input + outText + outAudio,
      input_tokens: input,
      output_tokens: outText + outAudio,
      input_token_details: {
        text_tokens: r.inputTokens.text,
        audio_tokens: r.inputTokens.audio,
        image_tokens: 0,
        cached_tokens: 0,
        cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
      },
      output_token_details: { text_tokens: outText, audio_tokens: outAudio },
    };
  }

  /** Rough token counts of the context: ~4 characters per text token, 10 input audio tokens per second. */
  private countInputTokens(): { text: number; audio: number } {
    let text = tokensForText(this.configValue.instructions);
    let audio = 0;
    for (const r of this.itemList) {
      if (r.text) text += tokensForText(r.text);
      if (typeof r.wire.output === 'string') text += tokensForText(r.wire.output);
      if (typeof r.wire.arguments === 'string') text += tokensForText(r.wire.arguments);
      if (r.audioFormat) {
        const ms = r.audioBytes / formatBytesPerMs(r.audioFormat);
        audio += Math.ceil(r.wire.role === 'assistant' ? ms / 50 : ms / 100);
      }
    }
    return { text, audio };
  }

  // ---- items helpers -----------------------------------------------------------------------

  private newRecord(id: string, wire: Record<string, unknown>): ItemRecord {
    return {
      id,
      wire,
      audioChunks: [],
      audioBytes: 0,
      audioFormat: null,
      text: null,
      heardText: null,
      plannedAudioMs: 0,
      truncatedAtMs: null,
    };
  }

  /** Adds a response's output item to the response and (unless out-of-band) the conversation. */
  private addResponseItem(r: ActiveResponse, record: ItemRecord): string | null {
    r.output.push(record);
    if (r.conversation !== 'auto') return null;
    const previous = this.lastItemId();
    this.itemList.push(record);
    return previous;
  }

  private lastItemId(): string | null {
    return this.itemList.at(-1)?.id ?? null;
  }

  private itemView(r: ItemRecord): SimConversationItem {
    return {
      id: r.id,
      item: structuredClone(r.wire),
      audio: r.audioFormat ? joinChunks(r.audioChunks, r.audioBytes) : null,
      audioMs: r.audioFormat ? r.audioBytes / formatBytesPerMs(r.audioFormat) : 0,
      text: r.text,
      heardText: r.heardText,
      truncatedAtMs: r.truncatedAtMs,
    };
  }
}

interface ResponseParams {
  conversation: 'auto' | 'none';
  modalities: Array<'audio' | 'text'>;
  format: RealtimeAudioFormat;
  voice: string | { id: string };
  maxOutputTokens: number | 'inf';
  metadata: Record<string, unknown> | null;
}

function defaultResponseParams(config: SimSessionConfig): ResponseParams {
  return {
    conversation: 'auto',
    modalities: [...config.output_modalities],
    format: config.audio.output.format,
    voice: config.audio.output.voice,
    maxOutputTokens: config.max_output_tokens,
    metadata: null,
  };
}

function vadOptions(td: TurnDetectionConfig) {
  if (td.type === 'server_vad') {
    return {
      threshold: td.threshold,
      prefixPaddingMs: td.prefix_padding_ms,
      silenceDurationMs: td.silence_duration_ms,
    };
  }
  return { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: SEMANTIC_SILENCE_MS[td.eagerness] };
}

function alignedChunkBytes(chunkMs: number, format: RealtimeAudioFormat): number {
  const bytes = Math.max(1, Math.round(chunkMs * formatBytesPerMs(format)));
  return format.type === 'audio/pcm' ? bytes + (bytes % 2) : bytes;
}

/** Words with their trailing whitespace, so joining them gives the text back. */
function splitWords(text: string): string[] {
  const words = text.match(/\S+\s*/g) ?? [];
  const lead = text.match(/^\s+/)?.[0];
  if (lead && words.length > 0) words[0] = lead + words[0];
  return words;
}

function splitArguments(args: string): string[] {
  if (args.length === 0) return [];
  const size = Math.max(1, Math.ceil(args.length / 3));
  const out: string[] = [];
  for (let at = 0; at < args.length; at += size) out.push(args.slice(at, at + size));
  return out;
}

function heardPortion(text: string, heardMs: number, totalMs: number): string {
  if (totalMs <= 0) return '';
  const words = splitWords(text);
  const count = Math.floor((words.length * Math.min(heardMs, totalMs)) / totalMs);
  return words.slice(0, count).join('').trimEnd();
}

function tokensForText(text: string): number {
  return Math.ceil(text.length / 4);
}

function joinChunks(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === total) return chunks[0]!.slice();
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c.subarray(0, Math.min(c.length, total - at)), at);
    at += c.length;
    if (at >= total) break;
  }
  return out;
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function redactAudio(event: Record<string, unknown>): Record<string, unknown> {
  const out = { ...event };
  for (const key of ['audio', 'delta'] as const) {
    if (key === 'delta' && event.type !== 'response.output_audio.delta') continue;
    if (typeof out[key] === 'string') out[key] = `<base64 ${(out[key] as string).length} chars>`;
  }
  return out;
}
