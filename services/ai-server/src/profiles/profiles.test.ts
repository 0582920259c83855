import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, profileBody, service, startTestApp, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
let apiKey: string;
let brandId: string;
beforeAll(async () => {
  t = await startTestApp();
  ({ apiKey, brandId } = await t.createBrand('Acme'));
});
afterAll(async () => {
  await t.close();
});

const post = (url: string, payload: unknown, headers = brand(apiKey)) =>
  t.app.inject({ method: 'POST', url, headers, payload: payload as object });

describe('brand admin: bot profiles', () => {
  it('creates a profile with defaults and reads it back', async () => {
    const res = await post(
      '/admin/profiles',
      profileBody('acme-main', {
        phoneNumbers: ['+14155550100'],
        sipDomains: ['Acme.sip.twilio.com'.toLowerCase()],
        applicationSids: [`AP${'a'.repeat(32)}`],
        greeting: 'Hi, Acme here.',
        transferTarget: '+14155550199',
      }),
    );
    expect(res.statusCode).toBe(201);
    const p = res.json();
    expect(p).toMatchObject({
      key: 'acme-main',
      brandId,
      language: 'en-US',
      vadThreshold: 0.9,
      inactivity: { promptAfterSec: 30, endAfterSec: 30 },
      maxDurationSec: 1800,
      creditSeconds: 0,
      phoneNumbers: ['+14155550100'],
      sipDomains: ['acme.sip.twilio.com'],
      transcriber: null,
    });
    const read = await t.app.inject({ url: '/admin/profiles/acme-main', headers: brand(apiKey) });
    expect(read.json()).toEqual(p);
    const list = await t.app.inject({ url: '/admin/profiles', headers: brand(apiKey) });
    expect(list.json().profiles.map((x: { key: string }) => x.key)).toContain('acme-main');
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...profileBody('bad-1'), voice: undefined }, /body\.voice is required/],
      [profileBody('bad-2', { colour: 'red' }), /body\.colour is not allowed/],
      [profileBody('bad-3', { vadThreshold: 2 }), /body\.vadThreshold must be <= 1/],
      [profileBody('bad-4', { timezone: 'Mars/Olympus' }), /^body\.timezone is not a known IANA time zone$/],
      [
        profileBody('bad-5', { promptTemplate: 'Hi {{nope}}' }),
        /body\.promptTemplate uses unknown placeholder \{\{nope\}\}/,
      ],
      [profileBody('bad-6', { phoneNumbers: ['555-0100'] }), /body\.phoneNumbers\.0 must match pattern/],
      [
        profileBody('bad-7', { businessHours: { monday: [{ open: '9am', close: '17:00' }] } }),
        /body\.businessHours\.monday\.0\.open/,
      ],
      [
        profileBody('bad-8', { inactivity: { promptAfterSec: 20, endAfterSec: 10 } }),
        /body\.inactivity\.endAfterSec must be at least/,
      ],
      [profileBody('Bad Key'), /body\.key must match pattern/],
      [profileBody('bad-9', { recording: { consentNotice: 'We record.' } }), /body\.recording/],
      [
        profileBody('bad-10', { recording: { enabled: true, consentNotice: '' } }),
        /body\.recording\.consentNotice/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await post('/admin/profiles', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
  });

  it('records calls with a consent notice, and stops when recording is set to null', async () => {
    const made = await post(
      '/admin/profiles',
      profileBody('acme-recorded', { recording: { enabled: true, consentNotice: 'We record calls.' } }),
    );
    expect(made.statusCode).toBe(201);
    expect(made.json().recording).toEqual({ enabled: true, consentNotice: 'We record calls.' });
    const call = await t.app.inject({ url: '/internal/profiles/acme-recorded', headers: service });
    expect(call.json().recording).toEqual({ enabled: true, consentNotice: 'We record calls.' });
    const off = await t.app.inject({
      method: 'PATCH',
      url: '/admin/profiles/acme-recorded',
      headers: brand(apiKey),
      payload: { recording: null },
    });
    expect(off.json().recording).toEqual({ enabled: false, consentNotice: null });
  });

  it('patches only the given fields and replaces addresses per kind', async () => {
    await post(
      '/admin/profiles',
      profileBody('acme-patch', { phoneNumbers: ['+14155550111'], sipDomains: ['patch.example.com'] }),
    );
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/admin/profiles/acme-patch',
      headers: brand(apiKey),
      payload: {
        greeting: 'New greeting',
        phoneNumbers: ['+14155550112'],
        transcriber: { provider: 'cartesia', model: 'ink-whisper' },
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      greeting: 'New greeting',
      phoneNumbers: ['+14155550112'],
      sipDomains: ['patch.example.com'],
      transcriber: { provider: 'cartesia', model: 'ink-whisper' },
      name: 'Profile acme-patch',
    });
    const keyChange = await t.app.inject({
      method: 'PATCH',
      url: '/admin/profiles/acme-patch',
      headers: brand(apiKey),
      payload: { key: 'other' },
    });
    expect(keyChange.statusCode).toBe(400);
    expect(keyChange.json().error.message).toMatch(/body\.key is not allowed/);
  });

  it('refuses a key or an address another profile already has, without echoing phone numbers', async () => {
    await post('/admin/profiles', profileBody('acme-a', { phoneNumbers: ['+14155550120'] }));
    const dupKey = await post('/admin/profiles', profileBody('acme-a'));
    expect(dupKey.statusCode).toBe(409);
    expect(dupKey.json().error.code).toBe('PROFILE_KEY_TAKEN');
    const dupNumber = await post(
      '/admin/profiles',
      profileBody('acme-b', { phoneNumbers: ['+14155550121', '+14155550120'] }),
    );
    expect(dupNumber.statusCode).toBe(409);
    expect(dupNumber.json().error).toMatchObject({
      code: 'ADDRESS_TAKEN',
      message: 'body.phoneNumbers[1] already routes to another profile',
    });
    expect(JSON.stringify(t.logs)).not.toContain('4155550120');
  });

  it('deletes a profile', async () => {
    await post('/admin/profiles', profileBody('acme-gone'));
    const del = await t.app.inject({
      method: 'DELETE',
      url: '/admin/profiles/acme-gone',
      headers: brand(apiKey),
    });
    expect(del.statusCode).toBe(204);
    const again = await t.app.inject({
      method: 'DELETE',
      url: '/admin/profiles/acme-gone',
      headers: brand(apiKey),
    });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('PROFILE_NOT_FOUND');
  });

  it('refuses requests without a valid brand key', async () => {
    const none = await t.app.inject({ url: '/admin/profiles' });
    expect(none.statusCode).toBe(401);
    const wrong = await t.app.inject({ url: '/admin/profiles', headers: brand('sbk_notakey') });
    expect(wrong.json().error.code).toBe('INVALID_API_KEY');
    const serviceOnAdmin = await t.app.inject({ url: '/admin/profiles', headers: service });
    expect(serviceOnAdmin.statusCode).toBe(401);
  });
});

describe('internal: profile lookup and read', () => {
  beforeAll(async () => {
    await post(
      '/admin/profiles',
      profileBody('acme-lookup', {
        phoneNumbers: ['+14155550130'],
        sipDomains: ['lookup.sip.example.com'],
        applicationSids: [`AP${'b'.repeat(32)}`],
        greeting: 'Hello!',
        outboundCallerId: '+14155550131',
        inactivity: { promptAfterSec: 8, endAfterSec: 20 },
        maxDurationSec: 900,
        vadThreshold: 0.62,
      }),
    );
  });

  it('finds the profile by SIP domain, To (number or SIP URI) and application SID', async () => {
    const want = { key: 'acme-lookup', brandId, name: 'Profile acme-lookup' };
    const q = async (query: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/internal/profiles/lookup', payload: query, headers: service });
    expect((await q({ sipDomain: 'LOOKUP.sip.example.com' })).json()).toEqual(want);
    expect((await q({ to: '+14155550130' })).json()).toEqual(want);
    expect((await q({ to: 'sip:+14155550130@lookup.sip.example.com' })).json()).toEqual(want);
    expect((await q({ applicationSid: `AP${'b'.repeat(32)}` })).json()).toEqual(want);
    expect((await q({ sipDomain: 'nobody.example.com', to: '+14155550130' })).json()).toEqual(want);
    const miss = await q({ to: '+19999999999' });
    expect(miss.statusCode).toBe(404);
    expect(miss.json().error.code).toBe('PROFILE_NOT_FOUND');
  });

  it('serves the call view of a profile', async () => {
    const res = await t.app.inject({ url: '/internal/profiles/acme-lookup', headers: service });
    expect(res.json()).toEqual({
      key: 'acme-lookup',
      brandId,
      name: 'Profile acme-lookup',
      language: 'en-US',
      greeting: 'Hello!',
      voice: { provider: 'openai', voiceId: 'alloy', speed: 1 },
      transcriber: null,
      vadThreshold: 0.62,
      inactivity: { promptAfterSec: 8, endAfterSec: 20 },
      maxDurationSec: 900,
      transferTarget: null,
      outboundCallerId: '+14155550131',
      afterHoursMessage: null,
      timezone: 'America/New_York',
      phoneNumbers: ['+14155550130'],
      sipDomains: ['lookup.sip.example.com'],
      applicationSids: [`AP${'b'.repeat(32)}`],
      recording: { enabled: false, consentNotice: null },
      analysisSchema: null,
      agents: [],
      entryAgent: null,
      returnRequired: false,
    });
  });

  it('needs the service token (a brand key is not enough)', async () => {
    expect((await t.app.inject({ url: '/internal/profiles/acme-lookup' })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ url: '/internal/profiles/acme-lookup', headers: brand(apiKey) })).statusCode,
    ).toBe(401);
  });
});
