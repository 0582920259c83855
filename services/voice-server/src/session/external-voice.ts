import type { TtsError, TtsStream, TtsStreamEvent, TtsStreamListener } from '../ports/tts-stream.ts';
import { SpokenText } from '../speech/spoken-text.ts';
import type { AudioOut } from './audio-out.ts';

export interface ExternalVoiceDeps {
  /** Opens the call's TTS stream (the profile's voice) with this listener. */
  open: (listener: TtsStreamListener) => TtsStream;
  audioOut: AudioOut;
  /** The response was cancelled (barge-in): its late text is not spoken. */
  isCancelled: (responseId: string) => boolean;
  /**
   * The first audio of an agent turn is going out (the reply's latency); `ttsMs` is the TTS's own
   * share: the turn's first text in → its first audio out.
   */
  onFirstAudio: (itemId: string, ttsMs: number) => void;
  /** The first text of an agent turn went to the stream (the turn's latency waterfall). */
  onFirstText?: (itemId: string) => void;
  /** The first media frame of an agent turn has been sent to Twilio (the waterfall is complete). */
  onFirstFrameSent?: (itemId: string) => void;
  /** Monotonic ms clock. */
  now: () => number;
  /** Audio went to the caller (the inactivity watchdog). */
  onActivity: () => void;
  /** A turn could not be spoken to its end (its socket failed): the caller missed some of it. */
  onTurnFailed: (itemId: string, error: TtsError) => void;
  /** The stream gave up: speak with the model's own audio from now on. Once. */
  onUnavailable: (error: TtsError) => void;
  /** Something the stream survived (a malformed message dropped). */
  onError: (error: TtsError) => void;
  /** A turn's synthesis ended (spoken whole, failed or cut off): what it cost and how fast it began. */
  onSynthesized?: (synthesis: TurnSynthesis) => void;
}

/** One TTS turn's synthesis, for the call's trace. */
export interface TurnSynthesis {
  itemId: string;
  /** Characters of text sent for it. */
  characters: number;
  /** Its first text in → its first audio out; absent when no audio came. */
  firstAudioMs?: number;
  /** Its first text in → its end. */
  durationMs: number;
  whole: boolean;
}

interface Turn {
  spoken: SpokenText;
  /** For the platform's own lines: the playback item they play as (never truncated). */
  localItem: string | undefined;
  /** Told once whether the line was delivered whole (true) or not (failed, cancelled, given up). */
  onEnd: ((whole: boolean) => void) | undefined;
  audioSent: boolean;
  /** When its first text went to the stream. */
  textAtMs: number | undefined;
  characters: number;
  firstAudioMs: number | undefined;
  /** Its synthesis was reported (once). */
  reported: boolean;
}

/** Turns remembered for truncation after their audio was all delivered. */
const MAX_TURNS_KEPT = 16;

/**
 * The model's words in the brand's own voice: each text response item is a TTS turn (keyed by its item
 * id), its audio goes to Twilio through AudioOut (media + mark, so playback, barge-in and the watchdog
 * work as with the model's audio), and what each chunk speaks is kept, so a barge-in knows the words
 * the caller heard. No I/O of its own; events arrive synchronously from the stream.
 */
export class ExternalVoice {
  private readonly stream: TtsStream;
  private readonly turns = new Map<string, Turn>();
  /** Turns started and not yet done, failed or cancelled. */
  private readonly live = new Set<string>();
  private readonly byResponse = new Map<string, Set<string>>();
  private lines = 0;

  constructor(private readonly deps: ExternalVoiceDeps) {
    this.stream = deps.open((event) => this.onEvent(event));
  }

  /** False once the stream gave up (or was closed). */
  get available(): boolean {
    return this.stream.available;
  }

  /** A turn is being synthesized or delivered. */
  get busy(): boolean {
    return this.live.size > 0;
  }

  get charactersSynthesized(): number {
    return this.stream.usage.charactersSynthesized;
  }

  /** `response.output_text.delta`. */
  onTextDelta(responseId: string, itemId: string, delta: string): void {
    if (!this.stream.available || this.deps.isCancelled(responseId)) return;
    if (!this.turns.has(itemId)) {
      this.startTurn(itemId, undefined);
      const items = this.byResponse.get(responseId) ?? new Set<string>();
      this.byResponse.set(responseId, items);
      items.add(itemId);
    }
    const turn = this.turns.get(itemId)!;
    if (turn.textAtMs === undefined) {
      turn.textAtMs = this.deps.now();
      this.deps.onFirstText?.(itemId);
    }
    turn.characters += delta.length;
    this.stream.pushText(itemId, delta);
  }

  /** `response.output_text.done`: the item's text is complete. */
  onTextDone(itemId: string): void {
    this.stream.flush(itemId);
  }

  /** `response.done`: every turn of the response is complete. */
  onResponseDone(responseId: string): void {
    const items = this.byResponse.get(responseId);
    this.byResponse.delete(responseId);
    for (const itemId of items ?? []) this.stream.flush(itemId);
  }

  /**
   * Speaks a line of the platform's own (the outage filler) as `localItem` in playback. False when
   * the stream cannot (the caller then hears the recorded line).
   */
  sayLine(text: string, localItem: string, onEnd?: (whole: boolean) => void): boolean {
    if (!this.stream.available) return false;
    const id = `${localItem}#${++this.lines}`;
    this.startTurn(id, localItem);
    const turn = this.turns.get(id)!;
    turn.onEnd = onEnd;
    turn.textAtMs = this.deps.now();
    turn.characters += text.length;
    this.stream.pushText(id, text);
    this.stream.flush(id);
    return true;
  }

  /** Barge-in: every turn not yet spoken stops at once; returns the agent items cut off. */
  cancel(): string[] {
    this.stream.cancel();
    const cut = [...this.live].filter((id) => !this.turns.get(id)?.localItem);
    this.endAll();
    return cut;
  }

  /** What the caller heard of `itemId` after `heardMs` of its audio; undefined if not spoken here. */
  heardText(itemId: string, heardMs: number): string | undefined {
    const turn = this.turns.get(itemId);
    if (!turn || turn.localItem) return undefined;
    return turn.spoken.textUpTo(heardMs);
  }

  close(): void {
    this.stream.close();
    this.endAll();
  }

  /** Every live turn ends unfinished. */
  private endAll(): void {
    const ids = [...this.live];
    this.live.clear();
    for (const id of ids) this.ended(id, false);
  }

  private ended(id: string, whole: boolean): void {
    const turn = this.turns.get(id);
    if (turn && !turn.reported && turn.textAtMs !== undefined) {
      turn.reported = true;
      this.deps.onSynthesized?.({
        itemId: id,
        characters: turn.characters,
        ...(turn.firstAudioMs !== undefined ? { firstAudioMs: turn.firstAudioMs } : {}),
        durationMs: this.deps.now() - turn.textAtMs,
        whole,
      });
    }
    const onEnd = turn?.onEnd;
    if (!turn || !onEnd) return;
    turn.onEnd = undefined;
    onEnd(whole);
  }

  private startTurn(id: string, localItem: string | undefined): void {
    this.turns.set(id, {
      spoken: new SpokenText(),
      localItem,
      audioSent: false,
      textAtMs: undefined,
      onEnd: undefined,
      characters: 0,
      firstAudioMs: undefined,
      reported: false,
    });
    this.live.add(id);
    this.stream.startTurn(id);
    if (this.turns.size <= MAX_TURNS_KEPT) return;
    for (const key of this.turns.keys()) {
      if (this.live.has(key)) continue;
      this.turns.delete(key);
      if (this.turns.size <= MAX_TURNS_KEPT) return;
    }
  }

  private onEvent(event: TtsStreamEvent): void {
    const d = this.deps;
    switch (event.type) {
      case 'audio': {
        const turn = this.turns.get(event.turnId);
        if (!turn || !this.live.has(event.turnId)) return;
        turn.spoken.add(event.bytes, event.alignment);
        turn.firstAudioMs ??= d.now() - (turn.textAtMs ?? d.now());
        d.onActivity();
        if (turn.localItem) {
          d.audioOut.local(turn.localItem, [event.payload]);
          return;
        }
        const first = !turn.audioSent;
        if (first) {
          turn.audioSent = true;
          d.onFirstAudio(event.turnId, turn.firstAudioMs);
        }
        d.audioOut.agent(event.turnId, event.payload);
        if (first) d.onFirstFrameSent?.(event.turnId);
        return;
      }
      case 'turn_done':
        // The turn's last frames get their mark: "everything played" is known from it.
        d.audioOut.endMark();
        this.live.delete(event.turnId);
        this.ended(event.turnId, true);
        return;
      case 'turn_failed': {
        d.audioOut.endMark();
        const wasLive = this.live.delete(event.turnId);
        this.ended(event.turnId, false);
        if (wasLive && !this.turns.get(event.turnId)?.localItem) d.onTurnFailed(event.turnId, event.error);
        return;
      }
      case 'error':
        d.onError(event.error);
        return;
      case 'unavailable':
        d.audioOut.endMark();
        this.endAll();
        d.onUnavailable(event.error);
        return;
    }
  }
}
