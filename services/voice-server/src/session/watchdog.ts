/**
 * Inactivity watchdog: after `promptAfterMs` in which the caller did not speak and no agent audio
 * played, `onPrompt` asks whether the caller is still there; after `endAfterMs` more, `onEnd`.
 * Activity is recorded cheaply (a timestamp), so it can be reported for every frame; the one timer
 * re-arms itself from the latest activity when it fires.
 */
export class InactivityWatchdog {
  private timer: NodeJS.Timeout | undefined;
  /** Set by {@link start}; nothing reads it before. */
  private lastActivityMs = 0;
  private prompted = false;
  private stopped = false;

  constructor(
    private readonly opts: {
      promptAfterMs: number;
      endAfterMs: number;
      onPrompt: () => void;
      onEnd: () => void;
      /** True while something counts as activity by itself (a tool running, a response under way). */
      isBusy: () => boolean;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  start(): void {
    this.stopped = false;
    this.lastActivityMs = this.now();
    this.arm(this.opts.promptAfterMs);
  }

  /** Agent audio played: the silence starts later, but a question already asked stays asked. */
  activity(): void {
    this.lastActivityMs = this.now();
  }

  /** The caller spoke: start over from the beginning (nothing, once stopped). */
  callerActivity(): void {
    this.lastActivityMs = this.now();
    if (this.stopped) return;
    if (this.prompted) {
      this.prompted = false;
      this.arm(this.opts.promptAfterMs);
    }
  }

  get isPrompted(): boolean {
    return this.prompted;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get hasTimer(): boolean {
    return this.timer !== undefined;
  }

  private arm(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), Math.max(0, delayMs));
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    if (this.opts.isBusy()) this.lastActivityMs = this.now();
    const window = this.prompted ? this.opts.endAfterMs : this.opts.promptAfterMs;
    const remaining = this.lastActivityMs + window - this.now();
    if (remaining > 0) {
      this.arm(remaining);
      return;
    }
    if (!this.prompted) {
      this.prompted = true;
      this.lastActivityMs = this.now();
      this.opts.onPrompt();
      this.arm(this.opts.endAfterMs);
    } else {
      this.stopped = true;
      this.opts.onEnd();
    }
  }
}

/** "Are you still there?" and the goodbye, in the profile's language; others are asked of the model. */
const PHRASES: Record<string, { stillThere: string; goodbye: string }> = {
  en: {
    stillThere: 'Are you still there?',
    goodbye: "I haven't heard from you, so I'll end the call now. Goodbye!",
  },
  es: { stillThere: '¿Sigue ahí?', goodbye: 'Como no le escucho, voy a terminar la llamada. ¡Adiós!' },
  fr: {
    stillThere: 'Êtes-vous toujours là ?',
    goodbye: 'Je ne vous entends plus, je vais raccrocher. Au revoir !',
  },
  de: {
    stillThere: 'Sind Sie noch da?',
    goodbye: 'Ich höre Sie nicht mehr, daher beende ich den Anruf. Auf Wiederhören!',
  },
  it: {
    stillThere: 'È ancora in linea?',
    goodbye: 'Non la sento più, quindi chiudo la chiamata. Arrivederci!',
  },
  pt: { stillThere: 'Ainda está aí?', goodbye: 'Como não o ouço, vou terminar a chamada. Adeus!' },
  nl: {
    stillThere: 'Bent u er nog?',
    goodbye: 'Ik hoor u niet meer, dus ik beëindig het gesprek. Tot ziens!',
  },
};

/**
 * Instructions for one of the watchdog's lines in `language` (a BCP 47 tag, or the call's language with
 * its own lines; default English): the language's own line, else the built-in one for its primary
 * subtag, else the English one with the language to say it in.
 */
export function watchdogLine(
  kind: 'stillThere' | 'goodbye',
  language: string | { tag: string; name?: string; lines?: { stillThere?: string; goodbye?: string } } = 'en',
): string {
  const spec = typeof language === 'string' ? { tag: language } : language;
  const own = spec.lines?.[kind];
  if (own) return `Say exactly this, and nothing else: "${own.replace(/"/g, "'")}"`;
  const base = spec.tag.toLowerCase().split(/[-_]/)[0] ?? 'en';
  const phrase = PHRASES[base];
  if (phrase) return `Say exactly this, and nothing else: "${phrase[kind]}"`;
  const english = PHRASES.en![kind];
  const name = spec.name && spec.name !== spec.tag ? `${spec.name}, ${spec.tag}` : spec.tag;
  return `Say this in the caller's language (${name}), briefly and nothing else: "${english}"`;
}
