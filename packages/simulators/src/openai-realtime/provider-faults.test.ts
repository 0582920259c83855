/**
 * Provider faults (issue 20) through real sockets: the official SDK (`OpenAIRealtimeWS`) or a bare
 * `ws` client sees each one exactly as it would see the real API misbehave.
 * Sources: the `error` event is `RealtimeServerEventError` in openai/openai-openapi (openapi.yaml,
 * components.schemas); the `insufficient_quota` type, code and message are OpenAI's error-codes guide
 * ("429 - You exceeded your current quota, please check your plan and billing details").
 */
import fc from 'fast-check';
import OpenAI from 'openai';
import type { OpenAIRealtimeError } from 'openai/realtime/index';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { afterEach, describe, expect, it } from 'vitest';
import { INSUFFICIENT_QUOTA_MESSAGE } from './connection-faults.ts';
import { parseFaultPlan } from './faults.ts';
import { MALFORMED_EVENT_KINDS, MALFORMED_EVENTS } from './malformed-events.ts';
import { realtimeSdkTarget } from './sdk.ts';
import { type RealtimeSimulator, type RealtimeSimulatorOptions, startRealtimeSimulator } from './server.ts';
import { RawRealtimeClient } from './test-support.ts';

let sim: RealtimeSimulator | null = null;
const clients: RawRealtimeClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await sim?.close();
  sim = null;
});

async function start(options: RealtimeSimulatorOptions): Promise<RealtimeSimulator> {
  sim = await startRealtimeSimulator({
    scenario: { greeting: 'Hello, this is Acme.' },
    pacing: 'burst',
    ...options,
  });
  return sim;
}

/** The official SDK, listeners attached at once (as voice-server does): its errors, events and close. */
function openSdk() {
  const target = realtimeSdkTarget(sim!.url);
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: target.baseURL });
  const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: target.wsOptions }, client);
  const errors: OpenAIRealtimeError[] = [];
  const events: string[] = [];
  rt.on('error', (err) => errors.push(err));
  rt.on('event', (e) => events.push(e.type));
  const closed = new Promise<number>((resolve) => rt.socket.on('close', (code) => resolve(code)));
  return { rt, errors, events, closed };
}

async function connect(): Promise<RawRealtimeClient> {
  const client = await RawRealtimeClient.connect(sim!.url);
  clients.push(client);
  return client;
}

describe('acceptThenDrop', () => {
  it('opens every new socket with session.created, then drops it after the delay', async () => {
    await start({ faults: { acceptThenDrop: { afterMs: 80, mode: 'close-1011' } } });
    for (let attempt = 0; attempt < 3; attempt++) {
      const openedAt = Date.now();
      const client = await connect();
      await client.next('session.created');
      const closed = await client.closed;
      expect(closed.code).toBe(1011);
      expect(Date.now() - openedAt).toBeGreaterThanOrEqual(75);
      expect(client.types()).toEqual(['session.created']);
    }
    expect(sim!.sessions).toHaveLength(3);
    const closes = await Promise.all(sim!.sessions.map((s) => s.closed));
    expect(closes.map((c) => c.code)).toEqual([1011, 1011, 1011]);
  });

  it('terminates without a close frame in terminate mode (the client sees 1006)', async () => {
    await start({ faults: { acceptThenDrop: { afterMs: 0, mode: 'terminate' } } });
    const client = await connect();
    expect((await client.closed).code).toBe(1006);
  });
});

describe('refuseSession', () => {
  it('answers insufficient_quota with the real error shape instead of session.created, then closes', async () => {
    await start({ faults: { refuseSession: { code: 'insufficient_quota' } } });
    const client = await connect();
    const closed = await client.closed;
    expect(client.types()).toEqual(['error']);
    const event = client.events[0]!;
    expect(event.event_id).toMatch(/^event_/);
    expect(event.error).toEqual({
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      message: INSUFFICIENT_QUOTA_MESSAGE,
      param: null,
      event_id: null,
    });
    expect(closed.code).toBe(1000);
    // a refused session answers nothing the client sends
    expect(sim!.sessions[0]!.sent().map((e) => e.type)).toEqual(['error']);
  });

  it('reaches the openai SDK as an OpenAIRealtimeError carrying the code', async () => {
    await start({ faults: { refuseSession: { code: 'insufficient_quota', closeCode: 4000 } } });
    const sdk = openSdk();
    expect(await sdk.closed).toBe(4000);
    expect(sdk.events).toEqual(['error']);
    expect(sdk.errors).toHaveLength(1);
    expect(sdk.errors[0]!.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
    expect(sdk.errors[0]!.message).toContain('You exceeded your current quota');
  });
});

describe('malformedEvents', () => {
  it('sends every kind after session.created, then the session goes on normally', async () => {
    await start({ faults: { malformedEvents: { at: 'connect' } } });
    const client = await connect();
    await client.next((e) => e.type === '(unparseable)');
    const received = client.events.slice(1);
    expect(client.events[0]!.type).toBe('session.created');
    expect(received).toHaveLength(MALFORMED_EVENT_KINDS.length);
    // each breaks its schema: a required field missing or mistyped
    const byType = new Map(received.map((e) => [e.type, e]));
    expect(byType.get('error')).not.toHaveProperty('error');
    expect(byType.get('response.created')).not.toHaveProperty('response');
    expect(byType.get('response.done')).not.toHaveProperty('response');
    expect(byType.get('conversation.item.added')).not.toHaveProperty('item');
    expect(typeof byType.get('response.output_audio.delta')!.delta).toBe('number');
    expect(byType.get('response.output_audio_transcript.delta')!.delta).toBeNull();
    expect(typeof byType.get('input_audio_buffer.speech_started')!.audio_start_ms).toBe('string');
    expect(typeof byType.get('session.updated')!.session).toBe('string');
    expect(typeof byType.get('response.function_call_arguments.done')!.arguments).toBe('object');
    expect(typeof byType.get('rate_limits.updated')!.rate_limits).toBe('string');
    expect(() => JSON.parse(String(byType.get('(unparseable)')!.raw))).toThrow();
    const done = await client.request({ type: 'response.create' }, 'response.done');
    expect((done.response as { status: string }).status).toBe('completed');
  });

  it('reach the SDK as events and errors: an error without its object, a frame it cannot parse', async () => {
    await start({
      faults: { malformedEvents: { at: 'connect', kinds: ['error_without_error', 'non_json_frame'] } },
    });
    const sdk = openSdk();
    await sim!.session(0);
    await sim!.sessions[0]!.waitFor('(raw)');
    await new Promise((r) => setTimeout(r, 50));
    expect(sdk.events).toEqual(['session.created', 'error']);
    expect(sdk.errors.map((e) => e.message)).toEqual(['unknown error', 'could not parse websocket event']);
    expect(sdk.errors[0]!.error).toBeUndefined();
    sdk.rt.socket.terminate();
  });

  it('after every response.created when at is response, pointing at that response', async () => {
    await start({ faults: { malformedEvents: { at: 'response', kinds: ['audio_delta_wrong_types'] } } });
    const client = await connect();
    const done = await client.request({ type: 'response.create' }, 'response.done');
    const types = client.types();
    const created = types.indexOf('response.created');
    expect(types[created + 1]).toBe('response.output_audio.delta');
    const bad = client.events[created + 1]!;
    expect(bad.response_id).toBe((done.response as { id: string }).id);
    expect(typeof bad.delta).toBe('number');
  });

  it('names every kind with the schema it breaks', () => {
    for (const kind of MALFORMED_EVENT_KINDS) {
      const spec = MALFORMED_EVENTS[kind];
      const event = spec.build({ responseId: null });
      if (typeof event === 'string') expect(() => JSON.parse(event)).toThrow();
      else expect(spec.schema).toMatch(/^RealtimeServerEvent/);
    }
  });
});

describe('oversizedAudioDeltas', () => {
  it('sends a 2 MB delta whole, and truncation inside it stays exact', async () => {
    const bytes = 2 * 1024 * 1024;
    await start({ faults: { oversizedAudioDeltas: { bytes } } });
    const client = await connect();
    client.send({
      type: 'session.update',
      session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' } } } },
    });
    await client.next('session.updated');
    await client.request({ type: 'response.create' }, 'response.done');
    const deltas = client.events.filter((e) => e.type === 'response.output_audio.delta');
    expect(Buffer.from(String(deltas[0]!.delta), 'base64').length).toBe(bytes);
    const itemId = String(deltas[0]!.item_id);
    const truncated = await client.request(
      { type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 1500 },
      (e) => e.type === 'conversation.item.truncated' || e.type === 'error',
    );
    expect(truncated.type).toBe('conversation.item.truncated');
    expect(sim!.sessions[0]!.items.find((i) => i.id === itemId)!.audio!.length).toBe(1500 * 8);
  });
});

describe('parseFaultPlan', () => {
  it('reads the provider faults from JSON, naming a bad field', () => {
    expect(
      parseFaultPlan({
        acceptThenDrop: { afterMs: 250 },
        refuseSession: { code: 'insufficient_quota' },
        malformedEvents: { at: 'response', kinds: ['error_without_error'] },
        oversizedAudioDeltas: { bytes: 2097152 },
      }),
    ).toEqual({
      acceptThenDrop: { afterMs: 250, mode: 'terminate' },
      refuseSession: { code: 'insufficient_quota' },
      malformedEvents: { at: 'response', kinds: ['error_without_error'] },
      oversizedAudioDeltas: { bytes: 2097152 },
    });
    expect(() => parseFaultPlan({ refuseSession: { code: 'teapot' } })).toThrow('refuseSession.code');
    expect(() => parseFaultPlan({ refuseSession: { code: 'insufficient_quota', closeCode: 1005 } })).toThrow(
      'closeCode',
    );
    expect(() => parseFaultPlan({ malformedEvents: { at: 'connect', kinds: ['nope'] } })).toThrow('kinds');
    expect(() => parseFaultPlan({ oversizedAudioDeltas: { bytes: 0 } })).toThrow('bytes');
  });

  it('either returns a plan or throws an Error naming a field, for any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseFaultPlan(value);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          expect((err as Error).constructor).toBe(Error);
        }
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('acceptThenDrop', 'refuseSession', 'malformedEvents', 'oversizedAudioDeltas'),
        fc.jsonValue(),
        (key, inner) => {
          try {
            parseFaultPlan({ [key]: inner });
          } catch (err) {
            expect((err as Error).message).toContain(key);
          }
        },
      ),
    );
  });
});
