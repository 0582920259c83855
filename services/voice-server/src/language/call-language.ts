import type { RealtimeSessionCreateRequest } from '@switchboard/realtime';
import { isTranscriptionLanguage } from '@switchboard/realtime';
import type { LanguageSwitch } from '@switchboard/service-kit/clients/app-server';
import type { CallProfile } from '../ports/ai-server.ts';
import type { TranscriptMessage } from '../ports/app-server.ts';
import { type Detection, detectLanguage } from './detect.ts';
import { type CallLanguageSpec, englishName, namesOf, servedLanguages, withLanguage } from './languages.ts';
import { resolveLanguage } from './resolve.ts';

type Transcription = NonNullable<
  NonNullable<RealtimeSessionCreateRequest['audio']>['input']
>['transcription'];

export interface CallLanguageDeps {
  /** Changes the live session (and the configuration later sessions start with). */
  updateSession(patch: Partial<RealtimeSessionCreateRequest>): void;
  /** The instructions in force without the language rule (the agent talking now, or the profile's). */
  instructions(): string;
  /** The session's caller transcription settings now (their model is kept on a switch). */
  transcription(): Transcription | undefined;
  /** Asks the model for a platform line (said in the language in force). */
  say(line: string): void;
  /** Records a message on the call's transcript. */
  record(message: Omit<TranscriptMessage, 'sequence'>): void;
  /** The call speaks with an external voice: its voice for the new language. */
  voiceChanged?(voice: string): void;
  now?: () => Date;
}

/** What a switch request came to (the switch_language tool's output). */
export type SwitchOutcome =
  | { ok: true; status: 'switched' | 'already'; language: string }
  | { ok: true; status: 'not_served'; language: string; served: string[]; instruction: string }
  | { ok: false; error: string };

/**
 * The call's language: the profile's first one at the start; the caller's own once detected from their
 * first confident turn, or asked for through `switch_language`. A served language is switched to with
 * one session.update on the live socket (instructions with the new language rule, the transcription
 * hint; never the voice: the Realtime API refuses a voice change once the session produced audio). An
 * unserved one is not switched to: the caller is offered a transfer or a callback instead.
 */
export class CallLanguage {
  private served: CallLanguageSpec[] = [];
  private now: CallLanguageSpec | undefined;
  /** Detection stops after the first confident turn; then only the model's tool switches. */
  private detecting = true;
  private readonly unservedSeen = new Set<string>();

  constructor(private readonly deps: CallLanguageDeps) {}

  /** The profile is known: the call is in its first language. */
  start(profile: CallProfile): CallLanguageSpec {
    this.served = servedLanguages(profile);
    this.now = this.served[0]!;
    this.detecting = true;
    return this.now;
  }

  /** The language in force (undefined before the profile is known). */
  get current(): CallLanguageSpec | undefined {
    return this.now;
  }

  get languages(): readonly CallLanguageSpec[] {
    return this.served;
  }

  /**
   * The language knowledge is searched in: only on a profile serving more than one language (one
   * serving a single language searches all of its brand's articles, whatever language they carry).
   */
  get knowledgeLanguage(): string | undefined {
    return this.served.length > 1 ? this.now?.knowledge : undefined;
  }

  /** A caller turn's words: switches when it is the first confident one in another language. */
  onCallerText(text: unknown): Detection | undefined {
    if (!this.detecting || !this.now) return undefined;
    const found = detectLanguage(text);
    if (!found) return undefined;
    const served = (base: string) => this.served.some((l) => l.base === base);
    // An unserved best guess with a served close relative right behind it: the relative.
    const language = served(found.language) ? found.language : (found.close.find(served) ?? found.language);
    // Only a served language ends detection: a caller misread once as an unserved language is offered
    // another way (once) and may still be switched by a later, clearer turn.
    if (served(language)) this.detecting = false;
    if (language !== this.now.base) this.request(language, 'detected', found.confidence);
    return found;
  }

  /** The model's switch_language tool: `input` is a BCP 47 tag or a language's name. */
  ask(input: unknown): SwitchOutcome {
    if (typeof input !== 'string' || !input.trim())
      return { ok: false, error: 'Give the language as a BCP 47 tag ("es") or its name ("Spanish").' };
    const base = resolveLanguage(input);
    if (!base)
      return {
        ok: false,
        error: `"${input.slice(0, 40)}" is not a language this line knows. Give a BCP 47 tag ("es") or an English name ("Spanish").`,
      };
    return this.request(base, 'asked');
  }

  private request(base: string, how: LanguageSwitch['how'], confidence?: number): SwitchOutcome {
    const from = this.now;
    if (!from) return { ok: false, error: 'The call has not started yet.' };
    if (from.base === base) return { ok: true, status: 'already', language: from.tag };
    const target = this.served.find((l) => l.base === base);
    const record = (to: string, served: boolean, text: string) =>
      this.deps.record({
        role: 'system',
        source: 'language',
        text,
        startedAt: (this.deps.now?.() ?? new Date()).toISOString(),
        languageSwitch: {
          from: from.tag,
          to,
          how,
          ...(confidence !== undefined ? { confidence } : {}),
          served,
        },
      });
    if (!target) {
      const name = englishName(base);
      const instruction = unservedInstruction(name, this.served);
      if (!this.unservedSeen.has(base)) {
        this.unservedSeen.add(base);
        record(base, false, `Language: ${from.name} → ${name} (not served)`);
        // Detected: nobody asked the model; it is told what to say. Asked: the tool's output tells it.
        if (how === 'detected') this.deps.say(instruction);
      }
      return {
        ok: true,
        status: 'not_served',
        language: base,
        served: this.served.map((l) => l.tag),
        instruction,
      };
    }
    this.now = target;
    this.detecting = false;
    const transcription = this.deps.transcription();
    this.deps.updateSession({
      instructions: withLanguage(this.deps.instructions(), target),
      ...(transcription?.model
        ? {
            audio: {
              input: {
                transcription: transcriptionIn(transcription, target.transcription),
              },
            },
          }
        : {}),
    });
    if (target.voice) this.deps.voiceChanged?.(target.voice);
    const tail = how === 'detected' && confidence !== undefined ? `, detected ${confidence}` : '';
    record(target.tag, true, `Language: ${from.name} → ${target.name}${tail}`);
    return { ok: true, status: 'switched', language: target.tag };
  }
}

/** The session's transcription settings with `language` as the hint (none when the API has no such hint). */
function transcriptionIn(current: NonNullable<Transcription>, language: string): NonNullable<Transcription> {
  const { language: _old, ...rest } = current;
  return isTranscriptionLanguage(language) ? { ...rest, language } : rest;
}

/** What the model is asked to say when the caller speaks a language the line does not serve. */
export function unservedInstruction(name: string, served: readonly CallLanguageSpec[]): string {
  return (
    `The caller speaks ${name}, which this line does not serve. Say briefly, in ${name} if you can, ` +
    `that you speak ${namesOf(served)}, and offer to transfer them to a colleague or to arrange a ` +
    'callback. Do not switch to that language for the rest of the call.'
  );
}
