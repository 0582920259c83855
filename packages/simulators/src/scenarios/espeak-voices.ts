/**
 * Which espeak-ng voice speaks a caller's language. espeak-ng lists its voices (`espeak-ng --voices`)
 * with a priority, a language and the other languages each also speaks (`(es-mx 6)`); a BCP 47 tag is
 * matched whole first (`es-MX` → `es-419`, `pt-BR` → `pt-br`), then by its primary subtag (`fr-CA` →
 * `fr-fr`), the lowest priority number winning, as espeak-ng itself ranks them. English without a
 * region keeps the American voice call-sim has always spoken with.
 */
import { spawnSync } from 'node:child_process';

/** The voice caller turns are spoken with when the scenario names no language. */
export const DEFAULT_ESPEAK_VOICE = 'en-us';

/** One language an espeak-ng voice speaks, and how much espeak-ng prefers it for that language. */
interface VoiceEntry {
  voice: string;
  language: string;
  priority: number;
}

/** Parses `espeak-ng --voices`: the voice's own language and the other languages it lists. */
export function parseEspeakVoices(listing: string): VoiceEntry[] {
  const entries: VoiceEntry[] = [];
  for (const line of listing.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s+\S+\s+\S+\s+\S+(.*)$/.exec(line);
    if (!m) continue;
    const voice = m[2]!.toLowerCase();
    entries.push({ voice, language: voice, priority: Number(m[1]) });
    for (const other of m[3]!.matchAll(/\((\S+) (\d+)\)/g))
      entries.push({ voice, language: other[1]!.toLowerCase(), priority: Number(other[2]) });
  }
  return entries;
}

/** The voice for `tag` (BCP 47), or null when espeak-ng has none for the language. */
export function espeakVoiceFor(tag: string | undefined, voices: VoiceEntry[]): string | null {
  if (tag === undefined) return DEFAULT_ESPEAK_VOICE;
  const wanted = tag.toLowerCase();
  const primary = wanted.split('-')[0]!;
  if (wanted === 'en') return DEFAULT_ESPEAK_VOICE;
  for (const language of [wanted, primary]) {
    const best = voices
      .filter((v) => v.language === language)
      .sort((a, b) => a.priority - b.priority || a.voice.localeCompare(b.voice))[0];
    if (best) return best.voice;
  }
  return null;
}

let installed: VoiceEntry[] | null = null;

/** The voices of the espeak-ng installed here (read once). */
export function installedEspeakVoices(): VoiceEntry[] {
  if (!installed) {
    const r = spawnSync('espeak-ng', ['--voices'], { encoding: 'utf8' });
    installed = r.status === 0 ? parseEspeakVoices(r.stdout) : [];
  }
  return installed;
}

/** The installed voice for `tag`; a language espeak-ng cannot speak is an error that says so. */
export function requireEspeakVoice(tag: string | undefined): string {
  const voice = espeakVoiceFor(tag, installedEspeakVoices());
  if (voice === null)
    throw new Error(
      `espeak-ng has no voice for the language '${tag}' (its languages are listed by espeak-ng --voices); use another language or --voice simulated`,
    );
  return voice;
}
