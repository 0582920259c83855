/**
 * List prices of the external speech providers, for the cost on a call's trace. Keys are
 * `provider/model`, or `provider` alone for every model of it without an entry of its own.
 * PRICE_TABLE_JSON replaces entries (`{"tts":{"elevenlabs":{"usdPerCharacter":0.00005}}}`).
 */

/** Text to speech, billed per character sent. */
export interface TtsPrice {
  usdPerCharacter: number;
}

/** Speech to text, billed per second of audio received (silence included). */
export interface SttPrice {
  usdPerAudioSecond: number;
}

export const DEFAULT_TTS_PRICES: Record<string, TtsPrice> = {
  // ElevenLabs API pricing (elevenlabs.io/pricing/api): Flash/Turbo $0.05 per 1K characters (half a
  // credit per character, help.elevenlabs.io "How do I find the model ID"); Multilingual v2/v3 $0.10.
  elevenlabs: { usdPerCharacter: 0.05 / 1000 },
  'elevenlabs/eleven_flash_v2_5': { usdPerCharacter: 0.05 / 1000 },
  'elevenlabs/eleven_turbo_v2_5': { usdPerCharacter: 0.05 / 1000 },
  'elevenlabs/eleven_multilingual_v2': { usdPerCharacter: 0.1 / 1000 },
  'elevenlabs/eleven_v3': { usdPerCharacter: 0.1 / 1000 },
};

export const DEFAULT_STT_PRICES: Record<string, SttPrice> = {
  // Cartesia (docs.cartesia.ai/pricing): ink-whisper over the WebSocket is 1 credit per second of
  // audio, announced at about $0.13 per hour (cartesia.ai/blog/introducing-ink-speech-to-text);
  // ink-2 is 3 credits per second.
  cartesia: { usdPerAudioSecond: 0.13 / 3600 },
  'cartesia/ink-whisper': { usdPerAudioSecond: 0.13 / 3600 },
  'cartesia/ink-2': { usdPerAudioSecond: 0.39 / 3600 },
  // ElevenLabs API pricing (elevenlabs.io/pricing/api): Scribe v1/v2 $0.22 per hour, Scribe v2
  // Realtime $0.39 per hour.
  elevenlabs: { usdPerAudioSecond: 0.22 / 3600 },
  'elevenlabs/scribe_v1': { usdPerAudioSecond: 0.22 / 3600 },
  'elevenlabs/scribe_v2': { usdPerAudioSecond: 0.22 / 3600 },
  'elevenlabs/scribe_v2_realtime': { usdPerAudioSecond: 0.39 / 3600 },
};

/** The entry for `provider/model`, else for `provider` (own entries only: never `constructor`). */
export function speechPrice<P>(
  table: Record<string, P>,
  provider: string,
  model: string | undefined,
): P | undefined {
  const entry = (key: string) => (Object.hasOwn(table, key) ? table[key] : undefined);
  return (model ? entry(`${provider}/${model}`) : undefined) ?? entry(provider);
}

/** USD of `characters` synthesized; undefined when the provider has no price. */
export function ttsCost(price: TtsPrice | undefined, characters: number): number | undefined {
  if (!price) return undefined;
  return round8(Math.max(0, characters) * price.usdPerCharacter);
}

/** USD of `audioSeconds` transcribed; undefined when the provider has no price. */
export function sttCost(price: SttPrice | undefined, audioSeconds: number): number | undefined {
  if (!price) return undefined;
  return round8(Math.max(0, audioSeconds) * price.usdPerAudioSecond);
}

/** Parses the `tts` or `stt` part of PRICE_TABLE_JSON over `defaults`; throws naming what is wrong. */
export function parseSpeechPrices<P extends object>(
  raw: unknown,
  defaults: Record<string, P>,
  section: 'tts' | 'stt',
): Record<string, P> {
  const field = section === 'tts' ? 'usdPerCharacter' : 'usdPerAudioSecond';
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${section} must be an object of providers`);
  const table: Record<string, P> = { ...defaults };
  for (const [key, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (key === '__proto__') throw new Error(`${section}.__proto__ is not a provider`);
    const value = (entry as Record<string, unknown> | null)?.[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new Error(`${section}.${key}.${field} must be a number >= 0`);
    table[key] = { [field]: value } as P;
  }
  return table;
}

function round8(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}
