/**
 * What a call keeps: the messages each way, protocol errors, the audio the caller heard, clears,
 * the counters and the caller's turns, and the report and WAV built from them.
 */
import { MULAW_BYTES_PER_MS, MULAW_SAMPLE_RATE, MULAW_SILENCE_BYTE, writeWav } from '@switchboard/telephony';
import type {
  CallEnd,
  CallReport,
  ClearRecord,
  HeardChunk,
  ReceivedMessage,
  SentEvent,
  StreamProtocolError,
} from './call-types.ts';
import { TurnTracker } from './turn-tracker.ts';

/** The records of one call. */
export class CallRecorder {
  /** Messages from the server (media ones only when `recordAudio`). */
  readonly received: ReceivedMessage[] = [];
  /** Non-media messages the caller sent. */
  readonly sent: SentEvent[] = [];
  readonly protocolErrors: StreamProtocolError[] = [];
  /** Audio heard, in order (when `recordAudio`). */
  readonly heard: HeardChunk[] = [];
  /** Audio the caller sent (speech frames only), in order (when `recordAudio`). */
  readonly spoken: HeardChunk[] = [];
  /** What Twilio's `<Say>` played to the caller (kept apart from the stream's audio and its counters). */
  readonly said: HeardChunk[] = [];
  readonly clears: ClearRecord[] = [];
  readonly turns = new TurnTracker();
  /** Keep media messages and heard audio (counters are kept either way). */
  readonly recordAudio: boolean;
  framesSent = 0;
  mediaMessages = 0;
  mediaBytes = 0;
  heardBytes = 0;
  marksEchoed = 0;

  constructor(recordAudio: boolean) {
    this.recordAudio = recordAudio;
  }

  /** Audio heard so far, in ms. */
  get heardMs(): number {
    return this.heardBytes / MULAW_BYTES_PER_MS;
  }

  /** Playback played `audio` to the caller at `atMs`. */
  played(audio: Uint8Array, atMs: number): void {
    this.heardBytes += audio.length;
    if (this.recordAudio) this.heard.push({ atMs, audio });
    this.turns.heard(audio.length);
  }

  /** The caller sent `audio` (a frame of speech) at call time `atMs`. */
  spoke(audio: Uint8Array, atMs: number): void {
    if (this.recordAudio) this.spoken.push({ atMs, audio: audio.slice() });
  }

  /** What the caller heard as one mu-law track from the call's start to `untilMs` (silence between). */
  heardAudio(untilMs: number): Uint8Array {
    return track(this.heard, untilMs);
  }

  /** Twilio's `<Say>` played `audio` to the caller at call time `atMs`. */
  sayPlayed(audio: Uint8Array, atMs: number): void {
    this.said.push({ atMs, audio });
  }

  /** Everything played to the caller (`<Say>` and the stream) as one mu-law track, for recordings. */
  playedAudio(untilMs: number): Uint8Array {
    return track(
      [...this.said, ...this.heard].sort((a, b) => a.atMs - b.atMs),
      untilMs,
    );
  }

  /** What the caller said as one mu-law track from the call's start to `untilMs` (silence between). */
  spokenAudio(untilMs: number): Uint8Array {
    return track(this.spoken, untilMs);
  }

  /** {@link heardAudio} as a mu-law WAV file's bytes. */
  heardWav(untilMs: number): Uint8Array {
    return writeWav({
      format: 'mulaw',
      sampleRate: MULAW_SAMPLE_RATE,
      channels: 1,
      data: this.heardAudio(untilMs),
    });
  }

  /** Summary of the call so far. */
  report(callSid: string, streamSid: string | undefined, end: CallEnd | undefined): CallReport {
    const turns = this.turns.reports;
    const latencies = turns.flatMap((t) => (t.responseLatencyMs === undefined ? [] : [t.responseLatencyMs]));
    const bargeIns = turns.flatMap((t) => (t.bargeIn ? [t.bargeIn] : []));
    return {
      callSid,
      ...(streamSid ? { streamSid } : {}),
      ...(end ? { end } : {}),
      framesSent: this.framesSent,
      mediaMessagesReceived: this.mediaMessages,
      mediaBytesReceived: this.mediaBytes,
      heardMs: this.heardMs,
      marksEchoed: this.marksEchoed,
      clears: this.clears.length,
      protocolErrors: this.protocolErrors.length,
      turns,
      responseLatenciesMs: latencies,
      bargeInLatenciesMs: bargeIns.flatMap((b) => (b.latencyMs === undefined ? [] : [b.latencyMs])),
      heardAfterBargeInMs: bargeIns.map((b) => b.heardAfterStartMs),
    };
  }
}

/** Chunks laid on one mu-law track from time 0 to `untilMs` (or the last chunk's end), silence between. */
function track(chunks: readonly HeardChunk[], untilMs: number): Uint8Array {
  const last = chunks[chunks.length - 1];
  const endMs = Math.max(untilMs, last ? last.atMs + last.audio.length / MULAW_BYTES_PER_MS : 0);
  const out = new Uint8Array(Math.ceil(endMs * MULAW_BYTES_PER_MS)).fill(MULAW_SILENCE_BYTE);
  for (const chunk of chunks) {
    const at = Math.round(chunk.atMs * MULAW_BYTES_PER_MS);
    if (at >= out.length) continue;
    out.set(chunk.audio.subarray(0, Math.max(0, out.length - at)), at);
  }
  return out;
}
