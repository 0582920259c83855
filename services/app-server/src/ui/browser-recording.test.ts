// The recording player in Chromium: the brand's staff see it on a recorded conversation and the audio
// loads through app-server from the Twilio simulator (200, audio/wav, a duration the media element
// reads, for the WAV and the MP3); a staff member of another brand gets neither the player nor the file (404, as every other
// brand-scoped read in app-server answers).
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../testing/chromium.ts';
import { PASSWORD } from '../testing/harness.ts';
import { closeRecordedCalls, recordedCall } from '../testing/recorded-call.ts';

/** The part of HTMLAudioElement used here (the tests compile without the DOM library). */
interface MediaElement {
  duration: number;
  preload: string;
  error: { code: number } | null;
  load(): void;
  addEventListener(type: string, listener: () => void, options?: { once: boolean }): void;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(closeRecordedCalls);

async function signIn(base: string, brandId: string, next: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Brand').fill(brandId);
  await page.getByLabel('Email').fill(`staff@${brandId}.test`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
  return page;
}

describe('the recording player in Chromium', () => {
  it("plays the recording to the brand's staff, and shows another brand neither player nor file", async () => {
    const s = await recordedCall('memory');
    const base = await s.h.app.listen({ host: '127.0.0.1', port: 0 });
    const path = `/conversations/${s.conversationId}`;
    const audioUrl = `/api/conversations/${s.conversationId}/recording`;

    const staff = await signIn(base, 'acme', path);
    await staff.waitForURL(`${base}${path}`);
    const player = staff.locator('audio');
    await expect.poll(() => player.count()).toBe(1);
    expect(await player.getAttribute('src')).toBe(audioUrl);
    // The player waits for a click (preload none); loading it is what pressing play starts.
    const loaded = staff.waitForResponse((r) => new URL(r.url()).pathname === audioUrl);
    const durationSec = player.evaluate(
      (node) =>
        new Promise<number>((resolve, reject) => {
          const el = node as unknown as MediaElement;
          el.addEventListener('loadedmetadata', () => resolve(el.duration), { once: true });
          el.addEventListener('error', () => reject(new Error(`media error ${el.error?.code}`)), {
            once: true,
          });
          el.preload = 'metadata';
          el.load();
        }),
    );
    const response = await loaded;
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('audio/wav');
    expect(await durationSec).toBeCloseTo(2, 1);
    // The MP3 of the same recording decodes in the browser too, to the same length.
    const mp3 = staff.waitForResponse((r) => r.url().endsWith(`${audioUrl}?format=mp3`));
    const mp3Sec = player.evaluate(
      (node, src) =>
        new Promise<number>((resolve, reject) => {
          const el = node as unknown as MediaElement & { src: string };
          el.addEventListener('loadedmetadata', () => resolve(el.duration), { once: true });
          el.addEventListener('error', () => reject(new Error(`media error ${el.error?.code}`)), {
            once: true,
          });
          el.src = src;
          el.load();
        }),
      `${audioUrl}?format=mp3`,
    );
    expect((await mp3).headers()['content-type']).toBe('audio/mpeg');
    expect(await mp3Sec).toBeGreaterThan(1.8);
    expect(await mp3Sec).toBeLessThan(2.3);
    await staff.context().close();
    const mediaRequests = () => s.fake.requests.filter((r) => r.path.endsWith('.wav')).length;
    const before = mediaRequests();

    const other = await signIn(base, 'globex', path);
    const page = await other.goto(`${base}${path}`);
    expect(page?.status()).toBe(404);
    expect(await other.locator('audio').count()).toBe(0);
    const file = await other.request.get(`${base}${audioUrl}`);
    expect(file.status()).toBe(404);
    expect(file.headers()['content-type']).toMatch(/json/);
    expect((await file.body()).subarray(0, 4).toString()).not.toBe('RIFF');
    // Twilio is never asked for the file on the other brand's behalf.
    expect(mediaRequests()).toBe(before);
    await other.context().close();
  }, 90_000);
});
