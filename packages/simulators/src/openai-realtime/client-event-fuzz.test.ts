/**
 * Malformed client events over a live socket: whatever a client sends in `session.update` or
 * `response.create`, the simulator answers with the event the real API would (the update / the
 * response, or an `error` of type `invalid_request_error` carrying the client's `event_id`), keeps
 * the session unchanged on an error, and never crashes or closes the socket. Error shape: GA schema
 * `RealtimeServerEventError`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealtimeSimulator, startRealtimeSimulator } from './server.ts';
import { RawRealtimeClient } from './test-support.ts';

let sim: RealtimeSimulator;
let client: RawRealtimeClient;

beforeAll(async () => {
  sim = await startRealtimeSimulator({ scenario: { default: 'Okay.' }, pacing: 'burst' });
  client = await RawRealtimeClient.connect(sim.url);
  await client.next('session.created');
});

afterAll(async () => {
  client.close();
  await sim.close();
});

const json = fc.jsonValue({ maxDepth: 3 });
const audioOutput = fc.record(
  {
    voice: fc.oneof(fc.constantFrom('marin', 'cedar', 'nova', ''), json),
    speed: fc.oneof(fc.double(), json),
  },
  { requiredKeys: [] },
);
const transcription = fc.oneof(
  fc.constant(null),
  fc.record(
    {
      model: fc.oneof(fc.constantFrom('whisper-1', 'gpt-4o-transcribe', 'whisper-2'), json),
      language: fc.oneof(fc.constantFrom('en', 'english'), json),
    },
    { requiredKeys: [] },
  ),
  json,
);
const sessionBody = fc.record(
  {
    type: fc.constantFrom('realtime', 'transcription'),
    audio: fc.record(
      { output: audioOutput, input: fc.record({ transcription }, { requiredKeys: [] }) },
      { requiredKeys: [] },
    ),
    instructions: fc.oneof(fc.string(), json),
  },
  { requiredKeys: [] },
);
const responseBody = fc.oneof(
  json,
  fc.record(
    {
      instructions: fc.oneof(fc.string(), json),
      metadata: fc.oneof(
        fc.dictionary(fc.string({ maxLength: 70 }), fc.string({ maxLength: 600 }), { maxKeys: 20 }),
        json,
      ),
      max_output_tokens: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.constant('inf'), json),
      audio: fc.record({ output: audioOutput }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  ),
);

let counter = 0;

async function answerTo(event: Record<string, unknown>) {
  const eventId = `evt_fuzz_${++counter}`;
  const reply = await client.request(
    { ...event, event_id: eventId },
    (e) =>
      e.type === 'session.updated' ||
      e.type === 'response.created' ||
      (e.type === 'error' && (e.error as { event_id: unknown }).event_id === eventId),
  );
  return { reply, eventId };
}

describe('malformed client events over a socket', () => {
  it('session.update: the update or the real error, and a refused update changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(sessionBody, async (session) => {
        const before = sim.sessions[0]!.config;
        const { reply } = await answerTo({ type: 'session.update', session });
        if (reply.type === 'error') {
          expect(reply.error).toMatchObject({ type: 'invalid_request_error', code: expect.any(String) });
          expect(sim.sessions[0]!.config).toEqual(before);
        } else expect(reply.type).toBe('session.updated');
      }),
      { numRuns: 60 },
    );
    expect(sim.sessions[0]!.isOpen).toBe(true);
  });

  it('response.create: a response or the real error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(responseBody, async (response) => {
        const { reply } = await answerTo({ type: 'response.create', response });
        if (reply.type === 'error') {
          expect(reply.error).toMatchObject({ type: 'invalid_request_error', code: expect.any(String) });
        } else {
          expect(reply.type).toBe('response.created');
          await client.next(
            (e) =>
              e.type === 'response.done' &&
              (e.response as { id: string }).id === (reply.response as { id: string }).id,
          );
        }
      }),
      { numRuns: 60 },
    );
    expect(sim.sessions[0]!.isOpen).toBe(true);
    expect(
      sim.sessions[0]!.sent('error').every(
        (e) => (e.event.error as { type: string }).type !== 'server_error',
      ),
    ).toBe(true);
  });
});
