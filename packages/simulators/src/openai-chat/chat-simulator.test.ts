/**
 * The chat/responses simulator proven with the real openai SDK. Behaviour follows OpenAI's Structured
 * Outputs guide (response_format json_schema / text.format, strict-mode schema rules) and the API's
 * error bodies as users quoted them: missing model (mckaywrigley/chatbot-ui#656), strict schema
 * refusals with code invalid_json_schema (bingoYB/ham_home#16, vercel/ai#6484).
 */
import { Ajv } from 'ajv';
import fc from 'fast-check';
import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatSimulator, startChatSimulator } from './index.ts';

const schema = {
  type: 'object',
  properties: {
    summary: { type: 'string' },
    sentiment: { type: 'string', enum: ['positive', 'neutral', 'negative', 'mixed'] },
    intent: { type: 'string' },
    resolution: { type: 'string', enum: ['resolved', 'unresolved', 'escalated', 'follow_up'] },
    leadScore: { type: 'integer', minimum: 0, maximum: 100 },
    tags: { type: 'array', items: { type: 'string' } },
    followUp: { anyOf: [{ type: 'string' }, { type: 'null' }] },
  },
  required: ['summary', 'sentiment', 'intent', 'resolution', 'leadScore', 'tags', 'followUp'],
  additionalProperties: false,
};
const transcript =
  'caller: Hi, my parcel never arrived and I am upset.\nagent: Sorry about that.\ncaller: Can I get a refund? Please call back tomorrow.';

let sim: ChatSimulator;
let client: OpenAI;
beforeAll(async () => {
  sim = await startChatSimulator({ apiKey: 'sk-sim' });
  client = new OpenAI({ apiKey: 'sk-sim', baseURL: sim.openaiBaseUrl, maxRetries: 0, timeout: 2000 });
});
afterAll(() => sim.close());

const ask = (over: Record<string, unknown> = {}) =>
  client.chat.completions.create({
    model: 'gpt-4.1-mini',
    messages: [
      { role: 'system', content: 'Analyse the call.' },
      { role: 'user', content: transcript },
    ],
    response_format: { type: 'json_schema', json_schema: { name: 'call_analysis', schema, strict: true } },
    ...over,
  } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);

describe('chat completions with json_schema', () => {
  it('answers JSON that validates against the schema, read from the transcript, the same every time', async () => {
    const a = await ask();
    const text = a.choices[0]!.message.content!;
    const value = JSON.parse(text);
    expect(new Ajv().validate(schema, value)).toBe(true);
    expect(value).toMatchObject({ sentiment: 'negative', intent: 'returns', resolution: 'follow_up' });
    expect(a.object).toBe('chat.completion');
    expect(a.usage!.total_tokens).toBeGreaterThan(0);
    expect((await ask()).choices[0]!.message.content).toBe(text);
  });

  it('refuses a request without a model with the API error shape', async () => {
    const err = await ask({ model: undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).error).toEqual({
      message: 'you must provide a model parameter',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });

  it('refuses an unknown model with 404 model_not_found', async () => {
    const err = (await ask({ model: 'gpt-imaginary' }).catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('model_not_found');
  });

  it.each([
    [
      'a property left out of required',
      { ...schema, required: ['summary'] },
      "Invalid schema for response_format 'call_analysis': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'sentiment'.",
    ],
    [
      'a nested object without additionalProperties: false',
      {
        type: 'object',
        properties: { who: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
        required: ['who'],
        additionalProperties: false,
      },
      "Invalid schema for response_format 'call_analysis': In context=('properties', 'who'), 'additionalProperties' is required to be supplied and to be false.",
    ],
    [
      'allOf',
      { ...schema, properties: { ...schema.properties, summary: { allOf: [{ type: 'string' }] } } },
      "Invalid schema for response_format 'call_analysis': In context=('properties', 'summary'), 'allOf' is not permitted.",
    ],
  ])('refuses a strict schema with %s (400 invalid_json_schema)', async (_name, bad, message) => {
    const err = (await ask({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'call_analysis', schema: bad, strict: true },
      },
    }).catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toEqual({
      message,
      type: 'invalid_request_error',
      param: 'response_format',
      code: 'invalid_json_schema',
    });
  });

  it('accepts the same loose schema when strict is false', async () => {
    const a = await ask({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'loose', schema: { ...schema, required: ['summary'] }, strict: false },
      },
    });
    expect(JSON.parse(a.choices[0]!.message.content!).summary).toContain('returns');
  });

  it('fails on demand: 429 rate_limit_exceeded, 500 server_error, and a stall the client times out on', async () => {
    sim.failNext({ kind: 'rate_limit' });
    const limited = (await ask().catch((e: unknown) => e)) as APIError;
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.code).toBe('rate_limit_exceeded');
    sim.failNext({ kind: 'server_error' });
    const failed = (await ask().catch((e: unknown) => e)) as APIError;
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failed.error).toMatchObject({ type: 'server_error' });
    sim.failNext({ kind: 'stall' });
    const slow = new OpenAI({ apiKey: 'sk-sim', baseURL: sim.openaiBaseUrl, maxRetries: 0, timeout: 200 });
    const timedOut = await slow.chat.completions
      .create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect((await ask()).choices[0]!.message.content).toBeTruthy();
  });

  it('answers a scripted result exactly', async () => {
    sim.scriptNext({ summary: 'scripted', nope: true });
    expect(JSON.parse((await ask()).choices[0]!.message.content!)).toEqual({
      summary: 'scripted',
      nope: true,
    });
  });

  it('refuses a wrong key with 401 invalid_api_key', async () => {
    const other = new OpenAI({ apiKey: 'sk-wrong', baseURL: sim.openaiBaseUrl, maxRetries: 0 });
    const err = (await other.chat.completions
      .create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
  });

  it('answers any JSON body with a 4xx or a 200, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (body) => {
        const res = await fetch(`${sim.openaiBaseUrl}/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer sk-sim', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBeLessThan(500);
        await res.arrayBuffer();
      }),
      { numRuns: 150 },
    );
  });
});

describe('responses API with text.format', () => {
  it('answers output_text that validates against the schema', async () => {
    const r = await client.responses.create({
      model: 'gpt-4.1-mini',
      instructions: 'Analyse the call.',
      input: [{ role: 'user', content: transcript }],
      text: { format: { type: 'json_schema', name: 'call_analysis', schema, strict: true } },
    });
    expect(new Ajv().validate(schema, JSON.parse(r.output_text))).toBe(true);
  });

  it('refuses a bad strict schema with param text.format.schema', async () => {
    const err = (await client.responses
      .create({
        model: 'gpt-4.1-mini',
        input: 'hi',
        text: {
          format: {
            type: 'json_schema',
            name: 'x',
            schema: { type: 'object', properties: { a: { type: 'string' } } },
            strict: true,
          },
        },
      })
      .catch((e: unknown) => e)) as APIError;
    expect(err.error).toMatchObject({ param: 'text.format.schema', code: 'invalid_json_schema' });
  });
});
