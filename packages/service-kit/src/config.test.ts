import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig } from './config.ts';
import { maskPhone } from './logger.ts';

describe('loadConfig', () => {
  const spec = {
    PORT: env.int({ default: 8080, min: 1, max: 65535 }),
    PUBLIC_BASE_URL: env.url(),
    SERVICE_TOKEN: env.string({ secret: true }),
    DEBUG: env.bool({ default: false }),
  };

  it('parses, applies defaults and freezes', () => {
    const cfg = loadConfig(spec, { PUBLIC_BASE_URL: 'https://voice.example.com/', SERVICE_TOKEN: 't' });
    expect(cfg).toEqual({
      PORT: 8080,
      PUBLIC_BASE_URL: 'https://voice.example.com',
      SERVICE_TOKEN: 't',
      DEBUG: false,
    });
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('names every missing or bad variable in one error', () => {
    try {
      loadConfig(spec, { PORT: 'eighty', PUBLIC_BASE_URL: 'ftp://x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT: must be an integer/);
      expect(problems).toMatch(/PUBLIC_BASE_URL: must use http: or https:/);
      expect(problems).toMatch(/SERVICE_TOKEN: is required/);
    }
  });
});

describe('maskPhone', () => {
  it('keeps only the last four digits', () => {
    expect(maskPhone('+14155550123')).toBe('+1******0123');
    expect(maskPhone('sip:+14155550123@brand.sip.twilio.com')).toBe('sip:+1******0123@brand.sip.twilio.com');
    expect(maskPhone('123')).toBe('***');
    expect(maskPhone(undefined)).toBe('');
  });
});
