import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';
import { speechProvidersOf } from './speech-providers.ts';

const BASE = {
  PUBLIC_BASE_URL: 'https://voice.example.com',
  TWILIO_ACCOUNT_SID: 'AC0123',
  TWILIO_AUTH_TOKEN: 'token',
  OPENAI_API_KEY: 'sk-x',
  AI_SERVER_URL: 'http://ai',
  APP_SERVER_URL: 'http://app',
  SERVICE_TOKEN: 'svc',
};

describe('speech providers from the configuration', () => {
  it('has none without keys, and the official base URLs by default', async () => {
    const config = readConfig(BASE);
    expect(config.ELEVENLABS_BASE_URL).toBe('https://api.elevenlabs.io');
    expect(config.CARTESIA_BASE_URL).toBe('https://api.cartesia.ai');
    expect(await speechProvidersOf(config)).toEqual({ transcribers: {} });
  });

  it('uses ElevenLabs for voices and Scribe, Cartesia for ink-whisper, each with its key', async () => {
    const p = await speechProvidersOf(
      readConfig({ ...BASE, ELEVENLABS_API_KEY: 'xi-key', CARTESIA_API_KEY: 'car-key' }),
    );
    expect(typeof p.tts).toBe('function');
    expect(p.transcribers?.elevenlabs?.provider).toBe('elevenlabs');
    expect(p.transcribers?.cartesia?.provider).toBe('cartesia');
    const onlyCartesia = await speechProvidersOf(readConfig({ ...BASE, CARTESIA_API_KEY: 'car-key' }));
    expect(onlyCartesia.tts).toBeUndefined();
    expect(Object.keys(onlyCartesia.transcribers ?? {})).toEqual(['cartesia']);
  });

  it('refuses a base URL that is not one, naming the variable', () => {
    expect(() => readConfig({ ...BASE, ELEVENLABS_BASE_URL: 'not a url' })).toThrow(/ELEVENLABS_BASE_URL/);
  });
});
