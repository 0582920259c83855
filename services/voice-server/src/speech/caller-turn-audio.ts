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
 *
 * Audio is kept decoded, outside the JavaScript heap: the look-back in a ring of `lookbackMs` of bytes
 * per call (exactly that much: the frame-by-frame keeper before it kept a frame straddling the edge
 * whole, so a long gap fill reached further back), a turn in one growing buffer (up to twice its size
 * while it grows; a committed one keeps it until its words are known or it is asked for). Keeping
 * each frame's base64 text instead kept the whole Twilio message it was cut from alive for the
 * look-back's two seconds, long enough for the garbage collector to copy it to the old generation:
 * at 50 calls about 1 MB a second promoted, and each young collection twice as long (`--trace-gc`
 * under `pnpm bench voice-relay`).
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

/** A committed turn's audio: its kept bytes and the part of them that is the turn; copied out once, when first asked. */
interface CommittedTurn {
  audio: TurnBytes | undefined;
  from: number;
  to: number;
  mulaw?: Uint8Array;
}

/** A turn's audio as it grows: `length` bytes of the timeline from byte `origin` on. */
interface TurnBytes {
  buffer: Buffer;
  length: number;
  origin: number;
}

interface KeptTurn {
  itemId: string;
  fromMs: number;
  /** Null while the caller is still speaking. */
  toMs: number | null;
  audio: TurnBytes;
  truncated: boolean;
}

interface Job {
  audio: TurnAudio;
  startMs: number;
  truncated: boolean;
}

/** First size of a turn's buffer beyond the look-back it starts with; it doubles as the turn grows. */
const TURN_BUFFER_MIN = 4096;
/** A frame that does not fit before the ring's end is decoded here, then copied round it. */
let scratch = Buffer.allocUnsafeSlow(8192);

/**
 * Decodes `bytes` bytes of base64 into `target` at `at`; what a malformed text does not decode to is
 * μ-law silence (0xFF), so the audio after it stays in its place.
 */
function decodeOrSilence(payloadBase64: string, target: Buffer, at: number, bytes: number): void {
  const decoded = target.write(payloadBase64, at, bytes, 'base64');
  if (decoded < bytes) target.fill(0xff, at + decoded, at + bytes);
}

/** Turns kept at once (one being spoken, ones stopped and awaiting their commit). */
const MAX_KEPT_TURNS = 4;

/** One call's caller-turn audio. */
export class CallerTurnAudio {
  private readonly opts: Required<Omit<CallerTurnAudioOptions, 'transcriber' | 'onTranscript'>> &
    Pick<CallerTurnAudioOptions, 'onTranscript'> & { transcriber: Transcriber | undefined };
  /**
   * Committed turns' audio, oldest first, until their words are known: kept in the buffer the turn grew
   * in, and copied out only when asked for ({@link audioOf}: a reconnect giving a turn back as audio),
   * so a call without an external transcriber copies no caller audio per turn.
   */
  private readonly committed = new Map<string, CommittedTurn>();
  /** Bytes appended since the session began (the timeline in bytes). */
  private appended = 0;
  /** Call audio before the current session's timeline began. */
  private earlierSessionsMs = 0;
  /** The last `lookbackMs` of audio: timeline byte `b` at `b % ring.length`. Made with the first audio. */
  private ring: Buffer | undefined;
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
    this.appended = 0;
    this.turns = [];
  }

  /**
   * Caller audio appended to the session (base64 mu-law), in order. Its length counts on the timeline
   * as the base64 promises; bytes a malformed text does not decode to are kept as μ-law silence, so
   * the audio after it stays in its place.
   */
  onAudio(payloadBase64: string): void {
    const bytes = base64Bytes(payloadBase64);
    if (bytes <= 0 || this.closed) return;
    this.ring ??= Buffer.allocUnsafeSlow(Math.max(0, Math.ceil(this.lookbackBytes())));
    const ring = this.ring;
    const at = ring.length ? this.appended % ring.length : 0;
    let src: Buffer;
    let start: number;
    if (bytes <= ring.length - at) {
      // The usual frame: decoded straight into the ring, no copy.
      decodeOrSilence(payloadBase64, ring, at, bytes);
      src = ring;
      start = at;
    } else {
      // One that wraps round the ring's end, or is longer than it: decoded aside, then copied in.
      if (scratch.length < bytes) scratch = Buffer.allocUnsafeSlow(bytes);
      decodeOrSilence(payloadBase64, scratch, 0, bytes);
      this.toRing(bytes);
      src = scratch;
      start = 0;
    }
    for (const turn of this.turns) if (turn.toMs === null) this.add(turn, src, start, start + bytes);
    this.appended += bytes;
  }

  /** The session's timeline so far: ms of audio appended since it began. */
  private get timelineMs(): number {
    return this.appended / MULAW_BYTES_PER_MS;
  }

  /** `input_audio_buffer.speech_started`. */
  onSpeechStarted(itemId: string, audioStartMs: number): void {
    if (this.closed) return;
    const oldestByte = Math.max(0, this.appended - (this.ring?.length ?? 0));
    const fromMs = Math.min(Math.max(audioStartMs, oldestByte / MULAW_BYTES_PER_MS), this.timelineMs);
    // From the byte the turn's cut starts at (or just before it): the look-back's bytes since then.
    const origin = Math.max(oldestByte, Math.floor(fromMs * MULAW_BYTES_PER_MS));
    const kept = this.appended - origin;
    const audio: TurnBytes = { buffer: Buffer.allocUnsafeSlow(kept + TURN_BUFFER_MIN), length: 0, origin };
    this.fromRing(audio.buffer, origin, kept);
    audio.length = kept;
    const turn: KeptTurn = { itemId, fromMs, toMs: null, audio, truncated: false };
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

  /** A committed turn's bytes (at most `maxTurnBytes`), copied out once; its growing buffer is let go then. */
  private decoded(turn: CommittedTurn): Uint8Array {
    if (!turn.mulaw) {
      const to = Math.min(turn.to, turn.from + this.opts.maxTurnBytes);
      turn.mulaw = Uint8Array.prototype.slice.call(turn.audio!.buffer, turn.from, to);
      turn.audio = undefined;
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
    this.ring = undefined;
    this.committed.clear();
    for (const c of this.running) c.abort();
    this.wakeIdle();
  }

  /** A frame's bytes onto a turn being spoken, unless it already holds its most (then it is truncated). */
  private add(turn: KeptTurn, src: Buffer, start: number, end: number): void {
    const audio = turn.audio;
    if (audio.length >= this.opts.maxTurnBytes + this.lookbackBytes()) {
      turn.truncated = true;
      return;
    }
    const length = audio.length + (end - start);
    if (length > audio.buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(length, audio.buffer.length * 2));
      audio.buffer.copy(grown, 0, 0, audio.length);
      audio.buffer = grown;
    }
    src.copy(audio.buffer, audio.length, start, end);
    audio.length = length;
  }

  private lookbackBytes(): number {
    return this.opts.lookbackMs * MULAW_BYTES_PER_MS;
  }

  /** The frame in `scratch` (its first `bytes`) into the look-back ring, at the timeline's end. */
  private toRing(bytes: number): void {
    const size = this.ring!.length;
    if (size === 0) return;
    // Only the last `size` bytes of a frame longer than the ring stay in it.
    let from = Math.max(0, bytes - size);
    let at = (this.appended + from) % size;
    while (from < bytes) {
      const n = Math.min(bytes - from, size - at);
      scratch.copy(this.ring!, at, from, from + n);
      from += n;
      at = 0;
    }
  }

  /** `count` bytes of the look-back from timeline byte `origin` on (all still in the ring) into `dst`. */
  private fromRing(dst: Buffer, origin: number, count: number): void {
    const ring = this.ring;
    if (!ring || count <= 0) return;
    let done = 0;
    let at = origin % ring.length;
    while (done < count) {
      const n = Math.min(count - done, ring.length - at);
      ring.copy(dst, done, at, at + n);
      done += n;
      at = 0;
    }
  }

  private handOver(turn: KeptTurn): void {
    const toMs = turn.toMs ?? this.timelineMs;
    const { from, to } = cutRange(turn.audio, turn.fromMs, toMs);
    const length = to - from;
    if (length === 0) return;
    const truncated = turn.truncated || length > this.opts.maxTurnBytes;
    const committed: CommittedTurn = { audio: turn.audio, from, to };
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

/** Where the bytes between two timeline positions lie in a turn's kept audio (offsets into it). */
function cutRange(audio: TurnBytes, fromMs: number, toMs: number): { from: number; to: number } {
  if (audio.length === 0 || toMs <= fromMs) return { from: 0, to: 0 };
  const from = Math.max(0, Math.round(fromMs * MULAW_BYTES_PER_MS) - audio.origin);
  const to = Math.min(audio.length, Math.round(toMs * MULAW_BYTES_PER_MS) - audio.origin);
  return to > from ? { from, to } : { from: 0, to: 0 };
}
