/**
 * Per-turn measurements from the caller's side: for each utterance, the delay until the reply was
 * heard, and — when the caller spoke over audio — how long until a `clear` cut the audio and how much
 * the caller heard meanwhile. Pure: the call feeds it events with call-time timestamps.
 */
import { MULAW_BYTES_PER_MS } from '@switchboard/telephony';

/** Barge-in outcome of a turn that started while the caller was hearing audio. */
export interface BargeInReport {
  /** `clear` (playback cut), or `not_stopped` (the audio ran on, or the reply began first). */
  stoppedBy: 'clear' | 'not_stopped';
  /** Utterance start → `clear`, in ms; only when `stoppedBy` is `clear`. */
  latencyMs?: number;
  /** Audio the caller heard from the start of the utterance until playback stopped, in ms. */
  heardAfterStartMs: number;
}

/** One caller utterance and what followed it. Times are call time in ms. */
export interface TurnReport {
  index: number;
  label: string;
  /** Start of the utterance's audio. */
  startMs: number;
  /** End of the utterance's audio (when its last frame was sent). */
  endMs?: number;
  /** End of the utterance → the first audio heard that arrived after it. */
  responseLatencyMs?: number;
  /** Present when the utterance started while the caller was hearing audio. */
  bargeIn?: BargeInReport;
}

interface TurnState {
  report: TurnReport;
  awaitingResponse: boolean;
  bargeInOpen: boolean;
}

/** Collects {@link TurnReport}s. */
export class TurnTracker {
  private readonly states: TurnState[] = [];

  /** Reports, oldest first (live objects: they fill in as the call goes on). */
  get reports(): TurnReport[] {
    return this.states.map((s) => s.report);
  }

  get count(): number {
    return this.states.length;
  }

  private get current(): TurnState | undefined {
    return this.states[this.states.length - 1];
  }

  /** An utterance began at `startMs`; `hearingAudio` says whether the caller was hearing audio then. */
  begin(label: string, startMs: number, hearingAudio: boolean): void {
    const previous = this.current;
    if (previous) {
      // A new utterance closes the previous turn: a reply after it answers the new one.
      previous.awaitingResponse = false;
      previous.bargeInOpen = false;
    }
    const report: TurnReport = { index: this.states.length, label, startMs };
    if (hearingAudio) report.bargeIn = { stoppedBy: 'not_stopped', heardAfterStartMs: 0 };
    this.states.push({ report, awaitingResponse: false, bargeInOpen: hearingAudio });
  }

  /** The current utterance's last frame went out at `endMs`. */
  end(endMs: number): void {
    const turn = this.current;
    if (!turn || turn.report.endMs !== undefined) return;
    turn.report.endMs = endMs;
    turn.awaitingResponse = true;
  }

  /** The caller heard `bytes` of audio. */
  heard(bytes: number): void {
    const turn = this.current;
    if (turn?.bargeInOpen && turn.report.bargeIn)
      turn.report.bargeIn.heardAfterStartMs += bytes / MULAW_BYTES_PER_MS;
  }

  /** A media message that arrived at `arrivalMs` started playing at `startMs`. */
  segmentStarted(arrivalMs: number, startMs: number): void {
    const turn = this.current;
    const endMs = turn?.report.endMs;
    if (!turn?.awaitingResponse || endMs === undefined || arrivalMs < endMs) return;
    turn.report.responseLatencyMs = startMs - endMs;
    turn.awaitingResponse = false;
    // The reply has begun: audio heard from here on is the reply, not a barge-in question.
    turn.bargeInOpen = false;
  }

  /** Playback was cleared at `atMs`. */
  cleared(atMs: number): void {
    const turn = this.current;
    if (!turn?.bargeInOpen || !turn.report.bargeIn) return;
    turn.report.bargeIn.stoppedBy = 'clear';
    turn.report.bargeIn.latencyMs = atMs - turn.report.startMs;
    turn.bargeInOpen = false;
  }

  /** The call ended: nothing more is measured. */
  close(): void {
    for (const s of this.states) {
      s.awaitingResponse = false;
      s.bargeInOpen = false;
    }
  }
}
