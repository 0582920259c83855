import { Writable } from 'node:stream';
import { createLogger, Errors, ServiceError } from '@switchboard/service-kit';
import { describe, expect, it } from 'vitest';
import type { CallAiServer, CallProfile } from '../ports/ai-server.ts';
import { type CachedAiMethod, CachingAiServer, type CachingAiServerOptions } from './caching-ai-server.ts';

const CALLER = '+14155550123';
const OTHER_CALLER = '+442071838750';

/** A CallAiServer whose answers and reachability the test sets; counts calls per method. */
class FakeAi implements CallAiServer {
  /** Thrown by every method while set. */
  failure: unknown;
  calls = new Map<string, number>();
  profiles = new Map<string, CallProfile>([['acme', { key: 'acme', language: 'en', greeting: 'Hello' }]]);
  routes = new Map<string, string>([['+18005550100', 'acme']]);
  prompt = (q: { callerNumber: string; callSid: string; isSip: boolean }) =>
    `You answer for Acme. The caller's number is ${q.callerNumber} (call ${q.callSid}, sip=${q.isSip}).`;
  credits = { available: true, remainingSeconds: 600 };
  debits: Array<{ key: string; callSid: string; durationSec: number }> = [];

  private hit(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    if (this.failure) throw this.failure;
  }
  async lookupBotProfile(q: { sipDomain?: string; to?: string; applicationSid?: string }) {
    this.hit('lookupBotProfile');
    const key = q.to ? this.routes.get(q.to) : undefined;
    return key ? { key } : null;
  }
  async getBotProfile(key: string) {
    this.hit('getBotProfile');
    const p = this.profiles.get(key);
    if (!p) throw Errors.notFound(`no bot profile ${key}`);
    return p;
  }
  async checkCredits(_key: string) {
    this.hit('checkCredits');
    return { ...this.credits };
  }
  async getSystemPrompt(_key: string, q: { callerNumber: string; isSip: boolean; callSid: string }) {
    this.hit('getSystemPrompt');
    return { instructions: this.prompt(q) };
  }
  async getAvailableTools(_key: string) {
    this.hit('getAvailableTools');
    return [{ type: 'function' as const, name: 'order_status', description: 'Order status', parameters: {} }];
  }
  async searchKnowledge(_key: string, q: { query: string }) {
    this.hit('searchKnowledge');
    return {
      mode: 'vector',
      results: [{ chunkId: 'c1', articleId: 'a1', title: q.query, text: 't', score: 1 }],
    };
  }
  async executeTool(_key: string, q: { name: string }) {
    this.hit('executeTool');
    return { ok: true as const, result: { tool: q.name, n: this.calls.get('executeTool') } };
  }
  async debitCall(key: string, q: { callSid: string; durationSec: number }) {
    this.hit('debitCall');
    this.debits.push({ key, ...q });
    return { debited: true };
  }
}

class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(chunk.toString());
    cb();
  }
  get records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

function setup(opts: Partial<CachingAiServerOptions> = {}, ai: FakeAi = new FakeAi()) {
  let nowMs = 1_000_000;
  const logs = new Lines();
  const stale: CachedAiMethod[] = [];
  const misses: CachedAiMethod[] = [];
  const cache = new CachingAiServer(ai, {
    now: () => nowMs,
    logger: createLogger({ name: 'test', level: 'debug', destination: logs }),
    metrics: { onStaleServed: (m) => stale.push(m), onMiss: (m) => misses.push(m) },
    ...opts,
  });
  return {
    ai,
    cache,
    logs,
    stale,
    misses,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

const unreachable = () =>
  new ServiceError('UPSTREAM_UNREACHABLE', '/bot-profiles/acme: connect ECONNREFUSED', 502, true);
const promptQuery = (callerNumber = CALLER, callSid = 'CA00000000000000000000000000000001') => ({
  callerNumber,
  callSid,
  isSip: false,
});

describe('CachingAiServer', () => {
  it('returns fresh answers while ai-server is up, and serves the last one when it is unreachable', async () => {
    const { ai, cache, logs, stale } = setup();
    const profile = await cache.getBotProfile('acme');
    const credits = await cache.checkCredits('acme');
    const tools = await cache.getAvailableTools('acme');
    const lookup = await cache.lookupBotProfile({ to: '+18005550100' });
    expect(profile.greeting).toBe('Hello');

    ai.profiles.set('acme', { key: 'acme', greeting: 'Changed' });
    expect((await cache.getBotProfile('acme')).greeting).toBe('Changed');

    ai.failure = unreachable();
    expect((await cache.getBotProfile('acme')).greeting).toBe('Changed');
    expect(await cache.checkCredits('acme')).toEqual(credits);
    expect(await cache.getAvailableTools('acme')).toEqual(tools);
    expect(await cache.lookupBotProfile({ to: '+18005550100' })).toEqual(lookup);
    expect(stale).toEqual(['getBotProfile', 'checkCredits', 'getAvailableTools', 'lookupBotProfile']);
    const warnings = logs.records.filter((r) => r.level === 40);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatchObject({
      method: 'getBotProfile',
      profileKey: 'acme',
      err: { code: 'UPSTREAM_UNREACHABLE', statusCode: 502 },
      msg: 'ai-server unreachable; serving the last good answer',
    });
    // The lookup's number is masked and the error's message (a path) never logged.
    expect(warnings[3]).toMatchObject({ query: { to: '+1******0100' } });
    expect(logs.lines.join('')).not.toContain('+18005550100');
    expect(logs.lines.join('')).not.toContain('ECONNREFUSED');
  });

  it('serves a cached "no such number" so the webhook can fall through to the next lookup', async () => {
    const { ai, cache } = setup();
    expect(await cache.lookupBotProfile({ sipDomain: 'acme.sip.twilio.com' })).toBeNull();
    expect(await cache.lookupBotProfile({ to: '+18005550100' })).toEqual({ key: 'acme' });
    ai.failure = unreachable();
    expect(await cache.lookupBotProfile({ sipDomain: 'acme.sip.twilio.com' })).toBeNull();
    expect(await cache.lookupBotProfile({ to: '+18005550100' })).toEqual({ key: 'acme' });
    await expect(cache.lookupBotProfile({ applicationSid: 'AP123' })).rejects.toBe(ai.failure);
  });

  it('falls back on timeouts, 5xx, 429 and socket errors, not on other failures', async () => {
    const { ai, cache } = setup();
    await cache.getBotProfile('acme');
    const fallsBack = [
      Errors.timeout('slow'),
      new ServiceError('HTTP_500', 'boom', 500, false),
      new ServiceError('HTTP_429', 'slow down', 429, true),
      Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      }),
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
    ];
    for (const err of fallsBack) {
      ai.failure = err;
      expect((await cache.getBotProfile('acme')).key).toBe('acme');
    }
    const bug = new Error('a bug, not an outage');
    ai.failure = bug;
    await expect(cache.getBotProfile('acme')).rejects.toBe(bug);
  });

  it('passes a 4xx through and forgets the cached answer, so stale data never masks it', async () => {
    const { ai, cache, stale } = setup();
    await cache.getBotProfile('acme');
    ai.profiles.delete('acme');
    await expect(cache.getBotProfile('acme')).rejects.toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    // Even a later outage does not bring the deleted profile back.
    ai.failure = unreachable();
    await expect(cache.getBotProfile('acme')).rejects.toBe(ai.failure);

    const forbidden = Errors.forbidden('brand suspended');
    ai.failure = undefined;
    await cache.checkCredits('acme');
    ai.failure = forbidden;
    await expect(cache.checkCredits('acme')).rejects.toBe(forbidden);
    expect(stale).toEqual([]);
  });

  it('stops serving an answer once it is older than the TTL; the original error propagates', async () => {
    const { ai, cache, advance, misses } = setup({ ttlMs: 60_000 });
    await cache.getBotProfile('acme');
    await cache.checkCredits('acme');
    ai.failure = unreachable();
    advance(60_000);
    expect((await cache.getBotProfile('acme')).key).toBe('acme');
    advance(1);
    await expect(cache.getBotProfile('acme')).rejects.toBe(ai.failure);
    await expect(cache.checkCredits('acme')).rejects.toBe(ai.failure);
    expect(misses).toEqual(['getBotProfile', 'checkCredits']);
  });

  it('defaults to a 10-minute TTL, counted from the last good answer', async () => {
    const { ai, cache, advance } = setup({ ttlMs: undefined });
    await cache.checkCredits('acme');
    advance(9 * 60_000);
    await cache.checkCredits('acme');
    ai.failure = unreachable();
    advance(9 * 60_000);
    expect(await cache.checkCredits('acme')).toEqual({ available: true, remainingSeconds: 600 });
    advance(60_001);
    await expect(cache.checkCredits('acme')).rejects.toBe(ai.failure);
  });

  it('propagates the error when nothing was cached', async () => {
    const { ai, cache } = setup();
    ai.failure = unreachable();
    await expect(cache.getSystemPrompt('acme', promptQuery())).rejects.toBe(ai.failure);
    await expect(cache.getAvailableTools('acme')).rejects.toBe(ai.failure);
  });

  it('never caches executeTool or searchKnowledge', async () => {
    const { ai, cache } = setup();
    const first = await cache.executeTool('acme', { name: 'order_status', arguments: {}, callSid: 'CA1' });
    const second = await cache.executeTool('acme', { name: 'order_status', arguments: {}, callSid: 'CA1' });
    expect(first).not.toEqual(second);
    await cache.searchKnowledge('acme', { query: 'opening hours' });
    ai.failure = unreachable();
    await expect(
      cache.executeTool('acme', { name: 'order_status', arguments: {}, callSid: 'CA1' }),
    ).rejects.toBe(ai.failure);
    await expect(cache.searchKnowledge('acme', { query: 'opening hours' })).rejects.toBe(ai.failure);
    expect(ai.calls.get('executeTool')).toBe(3);
    expect(ai.calls.get('searchKnowledge')).toBe(2);
  });

  it("fills a cached prompt in with the new caller's number and call SID", async () => {
    const { ai, cache } = setup();
    await cache.getSystemPrompt('acme', promptQuery(CALLER, 'CA_FIRST_0000000000000000000000001'));
    ai.failure = unreachable();
    const served = await cache.getSystemPrompt(
      'acme',
      promptQuery(OTHER_CALLER, 'CA_SECOND_000000000000000000000002'),
    );
    expect(served.instructions).toBe(
      ai.prompt({ callerNumber: OTHER_CALLER, callSid: 'CA_SECOND_000000000000000000000002', isSip: false }),
    );
    expect(served.instructions).not.toContain('5550123');
    // SIP and PSTN prompts are cached apart.
    await expect(cache.getSystemPrompt('acme', { ...promptQuery(), isSip: true })).rejects.toBe(ai.failure);
  });

  it('expires a cached prompt early when the business hours it states change', async () => {
    const { ai, cache, advance } = setup();
    // The test clock starts at 1,000,000 ms.
    const closesAt = 1_000_000 + 5 * 60_000;
    const answer = (open: boolean) => ({
      instructions: open ? 'Acme. We are open.' : 'Acme. We are closed.',
      businessHours: open
        ? { open, closesAt: { at: new Date(closesAt).toISOString() } }
        : { open, nextOpening: { at: new Date(closesAt + 3_600_000).toISOString() } },
    });
    ai.getSystemPrompt = async () => answer(true);
    await cache.getSystemPrompt('acme', promptQuery());
    ai.getSystemPrompt = async () => {
      throw unreachable();
    };
    expect((await cache.getSystemPrompt('acme', promptQuery())).instructions).toBe('Acme. We are open.');
    advance(5 * 60_000 - 1);
    expect((await cache.getSystemPrompt('acme', promptQuery())).instructions).toBe('Acme. We are open.');
    advance(1);
    await expect(cache.getSystemPrompt('acme', promptQuery())).rejects.toMatchObject({
      code: 'UPSTREAM_UNREACHABLE',
    });
  });

  it('does not cache a prompt that carries the number in a form it cannot replace', async () => {
    const { ai, cache } = setup();
    await cache.getSystemPrompt('acme', promptQuery());
    ai.prompt = () => 'Acme. Caller: (415) 555-0123.';
    await cache.getSystemPrompt('acme', promptQuery());
    ai.failure = unreachable();
    // The older, safely refillable answer is still served; the newer one was never kept.
    const served = await cache.getSystemPrompt('acme', promptQuery(OTHER_CALLER));
    expect(served.instructions).toContain(OTHER_CALLER);
    expect(served.instructions).not.toContain('555-0123');
  });

  it('does not hand a prompt naming a non-numeric caller ID to another caller', async () => {
    const { ai, cache } = setup();
    ai.prompt = (q) => `Acme. The caller is ${q.callerNumber}.`;
    await cache.getSystemPrompt('acme', promptQuery('client:alice'));
    ai.failure = unreachable();
    await expect(cache.getSystemPrompt('acme', promptQuery(OTHER_CALLER))).rejects.toBe(ai.failure);
  });

  it('scoped to the caller, serves a cached prompt only to the same caller', async () => {
    const { ai, cache } = setup({ promptCacheScope: 'caller' });
    ai.prompt = (q) => `Acme. Caller ${q.callerNumber}, known as Alice Example.`;
    await cache.getSystemPrompt('acme', promptQuery(CALLER));
    ai.failure = unreachable();
    expect((await cache.getSystemPrompt('acme', promptQuery(CALLER))).instructions).toContain('Alice');
    await expect(cache.getSystemPrompt('acme', promptQuery(OTHER_CALLER))).rejects.toBe(ai.failure);
  });

  it('keeps at most maxEntries answers, dropping the least recently used', async () => {
    const { ai, cache } = setup({ maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) ai.profiles.set(key, { key });
    await cache.getBotProfile('a');
    await cache.getBotProfile('b');
    await cache.getBotProfile('a');
    await cache.getBotProfile('c');
    expect(cache.size).toBe(2);
    ai.failure = unreachable();
    expect((await cache.getBotProfile('a')).key).toBe('a');
    expect((await cache.getBotProfile('c')).key).toBe('c');
    await expect(cache.getBotProfile('b')).rejects.toBe(ai.failure);
  });

  it('serves copies: a caller changing its answer does not change what the next call gets', async () => {
    const { ai, cache } = setup();
    const fresh = await cache.getBotProfile('acme');
    fresh.greeting = 'mutated';
    ai.failure = unreachable();
    const stale = await cache.getBotProfile('acme');
    expect(stale.greeting).toBe('Hello');
    stale.greeting = 'mutated again';
    expect((await cache.getBotProfile('acme')).greeting).toBe('Hello');
  });

  it('passes debitCall through, never cached', async () => {
    const { ai, cache } = setup();
    await expect(cache.debitCall('acme', { callSid: 'CA1', durationSec: 42 })).resolves.toEqual({
      debited: true,
    });
    expect(ai.debits).toEqual([{ key: 'acme', callSid: 'CA1', durationSec: 42 }]);
    ai.failure = unreachable();
    await expect(cache.debitCall('acme', { callSid: 'CA1', durationSec: 42 })).rejects.toBe(ai.failure);
    expect(ai.calls.get('debitCall')).toBe(2);
  });
});
