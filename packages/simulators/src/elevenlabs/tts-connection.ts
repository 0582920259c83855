/**
 * One text-to-speech WebSocket, single-context (`stream-input`) or multi-context
 * (`multi-stream-input`). Client messages use the wire names of the SDK's serialisers
 * (`voice_settings`, `generation_config.chunk_length_schedule`, `try_trigger_generation`, `flush`,
 * `context_id`, `close_context`, `close_socket`); server messages carry `audio`, `alignment`,
 * `normalizedAlignment`, `isFinal` and, in multi-context mode, `contextId`. A message the protocol
 * does not allow closes the socket with 1008 and a reason naming it, as the API closes on policy
 * violations (the reason is cut to the 123 bytes a close frame holds).
 */
import type { RawData, WebSocket } from 'ws';
import type { SimClock } from '../openai-realtime/pacing.ts';
import { JsonSocket } from '../support/json-socket.ts';
import type { OutputFormat } from './output-format.ts';
import { type AudioMessage, TtsContext } from './tts-context.ts';

/** The documented message when no text arrives within `inactivity_timeout` (default 20 s). */
export function inactivityMessage(seconds: number): string {
  return `Have not received a new text input within the timeout of ${seconds} seconds. Streaming input terminated. Please make sure to either feed the input in the timely manner, or to send the end of input text (empty string "") when done.`;
}

/** Faults a connection can play. */
export interface TtsFaults {
  /** Close the socket (code, default 1011) once this many audio messages have gone out on it. */
  closeAfterAudioMessages?: { count: number; code?: number };
}

/** What a connection needs from the simulator. */
export interface TtsConnectionOptions {
  voiceId: string;
  modelId: string;
  format: OutputFormat;
  multiContext: boolean;
  inactivityTimeoutS: number;
  /** The key sent in the header, or null (then the first message must carry it). */
  headerKey: string | null;
  checkKey: (key: string) => boolean;
  clock: SimClock;
  synthesisDelayMs: () => number;
  faults: () => TtsFaults;
}

/** A message the client sent, as logged. */
export interface TtsClientMessage {
  atMs: number;
  message: Record<string, unknown>;
}

const DEFAULT_CONTEXT = '';
const MAX_CLOSE_REASON_BYTES = 123;

/** One connection's protocol state. */
export class TtsConnection {
  readonly voiceId: string;
  readonly modelId: string;
  readonly format: OutputFormat;
  readonly multiContext: boolean;
  /** Client messages, in order. */
  readonly received: TtsClientMessage[] = [];
  private readonly socket: JsonSocket;
  private readonly opts: TtsConnectionOptions;
  private readonly contexts = new Map<string, TtsContext>();
  private authorised: boolean;
  private audioMessages = 0;
  private inactivity: unknown = null;

  constructor(socket: WebSocket, opts: TtsConnectionOptions) {
    this.opts = opts;
    this.voiceId = opts.voiceId;
    this.modelId = opts.modelId;
    this.format = opts.format;
    this.multiContext = opts.multiContext;
    this.authorised = opts.headerKey !== null;
    this.socket = new JsonSocket(socket, () => this.stop());
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.armInactivity();
  }

  /** Server messages, in order (audio as sent). */
  get sent(): Array<Record<string, unknown>> {
    return this.socket.sent;
  }

  /** Resolves with the close code and reason. */
  get closed(): Promise<{ code: number; reason: string }> {
    return this.socket.closed;
  }

  /** Characters synthesised on this connection, all contexts. */
  get charactersSynthesised(): number {
    let total = 0;
    for (const c of this.contexts.values()) total += c.charactersSynthesised;
    return total;
  }

  /** Audio messages sent (optionally for one context). */
  audioSent(contextId?: string): Array<Record<string, unknown>> {
    return this.sent.filter((m) => 'audio' in m && (contextId === undefined || m.contextId === contextId));
  }

  /** Closes with a code and reason now (a scripted failure). */
  drop(code = 1011, reason = 'Internal server error'): void {
    this.close(code, reason);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (!this.socket.isOpen) return;
    this.armInactivity();
    let message: Record<string, unknown>;
    try {
      if (isBinary) throw new Error('binary');
      const parsed: unknown = JSON.parse(String(data));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      message = parsed as Record<string, unknown>;
    } catch {
      this.close(1008, 'Invalid message: expected a JSON object');
      return;
    }
    this.received.push({ atMs: this.opts.clock.now(), message });
    const problem = this.handle(message);
    if (problem) this.close(1008, problem);
  }

  /** Handles one message; returns why it is refused, or null. */
  private handle(m: Record<string, unknown>): string | null {
    if (!this.authorised) {
      const key = messageKey(m);
      if (key === null || !this.opts.checkKey(key)) return 'Invalid API key';
      this.authorised = true;
    } else if (m['xi-api-key'] !== undefined || m.xi_api_key !== undefined) {
      if (this.contexts.size > 0) return 'xi-api-key can only be provided in the first message';
    }
    if (this.multiContext && m.close_socket === true) {
      void this.closeSocketGracefully();
      return null;
    }
    const contextId = this.multiContext ? contextIdOf(m) : DEFAULT_CONTEXT;
    if (contextId === undefined) return 'context_id must be a string';
    if (this.multiContext && m.close_context === true) {
      const ctx = this.contexts.get(contextId);
      if (ctx) this.finishContext(contextId, ctx, true);
      return null;
    }
    if (m.text !== undefined && typeof m.text !== 'string') return 'text must be a string';
    const text = (m.text as string | undefined) ?? '';
    let ctx = this.contexts.get(contextId);
    if (!ctx) {
      const settings = readSettings(m);
      if (typeof settings === 'string') return settings;
      ctx = new TtsContext(
        {
          format: this.format,
          synthesisDelayMs: this.opts.synthesisDelayMs,
          sleep: (ms) => new Promise((r) => this.opts.clock.setTimeout(r, ms)),
          sendAudio: (audio) => this.sendAudio(contextId, audio),
        },
        settings,
      );
      this.contexts.set(contextId, ctx);
    } else if (m.voice_settings !== undefined || m.generation_config !== undefined) {
      return 'voice_settings and generation_config can only be provided in the first message';
    }
    if (text === '' && m.flush !== true) {
      // single context: the end of input; multi-context: a keep-alive for the context
      if (!this.multiContext) void this.endOfInput(ctx);
      return null;
    }
    const texts = ctx.buffer.add(text === ' ' && ctx.buffer.length === 0 ? '' : text, {
      tryTrigger: m.try_trigger_generation === true,
    });
    if (m.flush === true) {
      const rest = ctx.buffer.flush();
      if (rest !== null) texts.push(rest);
    }
    void ctx.generate(texts);
    return null;
  }

  private async endOfInput(ctx: TtsContext): Promise<void> {
    const rest = ctx.buffer.flush();
    await ctx.generate(rest === null ? [] : [rest]);
    if (!this.socket.isOpen) return;
    this.send({ isFinal: true });
    this.close(1000, '');
  }

  private finishContext(contextId: string, ctx: TtsContext, dropUnsent: boolean): void {
    if (dropUnsent) ctx.close();
    this.contexts.delete(contextId);
    this.send({ isFinal: true, contextId });
  }

  private async closeSocketGracefully(): Promise<void> {
    // contexts already flushing finish their audio first, as the docs say
    await Promise.all([...this.contexts.values()].map((c) => c.idle()));
    for (const [id, ctx] of [...this.contexts]) this.finishContext(id, ctx, false);
    this.close(1000, '');
  }

  private sendAudio(contextId: string, audio: AudioMessage): boolean {
    if (!this.socket.isOpen) return false;
    this.send(this.multiContext ? { ...audio, contextId } : { ...audio });
    this.audioMessages++;
    const fault = this.opts.faults().closeAfterAudioMessages;
    if (fault && this.audioMessages >= fault.count) {
      this.close(fault.code ?? 1011, 'Internal server error');
      return false;
    }
    return true;
  }

  private send(message: Record<string, unknown>): void {
    this.socket.send(message);
  }

  private close(code: number, reason: string): void {
    if (this.socket.close(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES))) this.stop();
  }

  /** Nothing more is generated or timed once the socket is closing. */
  private stop(): void {
    this.clearInactivity();
    for (const c of this.contexts.values()) c.close();
  }

  private armInactivity(): void {
    this.clearInactivity();
    const seconds = this.opts.inactivityTimeoutS;
    this.inactivity = this.opts.clock.setTimeout(
      () => this.close(1008, inactivityMessage(seconds)),
      seconds * 1000,
    );
  }

  private clearInactivity(): void {
    if (this.inactivity !== null) this.opts.clock.clearTimeout(this.inactivity);
    this.inactivity = null;
  }
}

function messageKey(m: Record<string, unknown>): string | null {
  const key = m['xi-api-key'] ?? m.xi_api_key;
  if (typeof key === 'string') return key;
  if (typeof m.authorization === 'string') return m.authorization.replace(/^Bearer\s+/i, '');
  return null;
}

function contextIdOf(m: Record<string, unknown>): string | undefined {
  const id = m.context_id ?? m.contextId;
  if (id === undefined) return DEFAULT_CONTEXT;
  return typeof id === 'string' ? id : undefined;
}

/** Reads a context's first-message settings; a string names what is wrong. */
function readSettings(m: Record<string, unknown>): { schedule?: number[]; speed?: number } | string {
  const out: { schedule?: number[]; speed?: number } = {};
  const vs = m.voice_settings;
  if (vs !== undefined && vs !== null) {
    if (typeof vs !== 'object' || Array.isArray(vs)) return 'voice_settings must be an object';
    const v = vs as Record<string, unknown>;
    for (const field of ['stability', 'similarity_boost', 'style'] as const) {
      if (v[field] !== undefined && !(typeof v[field] === 'number' && v[field] >= 0 && v[field] <= 1)) {
        return `voice_settings.${field} must be a number between 0 and 1`;
      }
    }
    if (v.use_speaker_boost !== undefined && typeof v.use_speaker_boost !== 'boolean') {
      return 'voice_settings.use_speaker_boost must be a boolean';
    }
    if (v.speed !== undefined) {
      if (!(typeof v.speed === 'number' && v.speed >= 0.7 && v.speed <= 1.2)) {
        return 'voice_settings.speed must be a number between 0.7 and 1.2';
      }
      out.speed = v.speed;
    }
  }
  const gc = m.generation_config;
  if (gc !== undefined && gc !== null) {
    if (typeof gc !== 'object' || Array.isArray(gc)) return 'generation_config must be an object';
    const schedule = (gc as Record<string, unknown>).chunk_length_schedule;
    if (schedule !== undefined) {
      const ok =
        Array.isArray(schedule) &&
        schedule.length > 0 &&
        schedule.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 50 && n <= 500);
      if (!ok) return 'generation_config.chunk_length_schedule must be integers between 50 and 500';
      out.schedule = schedule as number[];
    }
  }
  return out;
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  return bytes
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}
