// A call that changes language, followed live in Chromium: the header gains the language, the
// transcript shows the switch and the request for a language not served, and the list filters by it.
import { HttpAppServerClient, type LanguageSwitch } from '@switchboard/service-kit/clients/app-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../testing/chromium.ts';
import {
  createStaff,
  type Harness,
  msg,
  PASSWORD,
  SERVICE_TOKEN,
  startBody,
  startHarness,
} from '../testing/harness.ts';

describe('call languages in Chromium', () => {
  let h: Harness;
  let baseUrl: string;
  let browser: Browser;
  let client: HttpAppServerClient;

  beforeAll(async () => {
    h = await startHarness({ store: 'prisma' });
    baseUrl = await h.app.listen({ host: '127.0.0.1', port: 0 });
    client = new HttpAppServerClient({ baseUrl, token: SERVICE_TOKEN });
    await createStaff(h, 'acme', 'dana@acme.test', 'Dana Reyes');
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${baseUrl}/conversations`);
    await page.getByLabel('Brand').fill('acme');
    await page.getByLabel('Email').fill('dana@acme.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/conversations`);
  }

  const languageMessage = (sequence: number, languageSwitch: LanguageSwitch) =>
    msg(sequence, {
      role: 'system',
      source: 'language',
      text: null,
      startedAt: new Date().toISOString(),
      languageSwitch,
    });

  it('shows a switch as it happens, a language not served, and filters the list by language', async () => {
    const live = startBody({
      callerNumber: '+34911234567',
      startedAt: new Date().toISOString(),
      language: 'en',
    });
    await client.startConversation(live);
    await client.appendMessages(live.callSid, [
      msg(1, {
        role: 'caller',
        text: 'Hola, quiero cambiar mi pedido.',
        startedAt: new Date().toISOString(),
      }),
    ]);
    const other = startBody({
      callerNumber: '+14155550100',
      startedAt: '2026-12-01T09:00:00.000Z',
      language: 'en',
    });
    await client.startConversation(other);

    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page);
    const id = (await h.store.findConversationByCallSid(live.callSid))!.id;
    await page.goto(`${baseUrl}/conversations/${id}`);
    await page.waitForSelector('body.live-connected');
    expect(await page.locator('#call-header .languages').textContent()).toBe('English');

    await client.appendMessages(live.callSid, [
      languageMessage(2, { from: 'en', to: 'es', how: 'detected', confidence: 0.93, served: true }),
    ]);
    await page.locator('#msg-2').waitFor({ state: 'visible' });
    expect(await page.locator('#msg-2 .text').textContent()).toBe(
      'Language: English → Spanish · detected (0.93)',
    );
    await expect.poll(() => page.locator('#call-header .languages').textContent()).toBe('English, Spanish');

    await client.appendMessages(live.callSid, [
      languageMessage(3, { from: 'es', to: 'fr', how: 'asked', served: false }),
    ]);
    await page.locator('#msg-3').waitFor({ state: 'visible' });
    expect(await page.locator('#msg-3 .text').textContent()).toBe(
      'Caller asked for French, not served: offered a transfer or a callback',
    );
    expect(await page.locator('#call-header .languages').textContent()).toBe('English, Spanish');

    await page.goto(`${baseUrl}/conversations`);
    await expect.poll(() => page.locator('tr[data-conversation-id]').count()).toBe(2);
    await page.getByLabel('Language').fill('es');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/language=es/);
    expect(await page.locator('tr[data-conversation-id]').count()).toBe(1);
    expect(
      await page.locator(`tr[data-conversation-id="${id}"] td[data-label="Languages"]`).textContent(),
    ).toBe('en es ');
    expect(problems, problems.join('\n')).toEqual([]);
    await context.close();
  });
});
