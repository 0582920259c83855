import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HttpAppServerClient } from '@switchboard/service-kit/clients/app-server';
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

const SCREENSHOTS = fileURLToPath(new URL('../../../../test-results/app-server-ui/', import.meta.url));

describe('conversations UI in Chromium', () => {
  let h: Harness;
  let baseUrl: string;
  let browser: Browser;
  let client: HttpAppServerClient;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    h = await startHarness({
      store: 'prisma',
      opikUiUrl: 'https://opik.example.com/switchboard/projects/voice/traces',
    });
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
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Brand').fill('acme');
    await page.getByLabel('Email').fill('dana@acme.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/conversations`);
  }

  /** A finished call recorded the way voice-server records one. */
  async function finishedCall(): Promise<string> {
    const start = startBody({ callerNumber: '+14155550142', startedAt: '2026-11-21T09:30:00.000Z' });
    await client.startConversation(start);
    const at = (s: number) => new Date(Date.parse(start.startedAt) + s * 1000).toISOString();
    await client.appendMessages(start.callSid, [
      msg(1, {
        role: 'agent',
        text: 'Thanks for calling Acme, how can I help?',
        startedAt: at(1),
        latency: { firstAudioMs: 640 },
      }),
      msg(3, {
        role: 'tool',
        source: 'tool',
        text: null,
        startedAt: at(9),
        toolName: 'search_knowledge_base',
        toolArguments: { query: 'change delivery address' },
        toolResult: { chunks: [{ id: 'kb-17', text: 'Addresses can be changed until dispatch.' }] },
      }),
      msg(2, {
        role: 'caller',
        text: 'I need to change the delivery address of my order.',
        startedAt: at(4),
      }),
      msg(4, {
        role: 'agent',
        text: 'You can change it until the parcel is dispatched. I will have a colleague call you back to confirm.',
        startedAt: at(11),
        latency: { responseMs: 480, firstAudioMs: 910 },
      }),
    ]);
    await client.createCallbackTicket(start.callSid, {
      phone: '+14155550142',
      timezone: 'America/Los_Angeles',
      reason: 'Confirm the new delivery address for order 5531',
      windowStart: '2026-11-22T17:00:00.000Z',
      windowEnd: '2026-11-22T19:00:00.000Z',
    });
    await client.appendMessages(start.callSid, [
      msg(5, { role: 'caller', text: 'Great, thank you. Bye!', startedAt: at(20) }),
    ]);
    await client.endConversation(start.callSid, {
      endReason: 'caller_hangup',
      endedAt: at(24),
      durationSec: 24.2,
      opikTraceId: '0193a5c2-trace',
    });
    return (await h.store.findConversationByCallSid(start.callSid))!.id;
  }

  it('signs in, opens a call, watches a live call grow, and marks a callback done', async () => {
    const finishedId = await finishedCall();
    const live = startBody({ callerNumber: '+442071234567', startedAt: new Date().toISOString() });
    await client.startConversation(live);
    await client.appendMessages(live.callSid, [
      msg(1, { role: 'agent', text: 'Hello, you are through to Acme.', startedAt: new Date().toISOString() }),
    ]);

    const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });

    await signIn(page);
    await expect.poll(() => page.locator('tr[data-conversation-id]').count()).toBe(2);
    await page.screenshot({ path: `${SCREENSHOTS}01-conversations.png`, fullPage: true });

    // The finished call: full transcript in order, the tool call, the callback marker and ticket.
    await page.locator(`tr[data-conversation-id="${finishedId}"] a.row-link`).click();
    await page.waitForURL(`${baseUrl}/conversations/${finishedId}`);
    const turns = page.locator('#messages li.msg');
    await expect.poll(() => turns.count()).toBe(5);
    expect(await page.locator('#messages li.msg .speaker').allTextContents()).toEqual([
      'Agent',
      'Caller',
      'Tool',
      'Agent',
      'Caller',
    ]);
    expect(await page.locator('#msg-2 .text').textContent()).toBe(
      'I need to change the delivery address of my order.',
    );
    expect(await page.locator('#msg-3 .tool-name').textContent()).toBe('search_knowledge_base');
    expect(await page.locator('#msg-4 .latency').textContent()).toBe('reply 910 ms');
    const order = await page
      .locator('#messages > li')
      .evaluateAll((els) => els.map((e) => e.id.split('-')[0]));
    expect(order).toEqual(['msg', 'msg', 'msg', 'msg', 'marker', 'msg']);
    expect(await page.locator('a.trace-link').getAttribute('href')).toBe(
      'https://opik.example.com/switchboard/projects/voice/traces?trace=0193a5c2-trace',
    );
    await page.screenshot({ path: `${SCREENSHOTS}02-transcript.png`, fullPage: true });

    // Mark the callback done.
    await page.getByRole('button', { name: 'Mark done' }).click();
    await page.waitForURL(`${baseUrl}/conversations/${finishedId}`);
    await expect.poll(() => page.locator('.callback-status').textContent()).toBe('Done');
    expect(await page.locator('.ticket header .badge').first().textContent()).toBe('Resolved');
    await page.screenshot({ path: `${SCREENSHOTS}03-callback-done.png`, fullPage: true });
    const cb = await h.store.listCallbacks('acme', { limit: 10 });
    expect(cb.items.map((c) => c.status)).toEqual(['done']);

    // The live call gains a message while the page is open.
    await page.goto(`${baseUrl}/conversations`);
    const liveId = (await h.store.findConversationByCallSid(live.callSid))!.id;
    await page.locator(`tr[data-conversation-id="${liveId}"] a.row-link`).click();
    await page.waitForURL(`${baseUrl}/conversations/${liveId}`);
    await page.waitForSelector('body.live-connected');
    await expect.poll(() => page.locator('#messages li.msg').count()).toBe(1);
    await client.appendMessages(live.callSid, [
      msg(2, {
        role: 'caller',
        text: 'Hi, is my parcel arriving today?',
        startedAt: new Date().toISOString(),
      }),
    ]);
    await page.locator('#msg-2').waitFor({ state: 'visible' });
    expect(await page.locator('#msg-2 .text').textContent()).toBe('Hi, is my parcel arriving today?');
    await client.createHandoffTicket(live.callSid, {
      summary: 'Caller asks for a human about a late parcel',
      transcriptExcerpt: 'caller: is my parcel arriving today?',
      knowledgeChunkIds: ['kb-3'],
      priority: 'high',
    });
    await page.locator('#tickets-panel .ticket-handoff').waitFor({ state: 'visible' });
    await page.locator('.marker-handoff').waitFor({ state: 'visible' });
    await client.endConversation(live.callSid, {
      endReason: 'transferred',
      endedAt: new Date().toISOString(),
      durationSec: 41,
    });
    await expect.poll(() => page.locator('#call-header .badge').first().textContent()).toBe('Ended');
    await page.screenshot({ path: `${SCREENSHOTS}04-live-call.png`, fullPage: true });

    // Readable on a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${baseUrl}/conversations/${finishedId}`);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${SCREENSHOTS}05-phone-transcript.png`, fullPage: true });
    await page.goto(`${baseUrl}/conversations`);
    await page.screenshot({ path: `${SCREENSHOTS}06-phone-list.png`, fullPage: true });

    expect(problems, problems.join('\n')).toEqual([]);
    await context.close();
  });

  it('shows markup in a transcript as text, on load and when it arrives live', async () => {
    const start = startBody({ callerNumber: '+14155550199', startedAt: new Date().toISOString() });
    await client.startConversation(start);
    await client.appendMessages(start.callSid, [
      msg(1, {
        role: 'caller',
        text: '<script>window.__pwned = "script"</script>',
        startedAt: new Date().toISOString(),
      }),
    ]);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page);
    const id = (await h.store.findConversationByCallSid(start.callSid))!.id;
    await page.goto(`${baseUrl}/conversations/${id}`);
    await page.waitForSelector('body.live-connected');
    expect(await page.locator('#msg-1 .text').textContent()).toBe(
      '<script>window.__pwned = "script"</script>',
    );

    await client.appendMessages(start.callSid, [
      msg(2, {
        role: 'agent',
        text: '<img src="x" onerror="window.__pwned = \'img\'"><b>bold?</b>',
        startedAt: new Date().toISOString(),
      }),
    ]);
    await page.locator('#msg-2').waitFor({ state: 'visible' });
    expect(await page.locator('#msg-2 .text').textContent()).toBe(
      '<img src="x" onerror="window.__pwned = \'img\'"><b>bold?</b>',
    );
    expect(await page.locator('#messages img, #messages b, #messages script').count()).toBe(0);
    expect(await page.evaluate<string | undefined>('window.__pwned')).toBeUndefined();
    await page.screenshot({ path: `${SCREENSHOTS}07-markup-as-text.png`, fullPage: true });
    await context.close();
  });
});
