/**
 * `audio.input.transcription`: which transcription models and languages the real API takes, and the
 * parser for the session's transcription config. Sources: the GA schema `AudioTranscription`
 * (openai/openai-openapi, and the openai SDK v6 `AudioTranscription` type) for the models and fields;
 * the languages are the product's own list (`@switchboard/realtime/api-values`, one list for both),
 * whose source is the real API's `invalid_value` for a language.
 */
import { TRANSCRIPTION_LANGUAGES } from '@switchboard/realtime/api-values';
import { RealtimeProtocolError } from './errors.ts';
import { checkKeys, expectArray, expectEnum, expectObject, expectString, quotedList } from './validate.ts';

/** Transcription models a Realtime session accepts (GA `AudioTranscription.model`). */
export const TRANSCRIPTION_MODELS = [
  'whisper-1',
  'gpt-4o-mini-transcribe',
  'gpt-4o-mini-transcribe-2025-12-15',
  'gpt-4o-transcribe',
  'gpt-4o-transcribe-diarize',
  'gpt-transcribe',
  'gpt-live-transcribe',
  'gpt-realtime-whisper',
] as const;

/** One of {@link TRANSCRIPTION_MODELS}. */
export type TranscriptionModel = (typeof TRANSCRIPTION_MODELS)[number];

/** Languages a transcription `language` may name (ISO-639-1, as the real API lists them). */
export { TRANSCRIPTION_LANGUAGES };

/** `delay` values (only `gpt-realtime-whisper` takes them). */
const DELAYS = ['minimal', 'low', 'medium', 'high', 'xhigh'] as const;
/** Models that take `languages` and `keywords`. */
const MULTI_LANGUAGE_MODELS: readonly string[] = ['gpt-transcribe', 'gpt-live-transcribe'];

/** The session's transcription settings. */
export interface TranscriptionConfig {
  model?: TranscriptionModel;
  language?: string;
  languages?: string[];
  keywords?: string[];
  prompt?: string;
  delay?: (typeof DELAYS)[number];
}

const PATH = 'session.audio.input.transcription';

/** Parses `audio.input.transcription` (null turns it off); throws naming the param. */
export function parseTranscription(value: unknown): TranscriptionConfig | null {
  if (value === null) return null;
  const t = expectObject(value, PATH);
  checkKeys(t, ['model', 'language', 'languages', 'keywords', 'prompt', 'delay'], PATH);
  const out: TranscriptionConfig = {};
  if ('model' in t) out.model = expectEnum(t.model, TRANSCRIPTION_MODELS, `${PATH}.model`);
  if ('language' in t) out.language = parseLanguage(t.language, `${PATH}.language`);
  if ('languages' in t) {
    const list = expectArray(t.languages, `${PATH}.languages`);
    if (list.length === 0) {
      throw new RealtimeProtocolError(
        'empty_array',
        `Invalid '${PATH}.languages': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
        `${PATH}.languages`,
      );
    }
    out.languages = list.map((l, i) => parseLanguage(l, `${PATH}.languages[${i}]`));
    onlyFor(out.model, MULTI_LANGUAGE_MODELS, 'languages');
  }
  if ('keywords' in t) {
    out.keywords = expectArray(t.keywords, `${PATH}.keywords`).map((k, i) =>
      expectString(k, `${PATH}.keywords[${i}]`),
    );
    onlyFor(out.model, MULTI_LANGUAGE_MODELS, 'keywords');
  }
  if ('prompt' in t) {
    out.prompt = expectString(t.prompt, `${PATH}.prompt`);
    if (out.model === 'gpt-realtime-whisper') unsupported('prompt', out.model);
  }
  if ('delay' in t) {
    out.delay = expectEnum(t.delay, DELAYS, `${PATH}.delay`);
    onlyFor(out.model, ['gpt-realtime-whisper'], 'delay');
  }
  return out;
}

function parseLanguage(value: unknown, path: string): string {
  return expectEnum(expectString(value, path), TRANSCRIPTION_LANGUAGES, path);
}

function onlyFor(model: string | undefined, models: readonly string[], field: string): void {
  if (model === undefined || !models.includes(model)) unsupported(field, model ?? 'the default model');
}

function unsupported(field: string, model: string): never {
  throw new RealtimeProtocolError(
    'invalid_value',
    `Invalid '${PATH}.${field}': not supported with '${model}'. Supported with: ${quotedList(MODELS_FOR[field]!)}.`,
    `${PATH}.${field}`,
  );
}

const MODELS_FOR: Record<string, readonly string[]> = {
  languages: MULTI_LANGUAGE_MODELS,
  keywords: MULTI_LANGUAGE_MODELS,
  delay: ['gpt-realtime-whisper'],
  prompt: TRANSCRIPTION_MODELS.filter((m) => m !== 'gpt-realtime-whisper'),
};

/** Whether the model streams incremental deltas (whisper-1 sends the whole transcript in one delta). */
export function streamsIncrementally(model: TranscriptionModel | undefined): boolean {
  return model !== undefined && model !== 'whisper-1';
}
