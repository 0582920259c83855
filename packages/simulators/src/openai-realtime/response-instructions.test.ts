/**
 * Per-response instructions replace the session's (issue 11.4), and `response.metadata` is echoed.
 * Sources: GA schema `RealtimeResponseCreateParams.instructions` ("The default system instructions …
 * the server sets default instructions which will be used if this field is not set"), i.e. a
 * response's instructions stand in for the session's rather than adding to them; `metadata` (GA
 * `Metadata`: at most 16 keys of ≤ 64 characters, string values of ≤ 512) on `RealtimeResponse`.
 */
import { describe, expect, it } from 'vitest';
import { OFF_PERSONA_REPLY_TEXT, type Scenario } from './scenario.ts';
import { simHarness, telephonySession } from './test-harness.ts';
import {
  concatBytes,
  mulawQuiet,
  mulawTone,
  type RawRealtimeClient,
  type ServerEvent,
} from './test-support.ts';

const PERSONA =
  'You are Ava, the Acme Telecom phone agent. Always answer in English. Use the knowledge base.';

const scenario: Scenario = {
  greeting: 'Hi, this is Ava at Acme Telecom.',
  turns: [
    {
      user: 'my internet is down',
      say: 'Let me look that up.',
      toolCalls: [{ name: 'get_knowledge', arguments: { query: 'outage' } }],
    },
  ],
  default: 'Is there anything else I can do for you?',
  persona: { match: 'Acme Telecom', otherwise: 'Hello! How can I help you today?' },
};

const h = simHarness({ scenario, pacing: 'burst' });

const connect = (instructions = PERSONA, turnDetection: unknown = null) =>
  h.connect(telephonySession(turnDetection, { instructions }));

const create = (c: RawRealtimeClient, response?: Record<string, unknown>) =>
  c.request(
    { type: 'response.create', event_id: 'evt_create', ...(response ? { response } : {}) },
    (e) => e.type === 'response.done' || e.type === 'error',
  );

const spoken = (done: ServerEvent) =>
  ((done.response as { output: Array<{ content?: Array<{ transcript?: string }> }> }).output[0]?.content ??
    [])[0]?.transcript;

describe('response.instructions', () => {
  it('leaves the session instructions in force when a response gives none', async () => {
    const c = await connect();
    const done = await create(c);
    expect(spoken(done)).toBe('Hi, this is Ava at Acme Telecom.');
    expect(h.sim.sessions[0]!.replies[0]).toMatchObject({
      instructions: PERSONA,
      instructionsFrom: 'session',
      source: 'greeting',
      status: 'completed',
    });
  });

  it('replaces them for that response only: the model no longer sees the persona', async () => {
    const c = await connect();
    const goodbye = await create(c, { instructions: 'Say goodbye to the caller.' });
    // the scripted model, seeing only "Say goodbye…", is out of character
    expect(spoken(goodbye)).toBe('Hello! How can I help you today?');
    const next = await create(c);
    expect(spoken(next)).toBe('Is there anything else I can do for you?');
    expect(h.sim.sessions[0]!.replies.map((r) => [r.instructionsFrom, r.instructions, r.source])).toEqual([
      ['response', 'Say goodbye to the caller.', 'off_persona'],
      ['session', PERSONA, 'default'],
    ]);
  });

  it('stays in character when the response instructions carry the persona themselves', async () => {
    const c = await connect();
    const done = await create(c, { instructions: `${PERSONA} Greet the caller.` });
    expect(spoken(done)).toBe('Hi, this is Ava at Acme Telecom.');
    expect(h.sim.sessions[0]!.replies[0]).toMatchObject({ instructionsFrom: 'response', source: 'greeting' });
  });

  it('counts only the effective instructions as input (replaced, not added)', async () => {
    const long = `${PERSONA} ${'Policy text. '.repeat(200)}`;
    const c = await connect(long);
    const own = await create(c, { instructions: 'Acme Telecom: say hi.' });
    const textTokens = (done: ServerEvent) =>
      (done.response as { usage: { input_token_details: { text_tokens: number } } }).usage.input_token_details
        .text_tokens;
    expect(textTokens(own)).toBeLessThan(20);
    const session = await create(c);
    expect(textTokens(session)).toBeGreaterThan(600);
  });

  it('gives responses the server starts from VAD the session instructions current at the time', async () => {
    const c = await connect('Generic assistant.', { type: 'server_vad' });
    await c.request(
      { type: 'session.update', session: { type: 'realtime', instructions: PERSONA } },
      'session.updated',
    );
    c.appendAudio(concatBytes(mulawQuiet(300), mulawTone(800), mulawQuiet(700)));
    const done = await c.next('response.done');
    expect(spoken(done)).toBe('Let me look that up.');
    expect(h.sim.sessions[0]!.replies[0]).toMatchObject({
      instructions: PERSONA,
      instructionsFrom: 'session',
    });
    expect(h.sim.sessions[0]!.replies[0]!.toolCalls.map((t) => t.name)).toEqual(['get_knowledge']);
  });

  it('drops tool calls out of character', async () => {
    const c = await connect('You are a helpful assistant.', { type: 'server_vad' });
    c.appendAudio(concatBytes(mulawQuiet(300), mulawTone(800), mulawQuiet(700)));
    const done = await c.next('response.done');
    expect((done.response as { output: Array<{ type: string }> }).output.map((o) => o.type)).toEqual([
      'message',
    ]);
    expect(spoken(done)).toBe('Hello! How can I help you today?');
  });

  it('uses a generic line when the persona names none', async () => {
    await h.start({ scenario: { default: 'x', persona: { match: 'Acme' } } });
    const c = await h.connect();
    expect(spoken(await create(c))).toBe(OFF_PERSONA_REPLY_TEXT);
  });
});

describe('response.metadata', () => {
  it('is echoed on response.created and response.done, and recorded per response', async () => {
    const c = await connect();
    const metadata = { turn: 'greeting', brand: 'acme' };
    const created = await c.request({ type: 'response.create', response: { metadata } }, 'response.created');
    expect(created.response).toMatchObject({ metadata });
    expect((await c.next('response.done')).response).toMatchObject({ metadata });
    expect(h.sim.sessions[0]!.replies[0]!.metadata).toEqual(metadata);
  });

  it.each([
    [
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
      'object_above_max_properties',
      'response.metadata',
    ],
    [{ ['k'.repeat(65)]: 'v' }, 'string_above_max_length', 'response.metadata'],
    [{ note: 'x'.repeat(513) }, 'string_above_max_length', 'response.metadata.note'],
    [{ count: 3 }, 'invalid_type', 'response.metadata.count'],
    ['tag', 'invalid_type', 'response.metadata'],
  ])('refuses %#: %s at %s', async (metadata, code, param) => {
    const c = await connect();
    const err = await create(c, { metadata });
    expect(err.type).toBe('error');
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code, param, event_id: 'evt_create' });
  });
});
