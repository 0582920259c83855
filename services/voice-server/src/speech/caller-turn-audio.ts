/**
 * Keeps each caller turn's audio and hands the committed turn to a Transcriber in the background. No
 * I/O of its own; it never blocks the caller's frames.
 *
 * It follows the Realtime session's input audio timeline (milliseconds of audio appended since the
 * session began), the one `audio_start_ms` and `audio_end_ms` count, so it is fed exactly the audio
 * appended to the session, gap fill and held frames included. The last `lookbackMs` are always kept,
 * since `speech_started` arrives after the speech it reports began (its `audio_start_ms` includes
 * the VAD's prefix padding). A turn holds at most `maxTurnBytes`; the rest is cut and the turn is
 * marked truncated. At most `maxInFlight` transcriptions run at once; more wait, up to `maxQueued`.
 */
import { MULAW_BYTES_PER_MS } from '@switchboard/telephony';
import type { Transcriber, TranscriptionResult, TurnAudio } from '../ports/transcriber.ts';
import { base64Bytes } from './base64.ts';
import { failed } from './transcription-result.ts';

/** A committed caller turn and its transcription. */
export interface TranscribedTurn {
  itemId: string;
  /** Where the turn starts in the call's caller audio: ms of audio appended before it, all sessions. */
  startMs: number;
  /** Length of the audio transcribed. */
  durationMs: number;
  /** The turn was longer than `maxTurnBytes`: only its start was transcribed. */
  truncated: boolean;
  result: TranscriptionResult;
  /** From handing the turn to the transcriber to its answer (0 for a turn given up while waiting). */
  latencyMs: number;
}

export interface CallerTurnAudioOptions {
  /** None: turns are only kept (for {@link CallerTurnAudio.audioOf}), not transcribed. */
  transcriber?: Transcriber | undefined;
  /** Each committed turn's transcription, once it is known (in the order they finish). */
  onTranscript?: (turn: TranscribedTurn) => void;
  /** Committed turns whose audio is kept until {@link CallerTurnAudio.forget}; default 4. */
  keepCommitted?: number;
  /** Default 480,000 (60 s of mu-law). */
  maxTurnBytes?: number;
  /** Audio kept before speech starts; default 2000. */
  lookbackMs?: number;
  /** Default 2. */
  maxInFlight?: number;
  /** Turns waiting for a transcription slot; the oldest is given up beyond this. Default 8. */
  maxQueued?: number;
}

interface Chunk {
  payload: string;
  bytes: number;
  /** Timeline position of its first byte. */
  atMs: number;
}

/** A committed turn's audio: its chunks and where in them it lies; decoded once, when first asked. */
interface CommittedTurn {
  chunks: Chunk[];
  fromMs: number;
  toMs: number;
  mulaw?: Uint8Array;
}

interface KeptTurn {
  itemId: string;
  fromMs: number;
  /** Null while the caller is still speaking. */
  toMs: number | null;
  chunks: Chunk[];
  bytes: number;
  truncated: boolean;
}

interface Job {
  audio: TurnAudio;
  startMs: number;
  truncated: boolean;
}

/** Emptied slots at the head of the recent audio that are dropped together. */
const RECENT_COMPACT_AT = 256;

/** Turns kept at once (one being spoken, ones stopped and awaiting their commit). */
const MAX_KEPT_TURNS = 4;

/** One call's caller-turn audio. */
export class CallerTurnAudio {
  private readonly opts: Required<Omit<CallerTurnAudioOptions, 'transcriber' | 'onTranscript'>> &
    Pick<CallerTurnAudioOptions, 'onTranscript'> & { transcriber: Transcriber | undefined };
  /**
   * Committed turns' audio, oldest first, until their words are known: kept as the base64 chunks it
   * came in and decoded only when asked for ({@link audioOf}: a reconnect giving a turn back as audio),
   * so a call without an external transcriber copies no caller audio per turn.
   */
  private readonly committed = new Map<string, CommittedTurn>();
  private timelineMs = 0;
  /** Call audio before the current session's timeline began. */
  private earlierSessionsMs = 0;
  /** The last `lookbackMs` of audio, from `recentFrom` on (older slots are emptied, and dropped in batches). */
  private recent: Array<Chunk | undefined> = [];
  private recentFrom = 0;
  private turns: KeptTurn[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Set<AbortController>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  /** The caller's language, told to the transcriber with each turn. */
  private language: string | undefined;

  constructor(options: CallerTurnAudioOptions) {
    this.opts = {
      maxTurnBytes: 480_000,
      lookbackMs: 2000,
      maxInFlight: 2,
      maxQueued: 8,
      keepCommitted: 4,
      ...options,
      transcriber: options.transcriber,
    };
  }

  /**
   * Transcribe committed turns with `transcriber` from now on, reporting to `onTranscript` (the call's
   * profile, known after the audio keeper was made, asks for one).
   */
  useTranscriber(
    transcriber: Transcriber,
    onTranscript: (turn: TranscribedTurn) => void,
    language?: string,
  ): void {
    this.opts.transcriber = transcriber;
    this.opts.onTranscript = onTranscript;
    this.language = language;
  }

  /** A new Realtime session began (first connect, reconnect, renewal): its timeline starts at 0. */
  onSessionStart(): void {
    this.earlierSessionsMs += this.timelineMs;
    this.timelineMs = 0;
    this.recent = [];
    this.recentFrom = 0;
    this.turns = [];
  }

  /** Caller audio appended to the session (base64 mu-law), in order. */
  onAudio(payloadBase64: string): void {
    const bytes = base64Bytes(payloadBase64);
    if (bytes <= 0 || this.closed) return;
    const chunk: Chunk = { payload: payloadBase64, bytes, atMs: this.timelineMs };
    this.timelineMs += bytes / MULAW_BYTES_PER_MS;
    this.recent.push(chunk);
    const keepFrom = this.timelineMs - this.opts.lookbackMs;
    // An index moves past old chunks: shifting the array every frame moved all of it (100 chunks for 2 s).
    while (this.recent.length - this.recentFrom > 1 && endMs(this.recent[this.recentFrom]!) <= keepFrom)
      this.recent[this.recentFrom++] = undefined;
    if (this.recentFrom >= RECENT_COMPACT_AT) {
      this.recent = this.recent.slice(this.recentFrom);
      this.recentFrom = 0;
    }
    for (const turn of this.turns) if (turn.toMs === null) this.add(turn, chunk);
  }

  /** `input_audio_buffer.speech_started`. */
  onSpeechStarted(itemId: string, audioStartMs: number): void {
    if (this.closed) return;
    const oldest = this.recent[this.recentFrom]?.atMs ?? this.timelineMs;
    const fromMs = Math.min(Math.max(audioStartMs, oldest), this.timelineMs);
    const turn: KeptTurn = { itemId, fromMs, toMs: null, chunks: [], bytes: 0, truncated: false };
    for (let i = this.recentFrom; i < this.recent.length; i++) {
      const c = this.recent[i]!;
      if (endMs(c) > fromMs) this.add(turn, c);
    }
    this.turns.push(turn);
    if (this.turns.length > MAX_KEPT_TURNS) this.turns.shift();
  }

  /** `input_audio_buffer.speech_stopped`: the turn's audio ends at `audioEndMs`. */
  onSpeechStopped(itemId: string, audioEndMs: number): void {
    const turn = this.turns.find((t) => t.itemId === itemId);
    if (turn && turn.toMs === null) turn.toMs = Math.min(Math.max(audioEndMs, turn.fromMs), this.timelineMs);
  }

  /** `input_audio_buffer.committed`: the turn is a conversation item; transcribe it. */
  onCommitted(itemId: string): void {
    const at = this.turns.findIndex((t) => t.itemId === itemId);
    if (at < 0 || this.closed) return;
    const [turn] = this.turns.splice(at, 1);
    this.handOver(turn!);
  }

  /**
   * The audio of committed turn `itemId` (mu-law), while it is kept: until {@link forget}, or until
   * newer turns push it out. A turn whose words never came can be given back to a new session as audio.
   */
  audioOf(itemId: string): Uint8Array | undefined {
    const turn = this.committed.get(itemId);
    return turn ? this.decoded(turn) : undefined;
  }

  /** A committed turn's bytes (at most `maxTurnBytes`), decoded once; its chunks are let go then. */
  private decoded(turn: CommittedTurn): Uint8Array {
    if (!turn.mulaw) {
      turn.mulaw = cut(turn.chunks, turn.fromMs, turn.toMs).subarray(0, this.opts.maxTurnBytes);
      turn.chunks = [];
    }
    return turn.mulaw;
  }

  /** The words of `itemId` are known: its audio is no longer needed. */
  forget(itemId: string): void {
    this.committed.delete(itemId);
  }

  /** `input_audio_buffer.cleared`: uncommitted audio is gone. */
  onCleared(): void {
    this.turns = [];
  }

  /** Resolves once every turn handed over has been reported (the end of a call). */
  drain(): Promise<void> {
    if (this.running.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops: transcriptions still running are aborted and nothing more is reported. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.turns = [];
    this.recent = [];
    this.recentFrom = 0;
    this.committed.clear();
    for (const c of this.running) c.abort();
    this.wakeIdle();
  }

  private add(turn: KeptTurn, chunk: Chunk): void {
    if (turn.bytes >= this.opts.maxTurnBytes + this.lookbackBytes()) {
      turn.truncated = true;
      return;
    }
    turn.chunks.push(chunk);
    turn.bytes += chunk.bytes;
  }

  private lookbackBytes(): number {
    return this.opts.lookbackMs * MULAW_BYTES_PER_MS;
  }

  private handOver(turn: KeptTurn): void {
    const toMs = turn.toMs ?? this.timelineMs;
    const { from, to } = cutRange(turn.chunks, turn.fromMs, toMs);
    const length = to - from;
    if (length === 0) return;
    const truncated = turn.truncated || length > this.opts.maxTurnBytes;
    const committed: CommittedTurn = { chunks: turn.chunks, fromMs: turn.fromMs, toMs };
    // A transcriber needs the bytes now: decoded before the turn can be evicted from the kept ones.
    const mulaw = this.opts.transcriber ? this.decoded(committed) : undefined;
    this.committed.set(turn.itemId, committed);
    while (this.committed.size > this.opts.keepCommitted) {
      this.committed.delete(this.committed.keys().next().value!);
    }
    if (!this.opts.transcriber || !mulaw) return;
    const job: Job = {
      audio: {
        itemId: turn.itemId,
        mulaw,
        ...(this.language ? { language: this.language } : {}),
      },
      startMs: this.earlierSessionsMs + turn.fromMs,
      truncated,
    };
    if (this.running.size < this.opts.maxInFlight) {
      this.run(job);
      return;
    }
    this.queue.push(job);
    if (this.queue.length > this.opts.maxQueued) {
      const dropped = this.queue.shift()!;
      this.report(
        dropped,
        failed(this.opts.transcriber.provider, 'aborted', 'too many turns waiting for transcription', 0),
      );
    }
  }

  private run(job: Job): void {
    const controller = new AbortController();
    this.running.add(controller);
    const transcriber = this.opts.transcriber!;
    const provider = transcriber.provider;
    const startedAt = performance.now();
    let pending: Promise<TranscriptionResult>;
    try {
      pending = transcriber.transcribe(job.audio, controller.signal);
    } catch (e) {
      pending = Promise.reject(e);
    }
    // a Transcriber never rejects; one that does is reported as failed all the same
    void pending
      .catch((e: unknown) =>
        failed(provider, 'connect_failed', e instanceof Error ? e.message : String(e), 0),
      )
      .then((result) => {
        this.running.delete(controller);
        this.report(job, result, performance.now() - startedAt);
        const next = this.closed ? undefined : this.queue.shift();
        if (next) this.run(next);
        else if (this.running.size === 0) this.wakeIdle();
      });
  }

  private report(job: Job, result: TranscriptionResult, latencyMs = 0): void {
    if (this.closed) return;
    try {
      this.opts.onTranscript?.({
        itemId: job.audio.itemId,
        startMs: job.startMs,
        durationMs: job.audio.mulaw.length / MULAW_BYTES_PER_MS,
        truncated: job.truncated,
        result,
        latencyMs,
      });
    } catch {
      // the listener's failure is its own
    }
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

function endMs(c: Chunk): number {
  return c.atMs + c.bytes / MULAW_BYTES_PER_MS;
}

/** Where the bytes between two timeline positions lie in `chunks` (offsets into their bytes joined). */
function cutRange(chunks: Chunk[], fromMs: number, toMs: number): { from: number; to: number } {
  if (chunks.length === 0 || toMs <= fromMs) return { from: 0, to: 0 };
  let total = 0;
  for (const c of chunks) total += c.bytes;
  const origin = chunks[0]!.atMs;
  const from = Math.max(0, Math.round((fromMs - origin) * MULAW_BYTES_PER_MS));
  const to = Math.min(total, Math.round((toMs - origin) * MULAW_BYTES_PER_MS));
  return to > from ? { from, to } : { from: 0, to: 0 };
}

/** The bytes of `chunks` between two timeline positions. */
function cut(chunks: Chunk[], fromMs: number, toMs: number): Uint8Array {
  const { from, to } = cutRange(chunks, fromMs, toMs);
  if (to === from) return new Uint8Array(0);
  const all = Buffer.concat(chunks.map((c) => Buffer.from(c.payload, 'base64')));
  return new Uint8Array(all.subarray(from, to));
}
