// "Try your bot" in Chromium over the whole stack: a staff member opens the page, Chromium's fake
// microphone (a WAV of espeak-ng speech) streams to voice-server's /web-call, the agent's greeting
// arrives as audio and starts playing, the caller speaks over it (barge-in: the page is told to drop
// the rest), their words become a transcript turn the agent answers, and the conversation is kept as
// a web call, with no phone number.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { fakeMicWav } from '../support/fake-mic.ts';
import { ACME, type FullStack, STAFF, startFullStack } from '../support/full-stack.ts';

/** Long enough (about 5 s at 30 ms a character) for the caller to speak over it. */
const GREETING =
  'Hi, Acme here. Thanks for trying our assistant from your browser today, we are glad you are here. How can I help you with your order?';
const GREETING_START = 'Hi, Acme here.';
const QUESTION = 'Where is my order?';
const REPLY = 'Your order ships today.';

let stack: FullStack;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'web-call-e2e-'));
  // The question 2.5 s in (the greeting is playing), then silence (the file loops after it).
  const wav = fakeMicWav(dir, QUESTION, 2.5, 40);
  stack = await startFullStack({
    webCalls: true,
    realtime: {
      scenario: {
        greeting: GREETING,
        msPerChar: 30,
        turns: [{ user: QUESTION, say: REPLY }],
        default: 'Okay.',
      },
    },
  });
  browser = await launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${wav}`,
    '--autoplay-policy=no-user-gesture-required',
  ]);
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function signIn(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${stack.appServer.url}/login?next=%2Ftry`);
  await page.getByLabel('Email').fill(STAFF.email);
  await page.getByLabel('Password').fill(STAFF.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.appServer.url}/try`);
  return page;
}

describe('a browser test call in Chromium', () => {
  it('connects, plays the greeting, turns the caller’s words into a turn, and keeps a web call', async () => {
    const page = await signIn();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    const root = page.locator('#try-call');

    await page.getByLabel('Bot profile').fill(ACME.profileKey);
    await page.getByRole('button', { name: 'Start' }).click();
    await expect
      .poll(() => page.locator('#try-status').textContent(), { timeout: 15_000 })
      .toContain('Connected');

    // The greeting arrives as audio frames, and the page plays them.
    await expect
      .poll(async () => Number(await root.getAttribute('data-agent-ms')), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(300);
    expect(Number(await root.getAttribute('data-agent-frames'))).toBeGreaterThan(0);

    // The caller speaks over the greeting: voice-server tells the page to drop the rest.
    await expect
      .poll(async () => Number(await root.getAttribute('data-clears')), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(1);

    // The live transcript: the greeting (cut where the caller came in), the question, the reply.
    const transcript = page.locator('#try-transcript');
    await expect.poll(() => transcript.textContent(), { timeout: 20_000 }).toContain(GREETING_START);
    await expect.poll(() => transcript.textContent(), { timeout: 30_000 }).toContain(QUESTION);
    await expect.poll(() => transcript.textContent(), { timeout: 20_000 }).toContain(REPLY);

    // The model heard the browser's audio: the simulator's session received caller audio.
    const session = stack.realtime.sessions.at(-1)!;
    expect(session.replies.map((r) => r.text)).toContain(REPLY);

    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.locator('#try-status').textContent()).toContain('The call has ended');

    // The conversation is kept, marked as a web call, with no phone number.
    await page.locator('#try-link a').click();
    await page.waitForURL(/\/conversations\/[0-9a-f-]+$/);
    await expect
      .poll(() => page.locator('#call-header').textContent(), { timeout: 10_000 })
      .toContain('Ended');
    const header = await page.locator('#call-header').textContent();
    expect(header).toContain('Web call');
    expect(header).toContain('browser');
    expect(header).not.toMatch(/\+\d/);
    expect(await page.locator('#messages').textContent()).toContain(QUESTION);
    expect(await page.locator('#messages li.msg-interrupted').count()).toBe(1);
    expect(problems).toEqual([]);
  }, 120_000);
});
