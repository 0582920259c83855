// In Chromium, as an attacker would try it: a crafted sign-in link can't send a staff member off-site,
// and signing out in one tab ends the session on the server, closing the live stream of another tab.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../testing/chromium.ts';
import {
  createStaff,
  type Harness,
  PASSWORD,
  seedCall,
  startBody,
  startHarness,
} from '../testing/harness.ts';

describe('sign-in redirects and sign-out in Chromium', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    h = await startHarness({ store: 'prisma' });
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    await createStaff(h, 'acme', 'dana@acme.test', 'Dana Reyes');
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('a crafted next (tab, backslash, double slash) lands on this site after sign-in', async () => {
    for (const next of ['/%09/evil.example', '/%5Cevil.example', '//evil.example/x', '/.//evil.example']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/login?next=${next}`);
      await page.getByLabel('Brand').fill('acme');
      await page.getByLabel('Email').fill('dana@acme.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForLoadState('load');
      expect(new URL(page.url()).origin, next).toBe(new URL(base).origin);
      // Signed in already, the same link still stays here.
      await page.goto(`${base}/login?next=${next}`);
      expect(new URL(page.url()).origin, next).toBe(new URL(base).origin);
      await context.close();
    }
  }, 60_000);

  it("signing out in one tab ends the session on the server and the other tab's live stream", async () => {
    const start = startBody();
    const id = await seedCall(h, start);
    const context = await browser.newContext();
    const watching = await context.newPage();
    await watching.goto(`${base}/login?next=/conversations/${id}`);
    await watching.getByLabel('Brand').fill('acme');
    await watching.getByLabel('Email').fill('dana@acme.test');
    await watching.getByLabel('Password').fill(PASSWORD);
    await watching.getByRole('button', { name: 'Sign in' }).click();
    await watching.waitForURL(`${base}/conversations/${id}`);
    await expect.poll(() => h.hub.size, { timeout: 10_000 }).toBeGreaterThan(0);
    const session = (await context.cookies()).find((c) => c.name === 'sb_session')!.value;

    const other = await context.newPage();
    await other.goto(`${base}/conversations`);
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.waitForURL(`${base}/login`);

    // The watching tab's stream is closed by the server (its reconnects are refused).
    await expect.poll(() => h.hub.size, { timeout: 10_000 }).toBe(0);
    // The old cookie is refused, even though the browser no longer sends it.
    const me = await fetch(`${base}/api/me`, { headers: { cookie: `sb_session=${session}` } });
    expect(me.status).toBe(401);
    await context.close();
  }, 60_000);
});
