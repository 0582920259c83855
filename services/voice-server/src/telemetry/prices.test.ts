import { describe, expect, it } from 'vitest';
import { costOf, DEFAULT_PRICES, parsePriceTable, splitUsage } from './prices.ts';

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
    expect(costOf(split, DEFAULT_PRICES['gpt-realtime'])).toBeCloseTo(0.08148, 8);
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
    expect(table['my-model']).toEqual(prices);
    expect(table['gpt-realtime']).toEqual(DEFAULT_PRICES['gpt-realtime']);
    expect(() => parsePriceTable('{')).toThrow('is not valid JSON');
    expect(() => parsePriceTable(JSON.stringify({ m: { ...prices, audioOutput: -1 } }))).toThrow(
      'm.audioOutput must be a number >= 0',
    );
  });
});
