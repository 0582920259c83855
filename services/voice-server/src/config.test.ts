import { ConfigError } from '@switchboard/service-kit';
import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';

const BASE = {
  PUBLIC_BASE_URL: 'https://voice.example.com',
  TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'token',
  OPENAI_API_KEY: 'sk-test',
  AI_SERVER_URL: 'http://ai-server:8081',
  SERVICE_TOKEN: 'service-token',
};

describe('voice-server configuration', () => {
  it('refuses to start without APP_SERVER_URL, naming it: losing transcripts must be asked for', () => {
    expect(() => readConfig(BASE)).toThrow(ConfigError);
    expect(() => readConfig(BASE)).toThrow(/APP_SERVER_URL: is required \(or set TRANSCRIPTS=memory/);
  });

  it('keeps transcripts in memory only when TRANSCRIPTS=memory says so', () => {
    expect(readConfig({ ...BASE, TRANSCRIPTS: 'memory' }).TRANSCRIPTS).toBe('memory');
    expect(readConfig({ ...BASE, APP_SERVER_URL: 'http://app-server:8082' }).TRANSCRIPTS).toBe('app-server');
  });
});
