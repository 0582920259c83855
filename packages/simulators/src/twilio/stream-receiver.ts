/**
 * What the caller's side does with each message the voice server sends on a stream: media goes into
 * Twilio's playback buffer, marks queue behind it, `clear` drops the buffer and echoes pending marks.
 * Frames Twilio would reject are recorded as protocol errors, never thrown.
 */
import { decodeTwilioOutbound, MULAW_BYTES_PER_MS, type RawFrame } from '@switchboard/telephony';
import type { CallRecorder } from './call-recorder.ts';
import type { MediaTap } from './call-types.ts';
import type { PlaybackModel } from './playback.ts';

/** Largest frame the caller's side accepts from the server (Twilio documents no limit; 1 MiB here). */
export const MAX_OUTBOUND_FRAME_BYTES = 1024 * 1024;

/** What the receiver reads of the stream and its call. */
export interface ReceivingStream {
  readonly streamSid: string;
  readonly isStreaming: boolean;
}
export interface ReceivingHost {
  readonly recorder: CallRecorder;
  readonly playback: PlaybackModel;
  readonly tap: MediaTap | undefined;
  nowMs(): number;
  notify(): void;
}

/** Handles one frame from the server on `stream`. */
export function receiveServerFrame(stream: ReceivingStream, data: RawFrame, host: ReceivingHost): void {
  if (!stream.isStreaming) return;
  const { recorder, playback } = host;
  const t = host.nowMs();
  const decoded = decodeTwilioOutbound(data, { maxBytes: MAX_OUTBOUND_FRAME_BYTES });
  if (!decoded.ok) {
    recorder.protocolErrors.push({ atMs: t, code: decoded.error.code, message: decoded.error.message });
    host.notify();
    return;
  }
  const message = decoded.message;
  if (message.streamSid !== stream.streamSid) {
    recorder.protocolErrors.push({
      atMs: t,
      code: 'wrong_stream_sid',
      message: `${message.event} for another stream ignored`,
    });
    host.notify();
    return;
  }
  switch (message.event) {
    case 'media': {
      const audio = Buffer.from(message.media.payload, 'base64');
      host.tap?.mediaReceived?.(audio);
      recorder.mediaMessages++;
      recorder.mediaBytes += audio.length;
      if (recorder.recordAudio) recorder.received.push({ atMs: t, message });
      playback.append(audio, t);
      break;
    }
    case 'mark':
      recorder.received.push({ atMs: t, message });
      playback.mark(message.mark.name, t);
      break;
    case 'clear': {
      host.tap?.clearReceived?.();
      recorder.received.push({ atMs: t, message });
      const result = playback.clear(t);
      recorder.clears.push({
        atMs: t,
        droppedMs: result.droppedBytes / MULAW_BYTES_PER_MS,
        marks: result.marks,
      });
      recorder.turns.cleared(t);
      break;
    }
  }
  host.notify();
}
