import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costOf, DEFAULT_PRICES, parsePriceTable, splitUsage } from './prices.ts';
import { speechPrice, sttCost, ttsCost } from './speech-prices.ts';

describe('Realtime prices', () => {
  it('splits usage into priced kinds (cached tokens apart) and costs it per 1M tokens', () => {
    const split = splitUsage({
      total_tokens: 3_000,
      input_tokens: 2_000,
      output_tokens: 1_000,
      input_token_details: {
        text_tokens: 1_200,
        audio_tokens: 800,
        cached_tokens: 700,
        cached_tokens_details: { text_tokens: 500, audio_tokens: 200 },
      },
      output_token_details: { text_tokens: 100, audio_tokens: 900 },
    });
    expect(split).toEqual({
      textInput: 700,
      cachedTextInput: 500,
      audioInput: 600,
      cachedAudioInput: 200,
      textOutput: 100,
      audioOutput: 900,
      total: 3_000,
    });
    // 700×4 + 500×0.4 + 600×32 + 200×0.4 + 100×16 + 900×64, per million.
    expect(costOf(split, DEFAULT_PRICES.realtime['gpt-realtime'])).toBeCloseTo(0.08148, 8);
    expect(costOf(split, undefined)).toBeUndefined();
  });

  it('takes a price table from config over the built-in one, naming a bad entry', () => {
    const prices = {
      textInput: 1,
      cachedTextInput: 0,
      textOutput: 2,
      audioInput: 3,
      cachedAudioInput: 0,
      audioOutput: 4,
    };
    const table = parsePriceTable(JSON.stringify({ 'my-model': prices }));
    expect(table.realtime['my-model']).toEqual(prices);
    expect(table.realtime['gpt-realtime']).toEqual(DEFAULT_PRICES.realtime['gpt-realtime']);
    expect(table.tts).toEqual(DEFAULT_PRICES.tts);
    expect(() => parsePriceTable('{')).toThrow('is not valid JSON');
    expect(() => parsePriceTable(JSON.stringify({ m: { ...prices, audioOutput: -1 } }))).toThrow(
      'm.audioOutput must be a number >= 0',
    );
  });

  it('prices TTS per character and STT per audio second, by provider/model else provider', () => {
    // ElevenLabs Flash: $0.05 per 1K characters; Multilingual v2: $0.10 (elevenlabs.io/pricing/api).
    expect(ttsCost(speechPrice(DEFAULT_PRICES.tts, 'elevenlabs', 'eleven_flash_v2_5'), 1_000)).toBeCloseTo(
      0.05,
      8,
    );
    expect(
      ttsCost(speechPrice(DEFAULT_PRICES.tts, 'elevenlabs', 'eleven_multilingual_v2'), 1_000),
    ).toBeCloseTo(0.1, 8);
    // A model without an entry of its own is priced as its provider.
    expect(ttsCost(speechPrice(DEFAULT_PRICES.tts, 'elevenlabs', 'eleven_next'), 2_000)).toBeCloseTo(0.1, 8);
    expect(speechPrice(DEFAULT_PRICES.tts, 'acme-voice', undefined)).toBeUndefined();
    // Only the table's own entries: a provider named like an Object property has no price.
    expect(speechPrice(DEFAULT_PRICES.tts, 'constructor', 'toString')).toBeUndefined();
    expect(ttsCost(undefined, 10)).toBeUndefined();
    // Cartesia ink-whisper: about $0.13 per hour of audio (1 credit per second, docs.cartesia.ai/pricing).
    expect(sttCost(speechPrice(DEFAULT_PRICES.stt, 'cartesia', 'ink-whisper'), 3_600)).toBeCloseTo(0.13, 8);
    // ElevenLabs Scribe v1: $0.22 per hour.
    expect(sttCost(speechPrice(DEFAULT_PRICES.stt, 'elevenlabs', 'scribe_v1'), 1_800)).toBeCloseTo(0.11, 8);
    expect(sttCost(speechPrice(DEFAULT_PRICES.stt, 'cartesia', 'ink-whisper'), -5)).toBe(0);
  });

  it('takes speech prices from PRICE_TABLE_JSON over the built-in ones, naming a bad entry', () => {
    const table = parsePriceTable(
      JSON.stringify({
        tts: { elevenlabs: { usdPerCharacter: 0.0001 } },
        stt: { 'cartesia/ink-2': { usdPerAudioSecond: 0.001 } },
      }),
    );
    expect(table.tts.elevenlabs).toEqual({ usdPerCharacter: 0.0001 });
    expect(table.tts['elevenlabs/eleven_multilingual_v2']).toEqual(
      DEFAULT_PRICES.tts['elevenlabs/eleven_multilingual_v2'],
    );
    expect(table.stt['cartesia/ink-2']).toEqual({ usdPerAudioSecond: 0.001 });
    expect(table.stt['cartesia/ink-whisper']).toEqual(DEFAULT_PRICES.stt['cartesia/ink-whisper']);
    expect(table.realtime).toEqual(DEFAULT_PRICES.realtime);
    expect(() => parsePriceTable(JSON.stringify({ tts: [] }))).toThrow('tts must be an object of providers');
    expect(() => parsePriceTable(JSON.stringify({ tts: { elevenlabs: { usdPerCharacter: -1 } } }))).toThrow(
      'tts.elevenlabs.usdPerCharacter must be a number >= 0',
    );
    expect(() => parsePriceTable(JSON.stringify({ stt: { cartesia: { usdPerCharacter: 1 } } }))).toThrow(
      'stt.cartesia.usdPerAudioSecond must be a number >= 0',
    );
    expect(() => parsePriceTable('{"stt":{"__proto__":{"usdPerAudioSecond":1}}}')).toThrow('__proto__');
  });

  it('any PRICE_TABLE_JSON gives a table of prices >= 0 or an Error naming what is wrong (fast-check)', () => {
    const entry = fc.oneof(
      fc.record({ usdPerCharacter: fc.oneof(fc.double(), fc.string()) }),
      fc.record({ usdPerAudioSecond: fc.oneof(fc.double({ noNaN: true }), fc.constant(null)) }),
      fc.jsonValue(),
    );
    const table = fc.oneof(
      fc.jsonValue(),
      fc.record({ tts: fc.dictionary(fc.string(), entry), stt: fc.dictionary(fc.string(), entry) }),
    );
    fc.assert(
      fc.property(table, (value) => {
        let parsed: ReturnType<typeof parsePriceTable>;
        try {
          parsed = parsePriceTable(JSON.stringify(value));
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          expect((err as Error).message.length).toBeGreaterThan(0);
          return;
        }
        const numbers = [
          ...Object.values(parsed.realtime).flatMap((p) => Object.values(p)),
          ...Object.values(parsed.tts).map((p) => p.usdPerCharacter),
          ...Object.values(parsed.stt).map((p) => p.usdPerAudioSecond),
        ];
        for (const n of numbers) expect(Number.isFinite(n) && n >= 0).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
