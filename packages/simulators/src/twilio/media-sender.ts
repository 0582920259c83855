/**
 * The caller's outbound audio: on each 20 ms tick the script cursor plans the frame (speech, silence,
 * a key press, a hang-up), Twilio's playback advances to the same moment, and one 160-byte mu-law
 * frame goes out. Turn boundaries are noted for the report.
 */
import { MULAW_SILENCE_BYTE } from '@switchboard/telephony';
import type { CallRecorder } from './call-recorder.ts';
import type { CallStream } from './call-stream.ts';
import type { MediaTap } from './call-types.ts';
import { FRAME_BYTES, type ScriptCursor } from './caller-script.ts';
import { FRAME_MS } from './frame-ticker.ts';
import type { PhoneLine } from './phone-line.ts';
import type { PlaybackModel } from './playback.ts';

const SILENCE_FRAME_BASE64 = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE_BYTE).toString('base64');

/** What the sender needs from its call. */
export interface SenderHost<C> {
  /** The line's impairments, when the call has any. */
  readonly line: PhoneLine | undefined;
  /** The call, as script predicates see it. */
  readonly call: C;
  readonly recorder: CallRecorder;
  readonly playback: PlaybackModel;
  readonly scriptErrors: string[];
  /** Call time of a ticker time. */
  callTime(tickerMs: number): number;
  hangup(): void;
  notify(): void;
}

/** Plans and sends the caller's frames. */
export class MediaSender<C> {
  private readonly cursor: ScriptCursor<C>;
  private readonly host: SenderHost<C>;
  private readonly tap: MediaTap | undefined;
  /** The frame a tap may rewrite; allocated only when there is a tap. */
  private readonly tapFrame: Uint8Array | undefined;

  constructor(cursor: ScriptCursor<C>, host: SenderHost<C>, tap: MediaTap | undefined) {
    this.cursor = cursor;
    this.host = host;
    this.tap = tap;
    this.tapFrame = tap?.beforeMediaSent ? new Uint8Array(FRAME_BYTES) : undefined;
  }

  /** Frames the line delays, in order, with their capture (ticker) time and arrival (call) time. */
  private readonly late: Array<{
    stream: CallStream;
    payload: string;
    tickerMs: number;
    arrivesAtMs: number;
  }> = [];

  /** Per frame: plan it from the script, play what is due, send 160 bytes (or let the line delay or lose them). */
  frame(stream: CallStream, tickerMs: number): void {
    const { host } = this;
    const t = host.callTime(tickerMs);
    const plan = this.cursor.next(host.call);
    if (plan.scriptError) host.scriptErrors.push(plan.scriptError);
    if (plan.hangup) {
      host.hangup();
      return;
    }
    // A frame carries the 20 ms before it; whether audio was playing is judged at the utterance's start.
    if (plan.utteranceStart !== null)
      host.recorder.turns.begin(plan.utteranceStart, t - FRAME_MS, host.playback.isPlaying);
    host.playback.advanceTo(t);
    let audio = plan.audio;
    if (this.tapFrame) {
      const frame = this.tapFrame;
      if (plan.audio) frame.set(plan.audio);
      else frame.fill(MULAW_SILENCE_BYTE);
      // the tap sees the chunk number this frame will carry (on a line without jitter or loss)
      this.tap!.beforeMediaSent!(frame, stream.nextChunk, plan.audio !== null);
      audio = frame;
    }
    const line = host.line;
    if (line?.altersAudio) audio = line.shape(audio, t - FRAME_MS);
    if (audio && plan.audio) host.recorder.spoke(audio, t - FRAME_MS);
    const payload = audio
      ? Buffer.from(audio.buffer, audio.byteOffset, FRAME_BYTES).toString('base64')
      : SILENCE_FRAME_BASE64;
    this.releaseDue(stream, t);
    const fate = line?.altersTiming ? line.fate(t) : null;
    if (!fate) this.send(stream, payload, tickerMs);
    else if (!fate.lost) {
      if (fate.arrivesAtMs <= t && this.late.length === 0) this.send(stream, payload, tickerMs);
      else this.late.push({ stream, payload, tickerMs, arrivesAtMs: fate.arrivesAtMs });
    }
    if (plan.utteranceEnd) host.recorder.turns.end(t);
    if (plan.dtmf) stream.sendDigit(plan.dtmf);
    host.notify();
  }

  /** Sends the delayed frames that have reached Twilio by call time `t`. */
  private releaseDue(stream: CallStream, t: number): void {
    while (this.late.length > 0 && this.late[0]!.arrivesAtMs <= t) {
      const frame = this.late.shift()!;
      // frames held for a stream that has since been replaced never arrive
      if (frame.stream === stream) this.send(stream, frame.payload, frame.tickerMs);
    }
  }

  private send(stream: CallStream, payload: string, tickerMs: number): void {
    const chunk = stream.sendMedia(payload, tickerMs);
    this.host.recorder.framesSent++;
    this.tap?.mediaSent?.(chunk);
  }
}
