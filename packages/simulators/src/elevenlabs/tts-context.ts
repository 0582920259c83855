/**
 * One synthesis context: its settings, its text buffer, and its generations, which are rendered as
 * simulated speech and sent in order as audio messages (base64 audio with `alignment` and
 * `normalizedAlignment`, times relative to the message's own audio, as the docs say). Closing a
 * context drops what it has not sent yet.
 */
import { type RenderedSpeech, renderSpeech } from '../speech/spoken-text.ts';
import { encodeSpeech, type OutputFormat } from './output-format.ts';
import { TextBuffer } from './text-buffer.ts';

/** Longest audio in one message; a longer generation is split between words. */
export const MAX_MESSAGE_AUDIO_MS = 1000;

/** What a context needs from its connection. */
export interface ContextHost {
  format: OutputFormat;
  /** Wait before a generation's first audio (the simulator's synthesis delay). */
  synthesisDelayMs: () => number;
  sleep(ms: number): Promise<void>;
  /** Sends one audio message; false when the socket is gone (the context stops). */
  sendAudio(message: AudioMessage): boolean;
}

/** An audio message as it goes on the wire (before `contextId` is added in multi-context mode). */
export interface AudioMessage {
  audio: string;
  alignment: Alignment;
  normalizedAlignment: Alignment;
}

/** ElevenLabs' alignment object (the SDK's `Alignment`). */
export interface Alignment {
  chars: string[];
  charStartTimesMs: number[];
  charDurationsMs: number[];
}

/** One context. */
export class TtsContext {
  readonly buffer: TextBuffer;
  /** Characters synthesised so far (what ElevenLabs bills). */
  charactersSynthesised = 0;
  private readonly host: ContextHost;
  private readonly speed: number;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(host: ContextHost, opts: { schedule?: readonly number[]; speed?: number }) {
    this.host = host;
    this.buffer = new TextBuffer(opts.schedule);
    this.speed = opts.speed ?? 1;
  }

  /** True once closed: nothing more is sent. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues generations of `texts`, after those already queued; resolves when they have been sent. */
  generate(texts: string[]): Promise<void> {
    for (const text of texts) this.chain = this.chain.then(() => this.synthesise(text));
    return this.chain;
  }

  /** Resolves once every queued generation has been sent (or dropped by a close). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Stops the context: buffered text and unsent audio are dropped. */
  close(): void {
    this.closed = true;
    this.buffer.clear();
  }

  private async synthesise(text: string): Promise<void> {
    if (this.closed) return;
    const delay = this.host.synthesisDelayMs();
    if (delay > 0) await this.host.sleep(delay);
    const speech = renderSpeech(text, this.speed);
    this.charactersSynthesised += text.length;
    for (const part of splitSpeech(speech)) {
      if (this.closed) return;
      const alignment = {
        chars: part.chars.map((c) => c.char),
        charStartTimesMs: part.chars.map((c) => Math.round(c.startMs)),
        charDurationsMs: part.chars.map((c) => Math.round(c.durationMs)),
      };
      const sent = this.host.sendAudio({
        audio: Buffer.from(encodeSpeech(part.pcm, this.host.format)).toString('base64'),
        alignment,
        normalizedAlignment: { ...alignment, chars: alignment.chars.map((c) => c.toLowerCase()) },
      });
      if (!sent) {
        this.closed = true;
        return;
      }
    }
  }
}

/** Cuts rendered speech between words into parts of at most {@link MAX_MESSAGE_AUDIO_MS}, times rebased. */
function splitSpeech(speech: RenderedSpeech): RenderedSpeech[] {
  const parts: RenderedSpeech[] = [];
  const perMs = speech.pcm.length / Math.max(1, speech.durationMs);
  let from = 0;
  while (from < speech.chars.length) {
    const startMs = speech.chars[from]!.startMs;
    let to = from + 1;
    let lastBreak = -1;
    while (to < speech.chars.length) {
      const c = speech.chars[to]!;
      if (c.startMs + c.durationMs - startMs > MAX_MESSAGE_AUDIO_MS && lastBreak > from) break;
      if (c.char === ' ') lastBreak = to + 1;
      to++;
    }
    const end = to < speech.chars.length && lastBreak > from ? lastBreak : to;
    const chars = speech.chars.slice(from, end);
    const last = chars[chars.length - 1]!;
    const endMs = last.startMs + last.durationMs;
    parts.push({
      pcm: speech.pcm.subarray(Math.round(startMs * perMs), Math.round(endMs * perMs)),
      durationMs: endMs - startMs,
      chars: chars.map((c) => ({ ...c, startMs: c.startMs - startMs })),
    });
    from = end;
  }
  return parts;
}
