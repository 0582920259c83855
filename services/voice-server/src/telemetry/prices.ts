import type { RealtimeUsage } from './call-tracer.ts';
import {
  DEFAULT_STT_PRICES,
  DEFAULT_TTS_PRICES,
  parseSpeechPrices,
  type SttPrice,
  type TtsPrice,
} from './speech-prices.ts';

/** USD per 1M tokens of one model. */
export interface ModelPrices {
  textInput: number;
  cachedTextInput: number;
  textOutput: number;
  audioInput: number;
  cachedAudioInput: number;
  audioOutput: number;
}

/** Every price a call's trace uses; PRICE_TABLE_JSON replaces entries of it. */
export interface PriceTable {
  /** Realtime models by name (USD per 1M tokens). */
  realtime: Record<string, ModelPrices>;
  /** External TTS by `provider/model` or `provider` (speech-prices.ts). */
  tts: Record<string, TtsPrice>;
  /** External STT by `provider/model` or `provider` (speech-prices.ts). */
  stt: Record<string, SttPrice>;
}

/** OpenAI's list prices for the Realtime models (USD per 1M tokens). */
export const DEFAULT_REALTIME_PRICES: Record<string, ModelPrices> = {
  'gpt-realtime': {
    textInput: 4,
    cachedTextInput: 0.4,
    textOutput: 16,
    audioInput: 32,
    cachedAudioInput: 0.4,
    audioOutput: 64,
  },
  'gpt-realtime-mini': {
    textInput: 0.6,
    cachedTextInput: 0.06,
    textOutput: 2.4,
    audioInput: 10,
    cachedAudioInput: 0.3,
    audioOutput: 20,
  },
};

const PRICE_KEYS: Array<keyof ModelPrices> = [
  'textInput',
  'cachedTextInput',
  'textOutput',
  'audioInput',
  'cachedAudioInput',
  'audioOutput',
];

export const DEFAULT_PRICES: PriceTable = {
  realtime: DEFAULT_REALTIME_PRICES,
  tts: DEFAULT_TTS_PRICES,
  stt: DEFAULT_STT_PRICES,
};

/**
 * Parses PRICE_TABLE_JSON over the defaults; throws naming what is wrong. Top-level keys are Realtime
 * models, except `tts` and `stt`, which hold the speech providers' prices.
 */
export function parsePriceTable(json: string | undefined): PriceTable {
  if (!json) return DEFAULT_PRICES;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('is not valid JSON');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('must be an object of models');
  const table: PriceTable = { ...DEFAULT_PRICES, realtime: { ...DEFAULT_REALTIME_PRICES } };
  for (const [model, prices] of Object.entries(raw as Record<string, unknown>)) {
    if (model === 'tts') {
      table.tts = parseSpeechPrices(prices, DEFAULT_TTS_PRICES, 'tts');
      continue;
    }
    if (model === 'stt') {
      table.stt = parseSpeechPrices(prices, DEFAULT_STT_PRICES, 'stt');
      continue;
    }
    if (model === '__proto__') throw new Error('__proto__ is not a model');
    const p = prices as Record<string, unknown>;
    for (const key of PRICE_KEYS)
      if (typeof p?.[key] !== 'number' || (p[key] as number) < 0)
        throw new Error(`${model}.${key} must be a number >= 0`);
    table.realtime[model] = Object.fromEntries(PRICE_KEYS.map((k) => [k, p[k]])) as unknown as ModelPrices;
  }
  return table;
}

/** Tokens of one response, split the way they are priced. */
export interface UsageSplit {
  textInput: number;
  cachedTextInput: number;
  audioInput: number;
  cachedAudioInput: number;
  textOutput: number;
  audioOutput: number;
  total: number;
}

export function splitUsage(u: RealtimeUsage): UsageSplit {
  const inDetails = u.input_token_details ?? {};
  const cached = inDetails.cached_tokens_details ?? {};
  const cachedText = cached.text_tokens ?? 0;
  const cachedAudio = cached.audio_tokens ?? 0;
  return {
    textInput: Math.max(0, (inDetails.text_tokens ?? 0) - cachedText),
    cachedTextInput: cachedText,
    audioInput: Math.max(0, (inDetails.audio_tokens ?? 0) - cachedAudio),
    cachedAudioInput: cachedAudio,
    textOutput: u.output_token_details?.text_tokens ?? 0,
    audioOutput: u.output_token_details?.audio_tokens ?? 0,
    total: u.total_tokens ?? (u.input_tokens ?? 0) + (u.output_tokens ?? 0),
  };
}

/** USD cost of `split` at `prices`; undefined when the model has no price. */
export function costOf(split: UsageSplit, prices: ModelPrices | undefined): number | undefined {
  if (!prices) return undefined;
  let usd = 0;
  for (const key of PRICE_KEYS) usd += (split[key] * prices[key]) / 1_000_000;
  return Math.round(usd * 1e8) / 1e8;
}
