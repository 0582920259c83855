/**
 * Follows frames through a relay from the load generator's side. Caller frames are tagged with
 * (call, chunk) as they leave the simulated caller and timed when the Realtime simulator parses the
 * append; reply deltas carry their index within the reply and are timed when the simulator writes
 * them and when the caller receives the media. A Realtime session learns its call from the first
 * tagged append. Recording is cheap array pushes; matching happens once, after the run.
 */
import type { RealtimeSimObserver, SimSessionRef } from '@switchboard/simulators/openai-realtime';
import type { MediaTap } from '@switchboard/simulators/twilio';
import {
  CALLER_TAG_BYTES,
  decodeBase64Prefix,
  REPLY_TAG_BYTES,
  readCallerTag,
  readReplyTag,
  tagCallerFrame,
} from './frame-tag.ts';

/** Wall-clock ms (performance.now), the one clock of the generator process. */
export type Now = () => number;

/** Everything seen of one simulated call. */
export interface CallTrace {
  /** Send time of caller frame `chunk` (index = chunk number). */
  sentAt: number[];
  /** When the Realtime simulator parsed the append carrying frame `chunk`. */
  recvAt: number[];
  /** Reply tags of the media the caller received, and when. */
  mediaIdx: number[];
  mediaAt: number[];
  /** Bytes of each of those media. */
  mediaBytes: number[];
  /** Media that carried no reply tag. */
  untaggedMedia: number;
  clearsAt: number[];
  session: SessionTrace | undefined;
  /** Appends of this call's frames that reached another call's session (must stay 0). */
  crossed: number;
  duplicates: number;
}

/** Everything seen of one Realtime session. */
export interface SessionTrace {
  /** The call it belongs to; -1 until a tagged append arrives. */
  callIndex: number;
  /** When `session.updated` went out. */
  configuredAt: number;
  activeResponse: string | null;
  /** The response that was active when the caller last started speaking: its later deltas are late. */
  bargedResponse: string | null;
  deltaIdx: number[];
  deltaAt: number[];
  /** 1 when the delta belongs to a response the caller had already talked over. */
  deltaLate: number[];
  speechStartedAt: number[];
  untaggedAppends: number;
  /** Truncates the relay sent: when the simulator parsed them, and their audio_end_ms. */
  truncates: Array<{ at: number; audioEndMs: number }>;
}

/** Running counts for a measurement window. */
export interface ProbeCounters {
  /** Appends the simulator parsed (tagged or not). */
  appends: number;
  /** Media messages callers received. */
  media: number;
  /** Deltas the simulator wrote. */
  deltas: number;
}

function newCall(): CallTrace {
  return {
    sentAt: [],
    recvAt: [],
    mediaIdx: [],
    mediaAt: [],
    mediaBytes: [],
    untaggedMedia: 0,
    clearsAt: [],
    session: undefined,
    crossed: 0,
    duplicates: 0,
  };
}

function newSession(): SessionTrace {
  return {
    callIndex: -1,
    configuredAt: Number.NaN,
    activeResponse: null,
    bargedResponse: null,
    deltaIdx: [],
    deltaAt: [],
    deltaLate: [],
    speechStartedAt: [],
    untaggedAppends: 0,
    truncates: [],
  };
}

/** Records both sides of every call; hand `observer` to the simulator and `tap(i)` to call i. */
export class RelayProbe {
  readonly calls: CallTrace[] = [];
  readonly sessions = new Map<SimSessionRef, SessionTrace>();
  readonly counters: ProbeCounters = { appends: 0, media: 0, deltas: 0 };
  /** Appends whose tag named a call that does not exist. */
  strayAppends = 0;
  private readonly now: Now;
  private readonly callerTag = new Uint8Array(CALLER_TAG_BYTES);
  private readonly replyTag = new Uint8Array(REPLY_TAG_BYTES);

  constructor(now: Now = () => performance.now()) {
    this.now = now;
  }

  /** Adds a call and returns its index (the one its frames are tagged with). */
  addCall(): number {
    this.calls.push(newCall());
    return this.calls.length - 1;
  }

  /** The caller-side hooks of call `index`. */
  tap(index: number): MediaTap {
    const call = this.calls[index];
    if (!call) throw new RangeError(`no call ${index}`);
    const now = this.now;
    const counters = this.counters;
    return {
      beforeMediaSent: (frame, chunk, audible) => tagCallerFrame(frame, index, chunk, audible),
      mediaSent: (chunk) => {
        call.sentAt[chunk] = now();
      },
      mediaReceived: (audio) => {
        const at = now();
        counters.media++;
        const idx = readReplyTag(audio);
        if (idx < 0) {
          call.untaggedMedia++;
          return;
        }
        call.mediaIdx.push(idx);
        call.mediaAt.push(at);
        call.mediaBytes.push(audio.length);
      },
      clearReceived: () => {
        call.clearsAt.push(now());
      },
    };
  }

  /** The Realtime simulator's hooks. */
  readonly observer: RealtimeSimObserver = {
    clientEvent: (session, event) => {
      if (event.type === 'conversation.item.truncate') {
        this.session(session).truncates.push({ at: this.now(), audioEndMs: Number(event.audio_end_ms) });
        return;
      }
      if (event.type !== 'input_audio_buffer.append') return;
      const at = this.now();
      this.counters.appends++;
      const s = this.session(session);
      const audio = event.audio;
      const tag =
        typeof audio === 'string' && decodeBase64Prefix(audio, this.callerTag)
          ? readCallerTag(this.callerTag)
          : null;
      if (!tag) {
        s.untaggedAppends++;
        return;
      }
      const call = this.calls[tag.callIndex];
      if (!call) {
        this.strayAppends++;
        return;
      }
      if (s.callIndex < 0) {
        s.callIndex = tag.callIndex;
        call.session ??= s;
      } else if (s.callIndex !== tag.callIndex) {
        call.crossed++;
        return;
      }
      if (call.recvAt[tag.chunk] !== undefined) call.duplicates++;
      else call.recvAt[tag.chunk] = at;
    },
    serverEvent: (session, event) => {
      const type = event.type;
      if (type === 'response.output_audio.delta') {
        const at = this.now();
        this.counters.deltas++;
        const s = this.session(session);
        const delta = event.delta;
        const idx =
          typeof delta === 'string' && decodeBase64Prefix(delta, this.replyTag)
            ? readReplyTag(this.replyTag)
            : -1;
        s.deltaIdx.push(idx);
        s.deltaAt.push(at);
        s.deltaLate.push(s.bargedResponse !== null && event.response_id === s.bargedResponse ? 1 : 0);
        return;
      }
      if (type === 'input_audio_buffer.speech_started') {
        const s = this.session(session);
        s.speechStartedAt.push(this.now());
        if (s.activeResponse) s.bargedResponse = s.activeResponse;
      } else if (type === 'response.created') {
        this.session(session).activeResponse = responseId(event);
      } else if (type === 'response.done') {
        const s = this.session(session);
        if (s.activeResponse === responseId(event)) s.activeResponse = null;
      } else if (type === 'session.updated') {
        const s = this.session(session);
        if (Number.isNaN(s.configuredAt)) s.configuredAt = this.now();
      }
    },
  };

  private session(session: SimSessionRef): SessionTrace {
    let s = this.sessions.get(session);
    if (!s) {
      s = newSession();
      this.sessions.set(session, s);
    }
    return s;
  }
}

function responseId(event: Readonly<Record<string, unknown>>): string | null {
  const r = event.response as { id?: unknown } | undefined;
  return typeof r?.id === 'string' ? r.id : null;
}

/** The time span that counts: frames sent inside it give latencies; CPU and RSS are read at its ends. */
export interface MeasureWindow {
  startMs: number;
  endMs: number;
}

/** Caller → Realtime: latencies and losses. */
export interface UpstreamFigures {
  /** Latency samples (ms) of frames sent inside the window. */
  latenciesMs: number[];
  /** Frames sent after the session was configured (and before the window's end). */
  sent: number;
  dropped: number;
  /** Frames sent before the Realtime session was configured: sent, and how many still arrived. */
  preSessionSent: number;
  preSessionDelivered: number;
  /** Frames of calls whose Realtime session never received one tagged append. */
  noSessionSent: number;
  duplicates: number;
  crossed: number;
}

/** Realtime → caller: latencies and losses. */
export interface DownstreamFigures {
  latenciesMs: number[];
  /** Deltas that had to arrive (not late) and were written before the window's end. */
  sent: number;
  dropped: number;
  /** Late deltas of responses the caller had talked over: these must be dropped. */
  lateSent: number;
  lateDelivered: number;
  /** Media with no matching delta (or no reply tag). */
  unmatched: number;
}

/** speech_started written by the simulator → clear received by the caller. */
export interface BargeInFigures {
  latenciesMs: number[];
  speechStarted: number;
  /** speech_started with no clear before the next one (e.g. nothing was playing). */
  withoutClear: number;
  /** Clears with no speech_started before them. */
  unexpectedClears: number;
}

/** A delta matches a media message only if it was sent less than this before it arrived. */
const MAX_MATCH_AGE_MS = 2000;

/** Matches caller frames with appends. Only frames sent before `window.endMs` are accounted. */
export function upstreamFigures(
  probe: RelayProbe,
  callIndexes: number[],
  window: MeasureWindow,
): UpstreamFigures {
  const out: UpstreamFigures = {
    latenciesMs: [],
    sent: 0,
    dropped: 0,
    preSessionSent: 0,
    preSessionDelivered: 0,
    noSessionSent: 0,
    duplicates: 0,
    crossed: 0,
  };
  for (const i of callIndexes) {
    const call = probe.calls[i]!;
    out.duplicates += call.duplicates;
    out.crossed += call.crossed;
    const configuredAt = call.session?.configuredAt ?? Number.NaN;
    for (let chunk = 0; chunk < call.sentAt.length; chunk++) {
      const sent = call.sentAt[chunk];
      if (sent === undefined || sent >= window.endMs) continue;
      const recv = call.recvAt[chunk];
      if (Number.isNaN(configuredAt)) {
        out.noSessionSent++;
      } else if (sent < configuredAt) {
        out.preSessionSent++;
        if (recv !== undefined) out.preSessionDelivered++;
      } else {
        out.sent++;
        if (recv === undefined) out.dropped++;
        else if (sent >= window.startMs) out.latenciesMs.push(recv - sent);
      }
    }
  }
  return out;
}

/**
 * Matches deltas with the media callers heard. A relay keeps order, so each media message matches the
 * first unmatched delta with its reply index; deltas passed over were dropped.
 */
export function downstreamFigures(
  probe: RelayProbe,
  callIndexes: number[],
  window: MeasureWindow,
): DownstreamFigures {
  const out: DownstreamFigures = {
    latenciesMs: [],
    sent: 0,
    dropped: 0,
    lateSent: 0,
    lateDelivered: 0,
    unmatched: 0,
  };
  for (const i of callIndexes) {
    const call = probe.calls[i]!;
    out.unmatched += call.untaggedMedia;
    const s = call.session;
    if (!s) {
      out.unmatched += call.mediaIdx.length;
      continue;
    }
    const n = s.deltaIdx.length;
    const delivered = new Uint8Array(n);
    let next = 0;
    for (let m = 0; m < call.mediaIdx.length; m++) {
      const idx = call.mediaIdx[m]!;
      const at = call.mediaAt[m]!;
      let j = next;
      while (j < n && (s.deltaIdx[j] !== idx || s.deltaAt[j]! < at - MAX_MATCH_AGE_MS)) j++;
      if (j >= n || s.deltaAt[j]! > at) {
        out.unmatched++;
        continue;
      }
      delivered[j] = 1;
      next = j + 1;
      const sentAt = s.deltaAt[j]!;
      if (!s.deltaLate[j] && sentAt >= window.startMs && sentAt < window.endMs)
        out.latenciesMs.push(at - sentAt);
    }
    for (let j = 0; j < n; j++) {
      if (s.deltaAt[j]! >= window.endMs) continue;
      if (s.deltaLate[j]) {
        out.lateSent++;
        if (delivered[j]) out.lateDelivered++;
      } else {
        out.sent++;
        if (!delivered[j]) out.dropped++;
      }
    }
  }
  return out;
}

/** Pairs each speech_started inside the window with the first clear the caller received after it. */
export function bargeInFigures(
  probe: RelayProbe,
  callIndexes: number[],
  window: MeasureWindow,
): BargeInFigures {
  const out: BargeInFigures = { latenciesMs: [], speechStarted: 0, withoutClear: 0, unexpectedClears: 0 };
  for (const i of callIndexes) {
    const call = probe.calls[i]!;
    const starts = call.session?.speechStartedAt ?? [];
    const clears = call.clearsAt;
    let c = 0;
    for (let k = 0; k < starts.length; k++) {
      const start = starts[k]!;
      const nextStart = starts[k + 1] ?? Number.POSITIVE_INFINITY;
      // Clears before this speech_started belong to no barge-in.
      while (c < clears.length && clears[c]! < start) {
        if (start >= window.startMs && start < window.endMs) out.unexpectedClears++;
        c++;
      }
      const inWindow = start >= window.startMs && start < window.endMs;
      if (inWindow) out.speechStarted++;
      if (c < clears.length && clears[c]! < nextStart) {
        if (inWindow) out.latenciesMs.push(clears[c]! - start);
        c++;
        // Any further clear before the next speech_started is unexpected.
        while (c < clears.length && clears[c]! < nextStart) {
          if (inWindow) out.unexpectedClears++;
          c++;
        }
      } else if (inWindow) out.withoutClear++;
    }
  }
  return out;
}
