/**
 * Failed and incomplete responses, server errors and rate limits (issue 11.5). Sources: GA schema
 * `RealtimeResponse` (status `failed` with `status_details.error`, `incomplete` with
 * `status_details.reason` `max_output_tokens` | `content_filter`); a real failed response and its
 * server error message (openai/openai-realtime-api-beta#116; a failure before any output:
 * twilio-samples/speech-assistant-openai-realtime-api-node#37); `RealtimeServerEventError` (type
 * `server_error`); `RealtimeServerEventRateLimitsUpdated` (the `rate_limits` entries).
 */
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { describe, expect, it } from 'vitest';
import { parseFaultPlan } from './faults.ts';
import { parseScenario, type Scenario, ScenarioError } from './scenario.ts';
import { connectRealtimeSdk } from './sdk.ts';
import type { RealtimeSimulatorOptions } from './server.ts';
import { simHarness } from './test-harness.ts';
import type { RawRealtimeClient, ServerEvent } from './test-support.ts';

const LINE = 'Your order left our warehouse this morning and arrives tomorrow.';

const h = simHarness({ pacing: 'burst' });

async function connect(scenario: Scenario, options: RealtimeSimulatorOptions = {}) {
  await h.start({ scenario, ...options });
  return h.connect({ audio: { output: { format: { type: 'audio/pcmu' } } } });
}

const respond = (c: RawRealtimeClient, response?: Record<string, unknown>) =>
  c.request({ type: 'response.create', ...(response ? { response } : {}) }, 'response.done');

const events = (c: RawRealtimeClient, done: ServerEvent, type: string) => {
  const id = (done.response as { id: string }).id;
  return c.events.filter((e) => e.type === type && e.response_id === id);
};
const audioMs = (c: RawRealtimeClient, done: ServerEvent) =>
  events(c, done, 'response.output_audio.delta').reduce(
    (n, e) => n + Buffer.from(e.delta as string, 'base64').length / 8,
    0,
  );

describe('failed responses', () => {
  it('fails before any output with the real server error in status_details', async () => {
    const c = await connect({ greeting: { say: LINE, outcome: { status: 'failed' } } });
    const done = await respond(c);
    const sessionId = h.sim.sessions[0]!.id;
    expect(done.response).toMatchObject({
      status: 'failed',
      status_details: {
        type: 'failed',
        error: {
          type: 'server_error',
          code: null,
          message: `The server had an error while processing your request. Sorry about that! Please contact us through our help center at help.openai.com if the error persists. (include session ID in your message: ${sessionId}). We recommend you retry your request.`,
        },
      },
      output: [],
    });
    expect(events(c, done, 'response.output_audio.delta')).toEqual([]);
    expect(c.types().slice(-3)).toEqual(['response.created', 'response.done', 'rate_limits.updated']);
    expect(h.sim.sessions[0]!.replies[0]!.status).toBe('failed');
  });

  it('can fail mid-reply, with an error event of type server_error before response.done', async () => {
    const c = await connect({
      greeting: {
        say: LINE,
        outcome: {
          status: 'failed',
          serverErrorEvent: true,
          afterAudioMs: 300,
          error: { code: 'model_error' },
        },
      },
    });
    const done = await respond(c);
    expect(audioMs(c, done)).toBe(300);
    const error = c.events.find((e) => e.type === 'error')!;
    expect(c.events.indexOf(error)).toBeLessThan(c.events.indexOf(done));
    expect(error.error).toMatchObject({ type: 'server_error', code: null, param: null, event_id: null });
    expect(done.response).toMatchObject({
      status: 'failed',
      status_details: { type: 'failed', error: { type: 'server_error', code: 'model_error' } },
      output: [{ type: 'message', status: 'incomplete' }],
    });
  });

  it('fails the next responses the fault plan names, then completes again', async () => {
    const c = await connect(
      { default: LINE },
      { faults: { responseOutcome: { status: 'failed', count: 1 } } },
    );
    expect((await respond(c)).response).toMatchObject({ status: 'failed' });
    expect((await respond(c)).response).toMatchObject({ status: 'completed' });
  });
});

describe('incomplete responses', () => {
  it('cuts a reply by the content filter halfway, with the words said so far and no tool calls', async () => {
    const c = await connect({
      greeting: {
        say: LINE,
        toolCalls: [{ name: 'transfer_call' }],
        outcome: { status: 'incomplete', reason: 'content_filter' },
      },
    });
    const done = await respond(c);
    const full = LINE.length * 70;
    expect(audioMs(c, done)).toBeGreaterThanOrEqual(full / 2);
    expect(audioMs(c, done)).toBeLessThan(full);
    const transcript = events(c, done, 'response.output_audio_transcript.done')[0]!.transcript as string;
    expect(LINE.startsWith(transcript)).toBe(true);
    expect(transcript.length).toBeLessThan(LINE.length);
    expect(done.response).toMatchObject({
      status: 'incomplete',
      status_details: { type: 'incomplete', reason: 'content_filter' },
      output: [{ type: 'message', status: 'incomplete', content: [{ type: 'output_audio', transcript }] }],
    });
    expect(c.types()).not.toContain('response.function_call_arguments.done');
  });

  it('stops at max_output_tokens like the real API: incomplete, reason max_output_tokens', async () => {
    const c = await connect({ default: LINE });
    const done = await respond(c, { max_output_tokens: 20 });
    const usage = (done.response as { usage: { output_tokens: number } }).usage;
    expect(done.response).toMatchObject({
      status: 'incomplete',
      status_details: { type: 'incomplete', reason: 'max_output_tokens' },
      max_output_tokens: 20,
    });
    expect(usage.output_tokens).toBeGreaterThanOrEqual(20);
    expect(usage.output_tokens).toBeLessThan(30);
    expect((await respond(c)).response).toMatchObject({ status: 'completed', status_details: null });
  });
});

describe('rate_limits.updated', () => {
  it('reports requests and tokens after each response, as the fault plan sets them', async () => {
    const c = await connect(
      { default: 'Hi.' },
      { faults: { rateLimits: { tokens: { limit: 40_000, remaining: 12, resetSeconds: 1.5 } } } },
    );
    await respond(c);
    const limits = await c.next('rate_limits.updated');
    expect(limits.rate_limits).toEqual([
      { name: 'requests', limit: 20_000, remaining: 19_999, reset_seconds: 0.003 },
      { name: 'tokens', limit: 40_000, remaining: 12, reset_seconds: 1.5 },
    ]);
  });
});

describe('through the openai SDK', () => {
  it('delivers the failed response.done and the server_error as typed events', async () => {
    const sim = await h.start({
      scenario: { greeting: { say: LINE, outcome: { status: 'failed', serverErrorEvent: true } } },
    });
    const rt = await connectRealtimeSdk(sim);
    const seen: RealtimeServerEvent[] = [];
    const errors: unknown[] = [];
    rt.on('event', (e) => seen.push(e));
    rt.on('error', (e) => errors.push(e));
    rt.send({ type: 'response.create' });
    const session = await sim.session(0);
    await session.waitFor('response.done');
    await new Promise((r) => setTimeout(r, 20));
    const done = seen.find((e) => e.type === 'response.done');
    expect(done?.type === 'response.done' && done.response.status).toBe('failed');
    expect(errors).toHaveLength(1);
    rt.socket.terminate();
  });
});

describe('scripting', () => {
  it('validates outcomes in scenario files and fault plans, naming the field', () => {
    expect(() => parseScenario({ greeting: { say: 'x', outcome: { status: 'exploded' } } })).toThrow(
      new ScenarioError("scenario.greeting.outcome.status: expected 'failed' or 'incomplete'"),
    );
    expect(() => parseScenario({ turns: [{ outcome: { status: 'incomplete', reason: 'tired' } }] })).toThrow(
      "scenario.turns[0].outcome.reason: expected 'max_output_tokens' or 'content_filter'",
    );
    expect(parseFaultPlan({ responseOutcome: { status: 'failed', count: 2 } })).toEqual({
      responseOutcome: { status: 'failed', count: 2 },
    });
    expect(() => parseFaultPlan({ responseOutcome: { status: 'failed', count: 0 } })).toThrow('count');
    expect(() => parseFaultPlan({ rateLimits: { tokens: { remaining: -1 } } })).toThrow(
      'rateLimits.tokens.remaining',
    );
  });
});
