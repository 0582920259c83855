// A call's languages (issue 23): voice-server names the start language and sends `language` messages
// (a switch, or a request for a language the profile does not serve); the API, the list filter and
// the staff pages show them. Both stores; bad fields refused with a 400 naming them.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LanguageSwitch } from '../domain/types.ts';
import { type Harness, msg, staffCookie, startBody, startHarness } from '../testing/harness.ts';

const switchMsg = (sequence: number, languageSwitch: LanguageSwitch) =>
  msg(sequence, { role: 'system', source: 'language', text: null, languageSwitch });

describe.each(['memory', 'prisma'] as const)('call languages, %s store', (kind) => {
  let h: Harness;
  let cookie: string;
  beforeAll(async () => {
    h = await startHarness({ store: kind });
    cookie = await staffCookie(h, 'acme');
  }, 60_000);
  afterAll(async () => h.close());

  const post = (url: string, payload: unknown) =>
    h.app.inject({ method: 'POST', url, headers: h.serviceHeaders, payload: payload as object });
  const get = (url: string) => h.app.inject({ url, headers: { cookie } });
  const call = async (language: string | undefined, switches: LanguageSwitch[], brandId = 'acme') => {
    const start = startBody({ brandId, ...(language ? { language } : {}) });
    expect((await post('/internal/conversations', start)).statusCode).toBe(201);
    if (switches.length) {
      const res = await post(`/internal/conversations/${start.callSid}/messages`, {
        messages: switches.map((s, i) => switchMsg(i + 1, s)),
      });
      expect(res.statusCode).toBe(200);
    }
    return (await h.store.findConversationByCallSid(start.callSid))!;
  };

  it('records a detected switch and an unserved request, and shows both in the API', async () => {
    const c = await call('en', [
      { from: 'en', to: 'es', how: 'detected', confidence: 0.93, served: true },
      { from: 'es', to: 'fr', how: 'asked', served: false },
    ]);
    const detail = (await get(`/api/conversations/${c.id}`)).json();
    expect(detail.conversation.languages).toEqual(['en', 'es']);
    expect(detail.messages.map((m: { source: string; languageSwitch: unknown }) => m.languageSwitch)).toEqual(
      [
        { from: 'en', to: 'es', how: 'detected', confidence: 0.93, served: true },
        { from: 'es', to: 'fr', how: 'asked', served: false },
      ],
    );
    const list = (await get('/api/conversations?language=es')).json();
    expect(list.items.find((x: { id: string }) => x.id === c.id)?.languages).toEqual(['en', 'es']);
  });

  it('filters the list by language, primary subtag included, in the API and on the page', async () => {
    const mx = await call('en', [{ from: 'en', to: 'es-MX', how: 'asked', served: true }]);
    const de = await call('de', []);
    const ids = async (q: string) =>
      (await get(`/api/conversations?${q}`)).json().items.map((x: { id: string }) => x.id) as string[];
    expect(await ids('language=es')).toContain(mx.id);
    expect(await ids('language=ES-mx')).toContain(mx.id);
    expect(await ids('language=es')).not.toContain(de.id);
    expect(await ids('language=de')).toEqual([de.id]);
    expect(await ids('language=fr')).not.toContain(mx.id);
    const page = await get('/conversations?language=de');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`data-conversation-id="${de.id}"`);
    expect(page.body).not.toContain(`data-conversation-id="${mx.id}"`);
    expect(page.body).toContain('<span class="tag lang" title="German">de</span>');
    expect(page.body).toContain(
      'name="language" size="6" placeholder="es" autocapitalize="none" spellcheck="false" value="de"',
    );
    const bad = await get('/api/conversations?language=<es>');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('querystring.language');
    expect((await get('/conversations?language=e%20s')).statusCode).toBe(400);
  });

  it('shows the languages and the language messages on the conversation page', async () => {
    const c = await call('en', [
      { from: 'en', to: 'es', how: 'detected', confidence: 0.93, served: true },
      { from: 'es', to: 'fr', how: 'asked', served: false },
    ]);
    const page = (await get(`/conversations/${c.id}`)).body;
    expect(page).toContain('<dt>Languages</dt><dd class="languages">English, Spanish</dd>');
    expect(page).toContain(
      'Language: <strong title="en">English</strong> → <strong title="es">Spanish</strong> · detected (0.93)',
    );
    expect(page).toContain(
      'Caller asked for <strong title="fr">French</strong>, not served: offered a transfer or a callback',
    );
    // The live calls list shows the call's languages too.
    const live = (await get('/live')).body;
    const row = live.slice(live.indexOf(`id="live-${c.id}"`));
    expect(row.slice(0, row.indexOf('</tr>'))).toContain(
      '<td data-label="Languages"><span class="tag lang" title="English">en</span> <span class="tag lang" title="Spanish">es</span> </td>',
    );
  });

  it('escapes a hostile tag that reached the store', async () => {
    const c = await call('en', []);
    const hostile = '<img src=x onerror=alert(1)>';
    await h.store.upsertMessages(c.id, [
      {
        sequence: 1,
        role: 'system',
        text: null,
        startedAt: new Date('2026-11-21T10:00:01Z'),
        source: 'language',
        languageSwitch: { from: 'en', to: hostile, how: 'asked', served: true },
      },
    ]);
    const page = (await get(`/conversations/${c.id}`)).body;
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<img');
    const list = (await get('/conversations')).body;
    expect(list).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(list).not.toContain('<img');
  });

  it('refuses bad language fields with a 400 naming the field, never a 5xx', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    const url = `/internal/conversations/${start.callSid}/messages`;
    const good: LanguageSwitch = { from: 'en', to: 'es', how: 'detected', confidence: 0.5, served: true };
    const badTag = fc.oneof(
      fc.string({ minLength: 36, maxLength: 60 }),
      fc.string({ maxLength: 35 }).filter((s) => !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(s)),
      fc.constantFrom('e', 'es_MX', 'es-', '-es', 'es--MX', 'español', 'es-ABCDEFGHI', '<b>'),
    );
    const cases = fc.oneof(
      badTag.map((v) => ({ field: 'languageSwitch.from', s: { ...good, from: v } })),
      badTag.map((v) => ({ field: 'languageSwitch.to', s: { ...good, to: v } })),
      fc
        .oneof(
          fc.string().filter((v) => v !== 'detected' && v !== 'asked'),
          fc.integer(),
          fc.constant(null),
        )
        .map((v) => ({ field: 'languageSwitch.how', s: { ...good, how: v } })),
      // The service's validator coerces types (a numeric string, a boolean, null: see service-kit's app.ts);
      // what it cannot coerce is refused.
      fc
        .oneof(
          // Finite only: JSON has no Infinity (JSON.stringify sends null, which the validator coerces).
          fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => v < 0 || v > 1),
          fc.string().filter((v) => v.trim() !== '' && Number.isNaN(Number(v))),
          fc.object(),
        )
        .map((v) => ({ field: 'languageSwitch.confidence', s: { ...good, confidence: v } })),
      fc
        .oneof(
          fc.string().filter((v) => v !== 'true' && v !== 'false'),
          fc.integer().filter((v) => v !== 0 && v !== 1),
          fc.object(),
        )
        .map((v) => ({ field: 'languageSwitch.served', s: { ...good, served: v } })),
      fc
        .constantFrom('from', 'to', 'how', 'served')
        .map((k) => ({ field: k, s: Object.fromEntries(Object.entries(good).filter(([x]) => x !== k)) })),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ field, s }) => {
        const res = await post(url, { messages: [switchMsg(1, s as LanguageSwitch)] });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.message).toContain(field);
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(badTag, async (language) => {
        const res = await post('/internal/conversations', { ...startBody(), language });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.message).toContain('body.language');
      }),
      { numRuns: 20 },
    );
    // Whatever comes as a switch, the answer is never a 5xx.
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (languageSwitch) => {
        const res = await post(url, { messages: [{ ...switchMsg(1, good), languageSwitch }] });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 30 },
    );
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (language) => {
        const res = await post('/internal/conversations', { ...startBody(), language });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 30 },
    );
    // Nothing refused above reached the store.
    const c = await h.store.findConversationByCallSid(start.callSid);
    const stored = await h.store.listMessages(c!.id);
    expect(
      stored.every((m) => m.languageSwitch === null || typeof m.languageSwitch.served === 'boolean'),
    ).toBe(true);
  });

  it('keeps every served target once, in order, and never an unserved one, whatever the switches', async () => {
    const tag = fc.constantFrom('en', 'es', 'es-MX', 'fr', 'de', 'pt-BR', 'EN');
    const sw = fc.record(
      {
        from: tag,
        to: tag,
        how: fc.constantFrom('detected', 'asked'),
        confidence: fc.double({ min: 0, max: 1, noNaN: true }),
        served: fc.boolean(),
      },
      { requiredKeys: ['from', 'to', 'how', 'served'] },
    ) as fc.Arbitrary<LanguageSwitch>;
    await fc.assert(
      fc.asyncProperty(tag, fc.array(sw, { minLength: 1, maxLength: 6 }), async (first, switches) => {
        const c = await call(first, switches);
        const expected: string[] = [first];
        for (const s of switches)
          if (s.served && !expected.some((l) => l.toLowerCase() === s.to.toLowerCase())) expected.push(s.to);
        const detail = (await get(`/api/conversations/${c.id}`)).json();
        expect(detail.conversation.languages).toEqual(expected);
        expect(detail.messages).toHaveLength(switches.length);
      }),
      { numRuns: 15 },
    );
  });
});
