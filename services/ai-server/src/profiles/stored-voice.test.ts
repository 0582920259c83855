// Profiles stored before ElevenLabs settings moved to voice.settings keep working: the migration
// rewrites them, and a row an older replica writes afterwards is served in the current shape.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMigrations } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../db.ts';
import { service, startTestApp, type TestApp } from '../testing/test-app.ts';
import { currentVoice } from './stored-voice.ts';

const LEGACY = {
  provider: 'elevenlabs',
  voiceId: '21m00Tcm4TlvDq8ikWAM',
  speed: 1.5,
  elevenlabs: { modelId: 'eleven_flash_v2_5', stability: 0.5, similarityBoost: 0.8, useSpeakerBoost: false },
};
const CURRENT = {
  provider: 'elevenlabs',
  voiceId: '21m00Tcm4TlvDq8ikWAM',
  settings: { stability: 0.5, similarityBoost: 0.8, useSpeakerBoost: false, speed: 1.2 },
};

const insertProfile = (key: string, voice: unknown) =>
  `INSERT INTO "BotProfile" ("id","brandId","key","name","promptTemplate","voice","businessHours","inactivity","updatedAt")
   VALUES ('${key}-id', (SELECT "id" FROM "Brand" LIMIT 1), '${key}', 'Old', 'Hi', '${JSON.stringify(voice)}'::jsonb, '{}'::jsonb,
     '{"promptAfterSec":30,"endAfterSec":30}'::jsonb, now())`;

describe('stored voices of the old shape', () => {
  it('converts a legacy ElevenLabs voice and leaves current and OpenAI voices as they are', () => {
    expect(currentVoice(LEGACY)).toEqual(CURRENT);
    expect(currentVoice({ provider: 'elevenlabs', voiceId: 'abc', speed: 0.3 })).toEqual({
      provider: 'elevenlabs',
      voiceId: 'abc',
      settings: { speed: 0.7 },
    });
    expect(currentVoice({ provider: 'elevenlabs', voiceId: 'abc', elevenlabs: { modelId: 'm' } })).toEqual({
      provider: 'elevenlabs',
      voiceId: 'abc',
    });
    expect(currentVoice(CURRENT)).toBe(CURRENT);
    const openai = { provider: 'openai', voiceId: 'alloy', speed: 1.2 };
    expect(currentVoice(openai)).toBe(openai);
  });
});

describe('serving a profile an older replica wrote', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.createBrand('Legacy');
  });
  afterAll(async () => {
    await t.close();
  });

  it('the voice_settings migration rewrites stored ElevenLabs voices and nothing else', async () => {
    await t.db.sql.exec(insertProfile('el-old', LEGACY));
    await t.db.sql.exec(
      insertProfile('el-bare', { provider: 'elevenlabs', voiceId: 'abc', elevenlabs: { modelId: 'm' } }),
    );
    await t.db.sql.exec(insertProfile('oa-old', { provider: 'openai', voiceId: 'alloy', speed: 3 }));
    // The migration's own SQL, run on rows of the old shape (the database already has its schema).
    const migration = readMigrations(MIGRATIONS_DIR).find((m) => m.name.endsWith('_voice_settings'));
    await t.db.sql.exec(readFileSync(join(MIGRATIONS_DIR, migration!.name, 'migration.sql'), 'utf8'));
    const rows = await t.db.sql.query<{ key: string; voice: unknown }>(
      `SELECT "key", "voice" FROM "BotProfile" WHERE "key" IN ('el-old','el-bare','oa-old') ORDER BY "key"`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.key, r.voice]))).toEqual({
      'el-bare': { provider: 'elevenlabs', voiceId: 'abc' },
      'el-old': CURRENT,
      'oa-old': { provider: 'openai', voiceId: 'alloy', speed: 3 },
    });
  });

  it('gives voice-server the current shape', async () => {
    await t.db.sql.exec(insertProfile('legacy-el', LEGACY));
    const res = await t.app.inject({ url: '/internal/profiles/legacy-el', headers: service });
    expect(res.statusCode).toBe(200);
    expect(res.json().voice).toEqual(CURRENT);
  });
});
