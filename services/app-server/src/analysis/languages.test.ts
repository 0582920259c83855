// The analyses of calls in more than one language (issue 23): the API, the aggregates, the analytics
// page and the CSV filter by language and count calls per language, on both stores; the analysed
// transcript names each switch.

import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../domain/types.ts';
import { type Harness, msg, staffCookie, startBody, startHarness } from '../testing/harness.ts';
import { DEFAULT_ANALYSIS_SCHEMA } from './analysis-schema.ts';
import { Analyzer, renderTranscript } from './analyzer.ts';

const result = (intent: string) => ({
  fields: { summary: 'A call.', sentiment: 'neutral', intent, resolution: 'resolved', leadScore: 10 },
  result: {},
  model: 'gpt-4.1-mini',
  promptVersion: 'call-analysis/1',
  schemaVersion: 'call_analysis@1',
});

describe.each(['memory', 'prisma'] as const)('analyses by language, %s store', (kind) => {
  let h: Harness;
  let cookie: string;
  const ids: Record<string, string> = {};
  const get = (url: string) => h.app.inject({ url, headers: { cookie } });

  beforeAll(async () => {
    h = await startHarness({ store: kind });
    cookie = await staffCookie(h, 'acme');
    const calls: [string, string | undefined, string | undefined, string][] = [
      ['english', 'en', undefined, '2026-11-20T09:00:00.000Z'],
      ['mexican', 'en', 'es-MX', '2026-11-20T10:00:00.000Z'],
      ['spanish', 'es', undefined, '2026-11-21T09:00:00.000Z'],
      ['unknown', undefined, undefined, '2026-11-21T10:00:00.000Z'],
    ];
    for (const [name, language, to, startedAt] of calls) {
      const start = startBody({ startedAt, ...(language ? { language } : {}) });
      await h.app.inject({
        method: 'POST',
        url: '/internal/conversations',
        headers: h.serviceHeaders,
        payload: start,
      });
      const messages = [msg(1, { text: 'hello' })];
      if (to)
        messages.push(
          msg(2, {
            role: 'system',
            source: 'language',
            text: null,
            languageSwitch: { from: language!, to, how: 'detected', confidence: 0.9, served: true },
          }),
        );
      await h.app.inject({
        method: 'POST',
        url: `/internal/conversations/${start.callSid}/messages`,
        headers: h.serviceHeaders,
        payload: { messages },
      });
      const c = await h.store.findConversationByCallSid(start.callSid);
      ids[name] = c!.id;
      await h.store.analyses().saveResult(c!.id, result(name));
    }
  }, 60_000);
  afterAll(async () => h.close());

  it('filters the list and the aggregates by language, and counts calls per language', async () => {
    const list = (await get('/api/analyses?language=es')).json();
    expect(list.items.map((i: { conversationId: string }) => i.conversationId)).toEqual([
      ids.spanish,
      ids.mexican,
    ]);
    expect(list.items.map((i: { languages: string[] }) => i.languages)).toEqual([['es'], ['en', 'es-MX']]);
    const paged = (await get('/api/analyses?language=es&limit=1')).json();
    expect(paged.items.map((i: { conversationId: string }) => i.conversationId)).toEqual([ids.spanish]);
    const next = (await get(`/api/analyses?language=es&limit=1&cursor=${paged.nextCursor}`)).json();
    expect(next.items.map((i: { conversationId: string }) => i.conversationId)).toEqual([ids.mexican]);
    expect(next.nextCursor).toBeNull();

    const all = (await get('/api/analyses/aggregates')).json();
    expect(all.byLanguage).toEqual([
      ['en', 2],
      ['es', 2],
      ['unknown', 1],
    ]);
    const es = (await get('/api/analyses/aggregates?language=es-mx')).json();
    expect(es).toMatchObject({ total: 1, byIntent: [['mexican', 1]] });
    const bad = await get('/api/analyses?language=es_MX');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('querystring.language');
  });

  it('filters the analytics page and the CSV by language and shows calls per language', async () => {
    const page = await get('/analytics?language=es');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`data-conversation-id="${ids.spanish}"`);
    expect(page.body).not.toContain(`data-conversation-id="${ids.english}"`);
    expect(page.body).toContain('<tr data-language="es"><th scope="row" title="es">Spanish</th>');
    expect(page.body).toContain('href="/analytics.csv?language=es"');
    const csv = (await get('/analytics.csv?language=es')).body.trimEnd().split('\r\n');
    expect(csv[0]).toMatch(/,languages$/);
    expect(csv.slice(1).map((l) => l.split(',').at(-1))).toEqual(['es', 'en es-MX']);
    expect((await get('/analytics?language=%3Cb%3E')).statusCode).toBe(400);
  });
});

describe('the analysed transcript', () => {
  it("names the call's languages in its heading", async () => {
    const asked: { content: string }[][] = [];
    const answer = { summary: 's', sentiment: 'neutral', intent: 'x', resolution: 'resolved', leadScore: 1 };
    // Only the request matters here: the answer is the smallest valid one.
    const client = {
      chat: {
        completions: {
          create: async (req: { messages: { content: string }[] }) => {
            asked.push(req.messages);
            return {
              model: 'm',
              choices: [
                { finish_reason: 'stop', message: { content: JSON.stringify(answer), refusal: null } },
              ],
            };
          },
        },
      },
    } as unknown as OpenAI;
    const analyzer = new Analyzer({ client, model: 'm' });
    const conversation = (languages: string[]) =>
      ({ botProfileKey: 'acme-support', languages }) as unknown as Conversation;
    await analyzer.analyze({
      conversation: conversation(['en', 'es']),
      messages: [],
      schema: DEFAULT_ANALYSIS_SCHEMA,
    });
    await analyzer.analyze({ conversation: conversation([]), messages: [], schema: DEFAULT_ANALYSIS_SCHEMA });
    expect(asked.map((m) => m[1]?.content.split('\n')[0])).toEqual([
      'Transcript (bot profile acme-support; languages: English, Spanish):',
      'Transcript (bot profile acme-support):',
    ]);
  });

  it('names each language switch and each request for a language not served', () => {
    const base = {
      conversationId: 'c',
      itemId: null,
      startedAt: new Date(),
      interrupted: false,
      toolName: null,
      toolArguments: null,
      toolResult: null,
      responseMs: null,
      firstAudioMs: null,
      firstFrameMs: null,
      heardText: null,
      transcription: null,
      transcriber: null,
      transcriberText: null,
      handoff: null,
      languageSwitch: null,
      sanitized: [],
      createdAt: new Date(),
      updatedAt: new Date(),
    } satisfies Omit<Message, 'sequence' | 'role' | 'text' | 'source'>;
    const text = renderTranscript([
      { ...base, sequence: 1, role: 'caller', text: 'Hola, ¿me ayuda?', source: 'realtime' },
      {
        ...base,
        sequence: 2,
        role: 'system',
        text: null,
        source: 'language',
        languageSwitch: { from: 'en', to: 'es', how: 'detected', confidence: 0.93, served: true },
      },
      {
        ...base,
        sequence: 3,
        role: 'system',
        text: null,
        source: 'language',
        languageSwitch: { from: 'es', to: 'fr', how: 'asked', served: false },
      },
    ]);
    expect(text).toBe(
      [
        'Caller: Hola, ¿me ayuda?',
        '[Language: English → Spanish, detected 0.93]',
        '[Caller asked for French, not served: offered a transfer or a callback]',
      ].join('\n'),
    );
  });
});
