// The conversations UI telling the truth about each turn, in Chromium: what the caller heard of an
// interrupted answer, barge-ins, the latency waterfall and the call's figures, each tool call once,
// a turn that could not be transcribed, one date-time format in the brand's zone, sign-in by slug,
// and search by relevance.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HttpAppServerClient, type TranscriptMessage } from '@switchboard/service-kit/clients/app-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../testing/chromium.ts';
import {
  createStaff,
  type Harness,
  PASSWORD,
  SERVICE_TOKEN,
  startBody,
  startHarness,
} from '../testing/harness.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../../../test-results/app-server-ui/', import.meta.url));
const BRAND_ID = '3f6d2a10-8c4b-4e7a-9b1c-5d2e8f0a7c64';
// New York's zone: EST, or EDT for a time stamped by the wall clock in summer (a record made now).
const DATE_TIME_NEW_YORK = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} E[SD]T$/;

describe('each turn in the conversations UI, in Chromium', () => {
  let h: Harness;
  let baseUrl: string;
  let browser: Browser;
  let client: HttpAppServerClient;
  let shippingId: string;
  let otherId: string;

  const turn = (sequence: number, over: Partial<TranscriptMessage>, second: number): TranscriptMessage => ({
    sequence,
    role: 'agent',
    text: null,
    startedAt: new Date(Date.parse('2026-11-21T15:00:00.000Z') + second * 1000).toISOString(),
    source: 'realtime',
    ...over,
  });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    h = await startHarness({ store: 'prisma' });
    baseUrl = await h.app.listen({ host: '127.0.0.1', port: 0 });
    client = new HttpAppServerClient({ baseUrl, token: SERVICE_TOKEN });
    // The brand gets a slug and a name; its time zone comes from its calls (voice-server's start).
    const named = await h.app.inject({
      method: 'PUT',
      url: `/admin/brands/${BRAND_ID}`,
      headers: h.serviceHeaders,
      payload: { slug: 'acme', name: 'Acme Parcels' },
    });
    expect(named.statusCode).toBe(200);
    await createStaff(h, BRAND_ID, 'dana@acme.test', 'Dana Reyes');

    const shipping = startBody({
      brandId: BRAND_ID,
      callerNumber: '+16465550142',
      startedAt: '2026-11-21T15:00:00.000Z',
      timezone: 'America/New_York',
    });
    await client.startConversation(shipping);
    const kb = { query: 'shipping times Canada' };
    const found = { chunks: [{ id: 'kb-9', text: 'Standard 5-7 business days, express 2.' }] };
    await client.appendMessages(shipping.callSid, [
      turn(
        1,
        {
          text: 'Thanks for calling Acme Parcels.',
          latency: { responseMs: 700, firstAudioMs: 640, firstFrameMs: 700 },
        },
        1,
      ),
      turn(2, { role: 'caller', text: 'What are your shipping times to Canada?' }, 4),
      turn(
        3,
        {
          role: 'tool',
          source: 'tool',
          text: 'search_knowledge_base',
          itemId: 'call_1',
          toolName: 'search_knowledge_base',
          toolArguments: kb,
          toolResult: found,
          latency: { responseMs: 120 },
        },
        6,
      ),
      turn(
        4,
        {
          text: 'Standard shipping takes five to seven business days, and express shipping takes two.',
          interrupted: true,
          heardText: 'Standard shipping takes five',
          latency: { responseMs: 960, firstAudioMs: 900, firstFrameMs: 960 },
        },
        7,
      ),
      turn(5, { role: 'caller', text: null, transcription: 'failed' }, 9),
      // The same tool call recorded again (a retried sync): shown once.
      turn(
        6,
        {
          role: 'tool',
          source: 'tool',
          text: 'search_knowledge_base',
          itemId: 'call_1',
          toolName: 'search_knowledge_base',
          toolArguments: kb,
          toolResult: found,
        },
        6,
      ),
    ]);
    await client.createCallbackTicket(shipping.callSid, {
      phone: '+16465550142',
      timezone: 'America/New_York',
      reason: 'Confirm express shipping to Canada',
      windowStart: '2026-11-22T19:00:00.000Z',
      windowEnd: '2026-11-22T21:00:00.000Z',
    });
    await client.endConversation(shipping.callSid, {
      endReason: 'caller_hangup',
      endedAt: '2026-11-21T15:01:35.000Z',
      durationSec: 95,
    });
    shippingId = (await h.store.findConversationByCallSid(shipping.callSid))!.id;

    // A newer call that mentions one of the words only.
    const other = startBody({
      brandId: BRAND_ID,
      startedAt: '2026-11-21T18:00:00.000Z',
      timezone: 'America/New_York',
    });
    await client.startConversation(other);
    await client.appendMessages(other.callSid, [
      turn(1, { role: 'caller', text: 'I called three times about my invoice.' }, 0),
    ]);
    otherId = (await h.store.findConversationByCallSid(other.callSid))!.id;
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function signInBySlug(page: Page): Promise<void> {
    await page.goto(`${baseUrl}/conversations`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Brand').fill('acme');
    await page.getByLabel('Email').fill('dana@acme.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/conversations`);
  }

  it('signs in by slug, shows what the caller heard, the latencies, the figures and each tool once', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    await signInBySlug(page);
    expect(await page.locator('.who-brand').textContent()).toBe('Acme Parcels');
    expect(await page.content()).not.toContain(BRAND_ID);

    // One format, in the brand's zone (learnt from its calls), the zone shown: on the list…
    const listTimes = await page.locator('main time').allTextContents();
    expect(listTimes.length).toBeGreaterThan(0);
    for (const t of listTimes) expect(t).toMatch(DATE_TIME_NEW_YORK);

    await page.goto(`${baseUrl}/conversations/${shippingId}`);
    // …and on the call, where every time reads the same way.
    expect(await page.locator('#call-header time').first().textContent()).toBe('2026-11-21 10:00:00 EST');
    for (const t of await page.locator('main time').allTextContents()) expect(t).toMatch(DATE_TIME_NEW_YORK);
    expect(await page.locator('.marker-callback .marker-line').textContent()).toContain(
      '2026-11-22 14:00 – 16:00 EST (America/New_York)',
    );

    // The interrupted answer: the heard part, the unheard rest struck through, the barge-in marked.
    const answer = page.locator('#msg-4');
    expect(await answer.locator('.tag-warn').first().textContent()).toBe('interrupted');
    expect(await answer.locator('.heard').textContent()).toBe('Standard shipping takes five');
    expect(await answer.locator('del.unheard').textContent()).toBe(
      ' to seven business days, and express shipping takes two.',
    );
    expect(
      // A string, as the other browser tests do: the test build has no DOM types.
      await page.evaluate<string>(
        "getComputedStyle(document.querySelector('#msg-4 del.unheard')).textDecorationLine",
      ),
    ).toContain('line-through');
    await answer.locator('.barge-in').waitFor({ state: 'visible' });

    // The waterfall of each agent turn.
    expect(await answer.locator('.wf-steps').textContent()).toBe(
      'speech stopped → model first audio 900 ms → first frame to Twilio 960 ms',
    );
    expect(await answer.locator('.wf-seg').count()).toBe(2);
    expect(await page.locator('#msg-1 .latency').textContent()).toBe('reply 700 ms');

    // The call's figures.
    const figure = (name: string) => page.locator(`[data-figure="${name}"]`).textContent();
    expect(await figure('duration')).toBe('1 min 35 s');
    expect(await figure('turns')).toBe('2 caller · 2 agent');
    expect(await figure('mean-reply')).toBe('830 ms');
    expect(await figure('worst-reply')).toBe('960 ms');
    expect(await figure('barge-ins')).toBe('1');
    expect(await figure('not-transcribed')).toBe('1');
    expect((await figure('tools'))?.trim()).toBe('search_knowledge_base');

    // Each tool call once: its name once, its arguments and result shown.
    expect(await page.locator('#messages').getByText('search_knowledge_base', { exact: true }).count()).toBe(
      1,
    );
    expect(await page.locator('#msg-3 .tool-args').textContent()).toContain(
      '"query": "shipping times Canada"',
    );
    expect(await page.locator('#msg-3 .tool-result').textContent()).toContain('Standard 5-7 business days');
    expect(await page.locator('#msg-3 .tool-took').textContent()).toBe('took 120 ms');

    // The caller turn nobody could make out stays, marked.
    expect(await page.locator('#msg-5 .text').textContent()).toBe('(not transcribed)');
    await page.screenshot({ path: `${SCREENSHOTS}11-turns-heard-latency.png`, fullPage: true });
    expect(problems, problems.join('\n')).toEqual([]);
    await context.close();
  });

  it('searches by relevance: "shipping times" finds the shipping call first', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await signInBySlug(page);
    await page.getByLabel('Text').fill('shipping times');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=shipping/);
    const rows = await page
      .locator('tr[data-conversation-id]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-conversation-id')));
    expect(rows).toEqual([shippingId, otherId]);
    expect(await page.locator('.search-note').textContent()).toBe('Best match first.');
    await page.screenshot({ path: `${SCREENSHOTS}12-search.png`, fullPage: true });
    await context.close();
  });

  it('shows a barge-in arriving live: heard part, the rest struck, the figures updated', async () => {
    const live = startBody({
      brandId: BRAND_ID,
      startedAt: new Date().toISOString(),
      timezone: 'America/New_York',
    });
    await client.startConversation(live);
    await client.appendMessages(live.callSid, [turn(1, { text: 'Hello, Acme Parcels.' }, 0)]);
    const id = (await h.store.findConversationByCallSid(live.callSid))!.id;
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await signInBySlug(page);
    await page.goto(`${baseUrl}/conversations/${id}`);
    await page.waitForSelector('body.live-connected');
    expect(await page.locator('[data-figure="barge-ins"]').textContent()).toBe('0');
    await client.appendMessages(live.callSid, [
      turn(2, { role: 'caller', text: 'Is my parcel late?' }, 3),
      turn(
        3,
        {
          text: 'Let me check the tracking for you, it should be',
          interrupted: true,
          heardText: 'Let me check',
          latency: { firstAudioMs: 510, firstFrameMs: 540 },
        },
        5,
      ),
    ]);
    await page.locator('#msg-3 .barge-in').waitFor({ state: 'visible' });
    expect(await page.locator('#msg-3 .heard').textContent()).toBe('Let me check');
    expect(await page.locator('#msg-3 del.unheard').textContent()).toBe(
      ' the tracking for you, it should be',
    );
    await expect.poll(() => page.locator('[data-figure="barge-ins"]').textContent()).toBe('1');
    expect(await page.locator('[data-figure="worst-reply"]').textContent()).toBe('540 ms');
    for (const t of await page.locator('#messages time').allTextContents()) expect(t).toMatch(/ E[SD]T$/);

    // A tool call arriving live shows once: its record with the result replaces the one without, and
    // the same call sent again adds nothing.
    const lookup = (sequence: number, toolResult: unknown) =>
      turn(
        sequence,
        {
          role: 'tool',
          source: 'tool',
          text: 'track_parcel',
          itemId: 'call_live',
          toolName: 'track_parcel',
          toolArguments: { order: '5531' },
          ...(toolResult === undefined ? {} : { toolResult }),
        },
        6,
      );
    await client.appendMessages(live.callSid, [lookup(4, undefined)]);
    await page.locator('#msg-4 .tool-result').waitFor({ state: 'visible' });
    expect(await page.locator('#msg-4 .tool-result').textContent()).toBe('(none yet)');
    await client.appendMessages(live.callSid, [lookup(5, { status: 'at depot' })]);
    await page.locator('#msg-5 .tool-result').waitFor({ state: 'visible' });
    await page.locator('#msg-4').waitFor({ state: 'detached' });
    await client.appendMessages(live.callSid, [
      lookup(6, { status: 'at depot' }),
      turn(7, { text: 'It is at the depot.' }, 8),
    ]);
    await page.locator('#msg-7').waitFor({ state: 'visible' });
    expect(await page.locator('#messages .tool-name').allTextContents()).toEqual(['track_parcel']);
    expect(await page.locator('#msg-5 .tool-result').textContent()).toContain('at depot');
    await expect.poll(() => page.locator('[data-figure="tools"]').textContent()).toBe('track_parcel');
    await page.screenshot({ path: `${SCREENSHOTS}13-live-barge-in.png`, fullPage: true });
    await context.close();
  });
});
