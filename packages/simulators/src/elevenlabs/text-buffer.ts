/**
 * ElevenLabs' generation buffer, as its docs describe `generation_config.chunk_length_schedule`: text
 * collects in a buffer and audio is generated once the buffer holds at least the schedule's next
 * length (120, then 160, 250, then 290 characters by default); `flush`, `try_trigger_generation` and
 * the end of input generate earlier. Pure: it says what text to synthesise, and when.
 */

/** The documented default schedule. */
export const DEFAULT_CHUNK_LENGTH_SCHEDULE = [120, 160, 250, 290] as const;
/** `try_trigger_generation` generates only above this many buffered characters. */
export const TRY_TRIGGER_MIN_CHARS = 50;

/** One context's text buffer. */
export class TextBuffer {
  private buffered = '';
  private generations = 0;
  private readonly schedule: readonly number[];

  constructor(schedule: readonly number[] = DEFAULT_CHUNK_LENGTH_SCHEDULE) {
    this.schedule = schedule;
  }

  /** Characters waiting. */
  get length(): number {
    return this.buffered.length;
  }

  /** The length that triggers the next generation. */
  get nextThreshold(): number {
    return this.schedule[Math.min(this.generations, this.schedule.length - 1)]!;
  }

  /**
   * Adds text; returns the texts to generate now, in order (several when a long chunk crosses more
   * than one threshold). A generation ends after a space: a word still arriving waits.
   */
  add(text: string, opts: { tryTrigger?: boolean } = {}): string[] {
    this.buffered += text;
    const out: string[] = [];
    while (this.buffered.length >= this.nextThreshold) {
      // a word still arriving (no space after it yet) waits for its end
      const space = this.buffered.indexOf(' ', this.nextThreshold - 1);
      if (space < 0) break;
      out.push(this.take(space + 1));
    }
    if (opts.tryTrigger && this.buffered.length > TRY_TRIGGER_MIN_CHARS)
      out.push(this.take(this.buffered.length));
    return out;
  }

  /** Generates whatever is buffered (flush, end of input); null when empty. */
  flush(): string | null {
    return this.buffered.trim() === '' ? this.dropAll() : this.take(this.buffered.length);
  }

  /** Drops the buffer (a closed context). */
  clear(): void {
    this.buffered = '';
  }

  private dropAll(): null {
    this.buffered = '';
    return null;
  }

  private take(count: number): string {
    const text = this.buffered.slice(0, count);
    this.buffered = this.buffered.slice(count);
    this.generations++;
    return text;
  }
}
