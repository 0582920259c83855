import { ConfigError } from '@switchboard/service-kit';
import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';

describe('app-server config', () => {
  const base = { SERVICE_TOKEN: 't', SESSION_SECRET: 'x'.repeat(32) };

  it('applies defaults', () => {
    expect(readConfig(base)).toMatchObject({
      HOST: '0.0.0.0',
      PORT: 8082,
      DATA_DIR: '.data/app-server',
      DATABASE_URL: undefined,
      SESSION_TTL_HOURS: 12,
      COOKIE_SECURE: true,
      OPIK_UI_URL: undefined,
    });
  });

  it('takes browser test calls with both WEB_CALL_URL (ws or wss) and WEB_CALL_SECRET, or neither', () => {
    const url = 'wss://voice.example.com/web-call';
    expect(readConfig({ ...base, WEB_CALL_URL: url, WEB_CALL_SECRET: 's' })).toMatchObject({
      WEB_CALL_URL: url,
      WEB_CALL_SECRET: 's',
    });
    expect(() => readConfig({ ...base, WEB_CALL_URL: url })).toThrow(ConfigError);
    expect(() => readConfig({ ...base, WEB_CALL_SECRET: 's' })).toThrow(ConfigError);
    expect(() =>
      readConfig({ ...base, WEB_CALL_URL: 'https://voice.example.com/web-call', WEB_CALL_SECRET: 's' }),
    ).toThrow(/WEB_CALL_URL/);
  });

  it('names every bad variable', () => {
    try {
      readConfig({ SESSION_SECRET: 'short', COOKIE_SECURE: 'perhaps', OPIK_UI_URL: 'not a url' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).problems.join('\n');
      expect(text).toContain('SERVICE_TOKEN: is required');
      expect(text).toContain('SESSION_SECRET: must be at least 32 characters');
      expect(text).toContain('COOKIE_SECURE: must be true or false');
      expect(text).toContain('OPIK_UI_URL: is not a URL');
    }
  });
});
