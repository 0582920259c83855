// The live call monitor in Chromium, over the whole stack: a simulated call appears in the brand's live
// calls list, its transcript grows and the caller's level meter moves as they speak, and "End call"
// has the agent say goodbye (the caller hears it) before voice-server hangs up. A staff member of
// another brand sees none of it, and the action route refuses them.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { ACME, type FullStack, SERVICE_TOKEN, STAFF, startFullStack } from '../support/full-stack.ts';
import { endedConversation } from '../support/tools-call.ts';

const GREETING = 'Hi, Acme here. How can I help?';
const REPLY = 'Your order ships today.';
/** What the agent says when asked for the goodbye (the scenario's default reply). */
const GOODBYE = 'I have to end the call now. Thanks for calling, goodbye!';
const OTHER = { email: 'gus@globex.example', password: 'globex horse battery staple' };

let stack: FullStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startFullStack({
    realtime: {
      scenario: {
        greeting: GREETING,
        msPerChar: 30,
        turns: [{ user: 'Where is my order?', say: REPLY }],
        default: GOODBYE,
      },
    },
  });
  const created = await fetch(`${stack.appServer.url}/admin/staff`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ brandId: 'globex', ...OTHER, displayName: 'Gus Globex' }),
  });
  expect(created.status).toBe(201);
  browser = await launchChromium();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function signIn(email: string, password: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${stack.appServer.url}/login?next=%2Flive`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.appServer.url}/live`);
  return page;
}

describe('live call monitor in Chromium', () => {
  it('shows the call live, ends it with a goodbye, and shows another brand nothing', async () => {
    const staff = await signIn(STAFF.email, STAFF.password);
    const problems: string[] = [];
    staff.on('pageerror', (err) => problems.push(err.message));
    await expect.poll(() => staff.locator('#no-live-calls').isVisible()).toBe(true);

    let speak = false;
    const sessionIndex = stack.realtime.sessions.length;
    const call = await stack.call({
      source: [
        { until: (c) => c.heardMs >= 300 && !c.isHearingAudio, timeoutMs: 20_000 },
        { until: () => speak, timeoutMs: 30_000 },
        { audio: { toneHz: 300, ms: 2500 }, label: 'question' },
        { pauseMs: 60_000 },
        { hangup: true },
      ],
    });

    // The call appears in the list (number masked) without a reload, and opens.
    const row = staff.locator('#live-calls tr');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.first().textContent()).toContain('+1******0123');
    expect(await row.first().textContent()).toContain(ACME.profileKey);
    await row.first().getByRole('link').click();
    await staff.waitForURL(/\/conversations\/[0-9a-f-]+$/);
    const conversationUrl = staff.url();
    const transcript = staff.locator('#messages li.msg');
    await expect
      .poll(() => staff.locator('#messages').textContent(), { timeout: 15_000 })
      .toContain(GREETING);
    await expect.poll(() => staff.locator('#call-timer').textContent()).toMatch(/^0:\d\d$/);

    // Another brand's staff: no live call, no page, and the action is refused.
    const other = await signIn(OTHER.email, OTHER.password);
    expect(await other.locator('#live-calls tr').count()).toBe(0);
    expect(await other.locator('#no-live-calls').isVisible()).toBe(true);
    const peek = await other.goto(conversationUrl);
    expect(peek?.status()).toBe(404);
    const refused = await other.request.post(`${conversationUrl}/end-call`, {
      headers: { origin: stack.appServer.url },
      form: {},
    });
    expect(refused.status()).toBe(404);
    // Nothing was done to the call: no hang-up or redirect reached Twilio.
    expect(stack.twilioRest.requests.filter((r) => r.callSid === call.callSid)).toEqual([]);

    // The caller speaks: the caller's meter moves, and the transcript grows with their turn and the reply.
    const before = await transcript.count();
    speak = true;
    await expect
      // A meter's value attribute reflects the value the page script sets.
      .poll(async () => Number(await staff.locator('#level-caller').getAttribute('value')), {
        timeout: 10_000,
        interval: 50,
      })
      .toBeGreaterThan(0.05);
    await expect.poll(() => staff.locator('#messages').textContent(), { timeout: 20_000 }).toContain(REPLY);
    expect(await transcript.count()).toBeGreaterThan(before);
    await call.waitFor((c) => !c.isHearingAudio && c.bufferedMs === 0, 20_000);

    // "End call": the agent says goodbye, the caller hears it, then the call is hung up.
    const heardBefore = call.heardMs;
    await staff.getByRole('button', { name: 'End call' }).click();
    await staff.waitForURL(/\?monitor=ending$/);
    expect(await staff.locator('#call-monitor').textContent()).toContain('the agent is saying goodbye');
    const end = await call.ended;
    expect(end.reason).toBe('completed_via_api');
    const session = stack.realtime.sessions[sessionIndex]!;
    expect(session.replies.at(-1)?.text).toBe(GOODBYE);
    expect(call.heardMs - heardBefore).toBeGreaterThanOrEqual(GOODBYE.length * 30 * 0.8);

    const ended = await endedConversation(stack, call.callSid);
    expect(ended.conversation.endReason).toBe('staff_ended');
    const note = ended.messages.find((m) => m.role === 'system' && m.text?.includes('live monitor'));
    expect(note?.text).toBe('Avery Agent ended the call from the live monitor.');

    // The page shows the end and the note; the list no longer has the call.
    await expect
      .poll(() => staff.locator('#call-monitor').textContent(), { timeout: 10_000 })
      .toContain('The call has ended.');
    await expect
      .poll(() => staff.locator('#messages').textContent())
      .toContain('ended the call from the live monitor');
    await staff.goto(`${stack.appServer.url}/live`);
    expect(await staff.locator('#live-calls tr').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 120_000);

  it('transfers the call to a number staff type in, noted in the transcript', async () => {
    const staff = await signIn(STAFF.email, STAFF.password);
    const call = await stack.call({
      source: [
        { until: (c) => c.heardMs >= 300 && !c.isHearingAudio, timeoutMs: 20_000 },
        { pauseMs: 60_000 },
      ],
    });
    const row = staff.locator('#live-calls tr');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.first().getByRole('link').click();
    await expect
      .poll(() => staff.locator('#messages').textContent(), { timeout: 15_000 })
      .toContain(GREETING);

    // A number that is not E.164 is refused before anything reaches the call.
    const field = staff.getByLabel('Transfer to');
    await field.fill('12345');
    expect(
      await field.evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid),
    ).toBe(false);
    await field.fill('+442071234567');
    await staff.getByRole('button', { name: 'Transfer' }).click();
    await staff.waitForURL(/\?monitor=transferring$/);

    const end = await call.ended;
    expect(end.reason).toBe('dialed');
    expect(call.dialed).toEqual([
      expect.objectContaining({ verb: 'Dial', number: '+442071234567', callerId: '+14155550123' }),
    ]);
    expect(call.redirects[0]?.twiml).toContain('<Say>Please hold while I connect you to a colleague.</Say>');
    const ended = await endedConversation(stack, call.callSid);
    expect(ended.conversation.endReason).toBe('transferred');
    expect(ended.messages.map((m) => m.text)).toContain(
      'Avery Agent transferred the call to +442071234567 from the live monitor.',
    );
  }, 120_000);
});
