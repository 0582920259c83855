import type { RealtimeUsage } from './call-tracer.ts';

/** USD per 1M tokens of one model. */
export interface ModelPrices {
  textInput: number;
  cachedTextInput: number;
  textOutput: number;
  audioInput: number;
  cachedAudioInput: number;
  audioOutput: number;
}

/** Prices by model name; PRICE_TABLE_JSON replaces entries of it. */
export type PriceTable = Record<string, ModelPrices>;

/** OpenAI's list prices for the Realtime models (USD per 1M tokens). */
export const DEFAULT_PRICES: PriceTable = {
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

/** Parses PRICE_TABLE_JSON over the defaults; throws naming what is wrong. */
export function parsePriceTable(json: string | undefined): PriceTable {
  if (!json) return DEFAULT_PRICES;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('is not valid JSON');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('must be an object of models');
  const table: PriceTable = { ...DEFAULT_PRICES };
  for (const [model, prices] of Object.entries(raw as Record<string, unknown>)) {
    const p = prices as Record<string, unknown>;
    for (const key of PRICE_KEYS)
      if (typeof p?.[key] !== 'number' || (p[key] as number) < 0)
        throw new Error(`${model}.${key} must be a number >= 0`);
    table[model] = Object.fromEntries(PRICE_KEYS.map((k) => [k, p[k]])) as unknown as ModelPrices;
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
