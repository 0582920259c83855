// Profile voices and transcribers: what the Realtime API and ElevenLabs accept is accepted and served
// as given; anything else is a 400 naming the field, never a 5xx (fixed cases and generated ones).
import { hostile } from '@switchboard/service-kit/testing/route-fuzz';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
let apiKey: string;
beforeAll(async () => {
  t = await startTestApp();
  ({ apiKey } = await t.createBrand('Voices'));
});
afterAll(async () => {
  await t.close();
});

let n = 0;
const create = (voice: unknown, extra: Record<string, unknown> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: brand(apiKey),
    payload: profileBody(`voice-${++n}`, { voice, ...extra }),
  });
const raw = (text: string) =>
  t.app.inject({
    method: 'POST',
    url: '/admin/profiles',
    headers: { ...brand(apiKey), 'content-type': 'application/json' },
    payload: text,
  });

const EL = { provider: 'elevenlabs', voiceId: '21m00Tcm4TlvDq8ikWAM' };

describe('profile voices', () => {
  it('accepts every Realtime voice and ElevenLabs voices with settings, and serves them as given', async () => {
    for (const voiceId of [
      'alloy',
      'ash',
      'ballad',
      'coral',
      'echo',
      'sage',
      'shimmer',
      'verse',
      'marin',
      'cedar',
    ])
      expect((await create({ provider: 'openai', voiceId, speed: 0.25 })).statusCode, voiceId).toBe(201);
    expect((await create({ provider: 'openai', voiceId: 'cedar', speed: 1.5 })).statusCode).toBe(201);
    const voice = {
      ...EL,
      settings: { stability: 0, similarityBoost: 1, style: 0.3, useSpeakerBoost: true, speed: 0.7 },
    };
    const res = await create(voice);
    expect(res.statusCode).toBe(201);
    const internal = await t.app.inject({ url: `/internal/profiles/${res.json().key}`, headers: service });
    expect(internal.json().voice).toEqual(voice);
    expect((await create(EL)).statusCode).toBe(201);
    expect((await create({ ...EL, settings: {} })).statusCode).toBe(201);
    expect((await create({ ...EL, settings: { speed: 1.2 } })).statusCode).toBe(201);
  });

  it('answers 400 naming the field for voices and speeds the provider does not have', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        { provider: 'openai', voiceId: 'nova' },
        /^body\.voice\.voiceId must be a Realtime voice \(alloy, ash, ballad, coral, echo, sage, shimmer, verse, marin, cedar\)$/,
      ],
      [{ provider: 'openai', voiceId: 'alloy', speed: 1.6 }, /^body\.voice\.speed must be <= 1\.5$/],
      [{ provider: 'openai', voiceId: 'alloy', speed: 0.2 }, /^body\.voice\.speed must be >= 0\.25$/],
      [
        { provider: 'openai', voiceId: 'alloy', settings: {} },
        /^body\.voice\.settings is only for ElevenLabs voices$/,
      ],
      [
        { provider: 'polly', voiceId: 'Joanna' },
        /^body\.voice\.provider must be equal to one of the allowed values$/,
      ],
      [{ provider: 'elevenlabs' }, /^body\.voice\.voiceId is required$/],
      [
        { ...EL, voiceId: 'abc-123' },
        /^body\.voice\.voiceId must be letters and digits for an ElevenLabs voice$/,
      ],
      [{ ...EL, voiceId: '' }, /^body\.voice\.voiceId must NOT have fewer than 1 characters$/],
      [
        { ...EL, speed: 1 },
        /^body\.voice\.speed is not allowed for an ElevenLabs voice; use body\.voice\.settings\.speed$/,
      ],
      [{ ...EL, elevenlabs: { stability: 0.5 } }, /^body\.voice\.elevenlabs is not allowed$/],
      [{ ...EL, settings: { stability: 1.01 } }, /^body\.voice\.settings\.stability must be <= 1$/],
      [
        { ...EL, settings: { similarityBoost: -0.1 } },
        /^body\.voice\.settings\.similarityBoost must be >= 0$/,
      ],
      [{ ...EL, settings: { style: 2 } }, /^body\.voice\.settings\.style must be <= 1$/],
      [{ ...EL, settings: { speed: 0.69 } }, /^body\.voice\.settings\.speed must be >= 0\.7$/],
      [{ ...EL, settings: { speed: 1.21 } }, /^body\.voice\.settings\.speed must be <= 1\.2$/],
      [
        { ...EL, settings: { useSpeakerBoost: 'yes' } },
        /^body\.voice\.settings\.useSpeakerBoost must be boolean$/,
      ],
      [
        { ...EL, settings: { modelId: 'eleven_flash_v2_5' } },
        /^body\.voice\.settings\.modelId is not allowed$/,
      ],
      [{ ...EL, settings: [] }, /^body\.voice\.settings must be object$/],
    ];
    for (const [voice, message] of cases) {
      const res = await create(voice);
      expect(res.statusCode, JSON.stringify(voice)).toBe(400);
      expect(res.json().error.message, JSON.stringify(voice)).toMatch(message);
    }
  });

  it('refuses non-finite numbers naming the field, without repeating the input', async () => {
    const body = JSON.stringify(profileBody('voice-inf', { voice: EL }));
    for (const [path, text] of [
      ['body.voice.settings.stability', '{"stability":1e400}'],
      ['body.voice.settings.speed', '{"speed":-1e400}'],
    ] as const) {
      const res = await raw(
        body.replace(
          '"voiceId":"21m00Tcm4TlvDq8ikWAM"}',
          `"voiceId":"21m00Tcm4TlvDq8ikWAM","settings":${text}}`,
        ),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain(path);
      expect(res.body).not.toContain('1e400');
    }
    const speed = await raw(
      body
        .replace('"voiceId":"21m00Tcm4TlvDq8ikWAM"}', '"voiceId":"marin","speed":1e400}')
        .replace('"elevenlabs"', '"openai"'),
    );
    expect(speed.statusCode).toBe(400);
    expect(speed.json().error.message).toContain('body.voice.speed');
  });

  it('checks a PATCHed voice the same way', async () => {
    const key = (await create({ provider: 'openai', voiceId: 'marin' })).json().key as string;
    const patch = (voice: unknown) =>
      t.app.inject({
        method: 'PATCH',
        url: `/admin/profiles/${key}`,
        headers: brand(apiKey),
        payload: { voice },
      });
    const bad = await patch({ ...EL, settings: { stability: 3 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^body\.voice\.settings\.stability must be <= 1$/);
    const good = await patch({ ...EL, settings: { stability: 0.4 } });
    expect(good.statusCode).toBe(200);
    expect(good.json().voice).toEqual({ ...EL, settings: { stability: 0.4 } });
  });

  it('property: any valid ElevenLabs voice is accepted and served back unchanged', async () => {
    const settings = fc.record(
      {
        stability: fc.double({ min: 0, max: 1, noNaN: true }),
        similarityBoost: fc.double({ min: 0, max: 1, noNaN: true }),
        style: fc.double({ min: 0, max: 1, noNaN: true }),
        useSpeakerBoost: fc.boolean(),
        speed: fc.double({ min: 0.7, max: 1.2, noNaN: true }),
      },
      { requiredKeys: [] },
    );
    const voiceId = fc.stringMatching(/^[A-Za-z0-9]{1,40}$/);
    await fc.assert(
      fc.asyncProperty(voiceId, fc.option(settings, { nil: undefined }), async (id, s) => {
        // -0 is stored as 0 by JSON; compare what JSON carries.
        const voice = JSON.parse(
          JSON.stringify({ provider: 'elevenlabs', voiceId: id, ...(s ? { settings: s } : {}) }),
        );
        const res = await create(voice);
        expect(res.statusCode).toBe(201);
        const served = await t.app.inject({ url: `/internal/profiles/${res.json().key}`, headers: service });
        expect(served.json().voice).toEqual(voice);
      }),
      { numRuns: 25 },
    );
  });

  it('property: a hostile value anywhere in a voice is a 400 naming a voice field, never a 5xx', async () => {
    const fields = [
      ['provider'],
      ['voiceId'],
      ['speed'],
      ['settings'],
      ['settings', 'stability'],
      ['settings', 'similarityBoost'],
      ['settings', 'style'],
      ['settings', 'useSpeakerBoost'],
      ['settings', 'speed'],
      ['settings', 'unknownKey'],
    ];
    const outOfRange = fc.oneof(
      fc.double({ min: 1.2000001, max: 1e6, noNaN: true }),
      fc.double({ min: -1e6, max: -0.0000001, noNaN: true }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('openai', 'elevenlabs'),
        fc.constantFrom(...fields),
        fc.oneof(hostile, outOfRange),
        async (provider, path, bad) => {
          const voice: Record<string, unknown> =
            provider === 'openai' ? { provider, voiceId: 'alloy' } : { ...EL, settings: { stability: 0.5 } };
          if (path.length === 1) voice[path[0]!] = bad;
          else voice.settings = { ...((voice.settings as object) ?? {}), [path[1]!]: bad };
          const raws: string[] = [];
          const text = JSON.stringify(profileBody(`voice-p${++n}`, { voice }), (_k, v) => {
            // the fuzz suite's raw JSON texts (1e400, 10,000-deep arrays) go in as they are
            if (v && typeof v === 'object' && Object.keys(v).length === 1 && typeof v.text === 'string') {
              raws.push(v.text);
              return `@@raw${raws.length - 1}@@`;
            }
            return v;
          }).replace(/"@@raw(\d+)@@"/g, (_m, i: string) => raws[Number(i)]!);
          const res = await raw(text);
          expect(res.statusCode).toBeLessThan(500);
          // Some hostile values are valid here (a boolean for useSpeakerBoost, 0 for stability).
          if (res.statusCode === 201) return;
          expect(res.statusCode).toBe(400);
          expect(res.json().error.message).toMatch(/^body\.voice\b/);
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe('profile transcribers', () => {
  it('accepts the Realtime transcription models, external providers and null', async () => {
    for (const transcriber of [
      { provider: 'openai', model: 'gpt-4o-mini-transcribe' },
      { provider: 'openai', model: 'gpt-4o-transcribe', language: 'fr' },
      { provider: 'openai', model: 'whisper-1' },
      { provider: 'openai' },
      { provider: 'cartesia', model: 'ink-whisper', language: 'en' },
      { provider: 'elevenlabs', model: 'scribe_v1' },
      null,
    ]) {
      const res = await create({ provider: 'openai', voiceId: 'marin' }, { transcriber });
      expect(res.statusCode, JSON.stringify(transcriber)).toBe(201);
      expect(res.json().transcriber).toEqual(transcriber);
    }
  });

  it('answers 400 naming the field for an unknown provider or OpenAI model', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ provider: 'deepgram' }, /^body\.transcriber\.provider must be equal to one of the allowed values$/],
      [
        { provider: 'openai', model: 'gpt-4o-realtime' },
        /^body\.transcriber\.model must be one of gpt-4o-mini-transcribe, gpt-4o-transcribe, whisper-1 for openai$/,
      ],
      [{ provider: 'cartesia', model: 'ink whisper' }, /^body\.transcriber\.model must match pattern/],
      [{ model: 'whisper-1' }, /^body\.transcriber\.provider is required$/],
      [{ provider: 'openai', speed: 1 }, /^body\.transcriber\.speed is not allowed$/],
    ];
    for (const [transcriber, message] of cases) {
      const res = await create({ provider: 'openai', voiceId: 'marin' }, { transcriber });
      expect(res.statusCode, JSON.stringify(transcriber)).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
  });
});
