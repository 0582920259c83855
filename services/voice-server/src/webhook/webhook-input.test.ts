// Signed webhooks with odd or hostile fields: a clear answer (TwiML) and a warn line naming the field,
// never a 5xx, never "we cannot take your call" for what is not an outage.
import { signTwilioRequest } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_TOKEN, build, closeApp, logLines, PUBLIC, pstnCall } from '../testing/app-harness.ts';

afterEach(closeApp);

const WEBHOOK = `${PUBLIC}/twilio-voice-webhook`;

/** Posts a form body as Twilio would, signed over what is sent (repeated keys included). */
async function postSigned(app: Awaited<ReturnType<typeof build>>['app'], pairs: Array<[string, string]>) {
  const params: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    const prev = params[k];
    params[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return app.inject({
    method: 'POST',
    url: '/twilio-voice-webhook',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, WEBHOOK, params as Record<string, string>),
    },
    payload: new URLSearchParams(pairs).toString(),
  });
}

const levels = () => logLines().map((l) => (JSON.parse(l) as { level: number }).level);

describe('signed webhooks with unusable fields', () => {
  it('a To of 5,000 digits gets the not-in-service answer and a warn line naming To', async () => {
    const { app, ai } = await build();
    const res = await postSigned(app, Object.entries(pstnCall({ To: `+1${'5'.repeat(5_000)}` })));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('not in service');
    expect(ai.lookups).toHaveLength(0);
    const warn = logLines().find((l) => l.includes('unusable field'));
    expect(JSON.parse(warn!)).toMatchObject({ level: 40, field: 'To' });
    expect(levels().every((l) => l < 50)).toBe(true);
    expect(warn).not.toContain('55555');
  });

  it('a repeated To gets the not-in-service answer', async () => {
    const { app } = await build();
    const res = await postSigned(app, [...Object.entries(pstnCall()), ['To', '+18005550101']]);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('not in service');
    expect(logLines().join('')).toContain('"field":"To"');
  });

  it('ai-server refusing the lookup (a 4xx) is "not in service", not an outage', async () => {
    const { app, ai } = await build();
    ai.lookupBotProfile = async () => {
      throw Object.assign(new Error('body.to must match format'), { statusCode: 400 });
    };
    const res = await postSigned(app, Object.entries(pstnCall()));
    expect(res.body).toContain('not in service');
    expect(levels().every((l) => l < 50)).toBe(true);
  });

  it('answers TwiML, never a 5xx, for any signed form', async () => {
    const { app } = await build();
    const key = fc.oneof(
      fc.constantFrom(
        'To',
        'From',
        'CallSid',
        'SipDomain',
        'ApplicationSid',
        'AccountSid',
        'FreshcallerCallId',
      ),
      fc.string({ maxLength: 12 }),
    );
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ minLength: 200, maxLength: 2_000 }),
      fc.constantFrom('+18005550100', 'sip:agent@acme.sip.twilio.com', '\u0000', '%00', '\ud800'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 12 }), async (pairs) => {
        const res = await postSigned(app, pairs);
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode === 200) expect(res.body).toContain('<Response>');
      }),
      { numRuns: 200 },
    );
  });
});
