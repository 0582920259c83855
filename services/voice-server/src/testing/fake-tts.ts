// A TtsStream double: records what the call asked of it and lets a test play the provider's events.
import type {
  TtsAlignment,
  TtsStream,
  TtsStreamEvent,
  TtsStreamFactory,
  TtsStreamListener,
  TtsUsage,
  TtsVoice,
} from '../ports/tts-stream.ts';

export class FakeTtsStream implements TtsStream {
  /** What the call asked, in order: `start:id`, `text:id:delta`, `flush:id`, `cancel`, `close`. */
  readonly calls: string[] = [];
  /** Turns started and not cancelled, done or failed. */
  readonly open = new Set<string>();
  available = true;
  private chars = 0;

  constructor(
    readonly voice: TtsVoice,
    private readonly listener: TtsStreamListener,
  ) {}

  get usage(): TtsUsage {
    return { charactersSynthesized: this.chars };
  }

  startTurn(turnId: string): void {
    this.calls.push(`start:${turnId}`);
    if (this.available) this.open.add(turnId);
  }

  pushText(turnId: string, delta: string): void {
    this.calls.push(`text:${turnId}:${delta}`);
    if (this.open.has(turnId)) this.chars += delta.length;
  }

  flush(turnId: string): void {
    this.calls.push(`flush:${turnId}`);
  }

  cancel(): void {
    this.calls.push('cancel');
    this.open.clear();
  }

  close(): void {
    this.calls.push('close');
    this.available = false;
    this.open.clear();
  }

  /** Plays one provider event to the call's listener. */
  emit(event: TtsStreamEvent): void {
    if (event.type === 'turn_done' || event.type === 'turn_failed') this.open.delete(event.turnId);
    if (event.type === 'unavailable') {
      this.available = false;
      this.open.clear();
    }
    this.listener(event);
  }

  /** A chunk of `bytes` mu-law speaking `text`, one character per `msPerChar`. */
  audio(turnId: string, text: string, bytes = 800, msPerChar = 10): void {
    this.emit({
      type: 'audio',
      turnId,
      payload: Buffer.alloc(bytes, 0x7f).toString('base64'),
      bytes,
      alignment: alignmentOf(text, msPerChar),
    });
  }
}

export function alignmentOf(text: string, msPerChar = 10): TtsAlignment {
  const chars = [...text];
  return {
    chars,
    charStartTimesMs: chars.map((_, i) => i * msPerChar),
    charDurationsMs: chars.map(() => msPerChar),
  };
}

/** A factory that keeps every stream it made. */
export function fakeTts(): { factory: TtsStreamFactory; streams: FakeTtsStream[] } {
  const streams: FakeTtsStream[] = [];
  return {
    streams,
    factory: (voice, listener) => {
      const s = new FakeTtsStream(voice, listener);
      streams.push(s);
      return s;
    },
  };
}
