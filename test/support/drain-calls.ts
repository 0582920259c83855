// Caller-side bookkeeping for the draining and resilience tests: every caller frame is tagged with its
// call and chunk number, so what the Realtime simulator received can be matched frame by frame with
// what each caller sent.
import type { RealtimeSimSession } from '@switchboard/simulators/openai-realtime';
import type { MediaTap } from '@switchboard/simulators/twilio';
import { readCallerTag, tagCallerFrame } from '../bench/support/frame-tag.ts';

/** What one tagged caller sent. */
export interface TaggedCaller {
  callIndex: number;
  /** Chunk numbers of the media frames handed to the socket, in order. */
  readonly sentChunks: number[];
  /** The tap to give `placeCall`. */
  readonly mediaTap: MediaTap;
}

/** A caller whose every frame carries `callIndex` and its chunk number. */
export function taggedCaller(callIndex: number): TaggedCaller {
  const sentChunks: number[] = [];
  return {
    callIndex,
    sentChunks,
    mediaTap: {
      beforeMediaSent: (frame, chunk, audible) => tagCallerFrame(frame, callIndex, chunk, audible),
      mediaSent: (chunk) => {
        sentChunks.push(chunk);
      },
    },
  };
}

/** The caller frames a Realtime session was given after its session.update, by their tags. */
export interface AppendedFrames {
  /** Call indexes seen in the tags (one, for a healthy relay). */
  callIndexes: Set<number>;
  /** Chunk numbers in the order appended. */
  chunks: number[];
  /** Appends without a caller tag (the relay's own audio, e.g. silence for a gap). */
  untagged: number;
  /** Appends that arrived before the session was configured. */
  beforeConfig: number;
}

/** Reads the tags of every `input_audio_buffer.append` a simulator session received. */
export function appendedFrames(session: RealtimeSimSession): AppendedFrames {
  const configuredAt = session.received('session.update')[0]?.seq ?? Number.POSITIVE_INFINITY;
  const out: AppendedFrames = { callIndexes: new Set(), chunks: [], untagged: 0, beforeConfig: 0 };
  for (const entry of session.received('input_audio_buffer.append')) {
    if (entry.seq < configuredAt) {
      out.beforeConfig++;
      continue;
    }
    const audio = entry.event.audio;
    const tag = typeof audio === 'string' ? readCallerTag(Buffer.from(audio, 'base64').subarray(0, 8)) : null;
    if (!tag) {
      out.untagged++;
      continue;
    }
    out.callIndexes.add(tag.callIndex);
    out.chunks.push(tag.chunk);
  }
  return out;
}

/** The sessions (from `sessions`) whose appended frames carry `callIndex`. */
export function sessionsOfCall(
  sessions: readonly RealtimeSimSession[],
  callIndex: number,
): RealtimeSimSession[] {
  return sessions.filter((s) => appendedFrames(s).callIndexes.has(callIndex));
}
