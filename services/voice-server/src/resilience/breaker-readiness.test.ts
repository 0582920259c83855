// The Realtime circuit breaker inside the running app: while it is open the pods stay ready (the
// provider is down, not the pods), new calls get the fallback at the webhook, and one log line says
// it opened, however many more sessions fail while it is open.
import { signTwilioRequest } from '@switchboard/telephony';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUTH_TOKEN,
  build,
  closeApp,
  logLines,
  PUBLIC,
  postWebhook,
  pstnCall,
} from '../testing/app-harness.ts';

afterEach(closeApp);

/** Pino's numeric levels. */
const WARN = 40;

const openLines = () =>
  logLines()
    .map((l) => JSON.parse(l) as { level: number; msg: string; state?: string })
    .filter((l) => l.msg === 'Realtime circuit breaker open: new calls get the fallback');

describe('the Realtime circuit breaker in the app', () => {
  it('open: readiness stays 200, the webhook answers with the fallback, one error line says so', async () => {
    const { app, server } = await build();
    const breaker = server.realtimeBreaker;
    // The default breaker opens at 10 failures in the window, most of the sessions.
    for (let i = 0; i < 10; i++) breaker.failed();
    expect(breaker.state).toBe('open');
    // Sessions that keep failing while it is open change nothing, and log nothing more.
    for (let i = 0; i < 25; i++) breaker.failed();

    const ready = await app.inject({ url: '/health-check/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });

    const params = pstnCall();
    const sig = signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params);
    const res = await postWebhook(app, params, sig);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<Connect');

    const lines = openLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBeGreaterThanOrEqual(WARN);
    expect(lines[0]!.state).toBe('open');
    // Each call answered with the fallback has its own line (the call's, not the breaker's).
    expect(logLines().filter((l) => l.includes('answered with the fallback'))).toHaveLength(1);
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/^voice_realtime_breaker_state 1$/m);
    expect(metrics.body).toMatch(/^voice_breaker_fallbacks_total 1$/m);
  });

  it("open, and the profile has no transfer target: the brand's after-hours message, escaped, then a hang-up", async () => {
    const { app, server, ai } = await build();
    ai.profile = { ...ai.profile, afterHoursMessage: '  Acme <Support> & "Repairs": back at 9, see you!  ' };
    for (let i = 0; i < 10; i++) server.realtimeBreaker.failed();
    const res = await webhook(app);
    expect(res.body).toContain(
      '<Say>Acme &lt;Support&gt; &amp; "Repairs": back at 9, see you!</Say><Hangup/>',
    );
    expect(res.body).not.toContain('technical trouble');
    expect(logLines().some((l) => l.includes('"fallback":"after_hours_message"'))).toBe(true);
  });

  it('a transfer target wins over the message; without either, the platform apology', async () => {
    const { app, server, ai } = await build();
    for (let i = 0; i < 10; i++) server.realtimeBreaker.failed();
    ai.profile = { ...ai.profile, transferTarget: '+18005550199', afterHoursMessage: 'Closed.' };
    const transfer = await webhook(app);
    expect(transfer.body).toContain('<Number>+18005550199</Number>');
    expect(transfer.body).not.toContain('Closed.');
    ai.profile = { ...ai.profile, transferTarget: null, afterHoursMessage: '   ' };
    expect((await webhook(app)).body).toContain('technical trouble');
  });

  it('a message longer than 500 characters is cut at a word, never said whole', async () => {
    const { app, server, ai } = await build();
    for (let i = 0; i < 10; i++) server.realtimeBreaker.failed();
    ai.profile = { ...ai.profile, afterHoursMessage: 'word '.repeat(400) };
    const said = /<Say>([^<]*)<\/Say>/.exec((await webhook(app)).body)![1]!;
    expect(said.length).toBeLessThanOrEqual(500);
    expect(said.length).toBeGreaterThan(450);
    expect(said.endsWith('word')).toBe(true);
  });
});

async function webhook(app: Awaited<ReturnType<typeof build>>['app']) {
  const params = pstnCall();
  const sig = signTwilioRequest(AUTH_TOKEN, `${PUBLIC}/twilio-voice-webhook`, params);
  const res = await postWebhook(app, params, sig);
  expect(res.statusCode).toBe(200);
  return res;
}
