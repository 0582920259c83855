/**
 * One response at a time (issue 11.3), in every way a second response can be asked for. Sources: the
 * real API's `conversation_already_has_active_response` error ("Conversation already has an active
 * response in progress: resp_…. Wait until the response is finished before creating a new one.",
 * event_id of the offending `response.create`: livekit/agents#2064); the same error with `event_id`
 * null when the server's own VAD turn would start a response while one is going (tleyden/arty#81).
 */
import { describe, expect, it } from 'vitest';
import type { Scenario } from './scenario.ts';
import type { RealtimeSimulatorOptions } from './server.ts';
import { simHarness, telephonySession } from './test-harness.ts';
import { concatBytes, mulawQuiet, mulawTone, type ServerEvent } from './test-support.ts';

const scenario: Scenario = {
  greeting: 'Hello and welcome to Acme, how can I help you today?',
  turns: [{ user: 'where is my order', say: 'Let me check that for you right away.' }],
  default: 'Anything else?',
};

const h = simHarness({ scenario, pacing: 'realtime' });

async function connect(turnDetection: unknown, options: RealtimeSimulatorOptions = {}) {
  await h.start(options);
  return h.connect(telephonySession(turnDetection));
}

const busyError = (responseId: string, eventId: string | null) => ({
  type: 'invalid_request_error',
  code: 'conversation_already_has_active_response',
  message: `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
  param: null,
  event_id: eventId,
});

const responseId = (e: ServerEvent) => (e.response as { id: string }).id;

describe('conversation_already_has_active_response', () => {
  it('refuses a response.create while a client-created response plays, naming both', async () => {
    const c = await connect(null);
    const created = await c.request({ type: 'response.create', event_id: 'evt_1' }, 'response.created');
    const err = await c.request({ type: 'response.create', event_id: 'evt_2' }, 'error');
    expect(err.error).toEqual(busyError(responseId(created), 'evt_2'));
    expect(h.sim.sessions[0]!.replies).toHaveLength(1);
  });

  it('refuses a response.create while a response the server started from VAD plays', async () => {
    const c = await connect({ type: 'server_vad', create_response: true });
    c.appendAudio(concatBytes(mulawQuiet(300), mulawTone(800), mulawQuiet(700)));
    const vadResponse = await c.next('response.created');
    await c.next('response.output_audio.delta');
    const err = await c.request({ type: 'response.create', event_id: 'evt_tool_result' }, 'error');
    expect(err.error).toEqual(busyError(responseId(vadResponse), 'evt_tool_result'));
  });

  it('reports, with event_id null, a VAD turn that ends while an uninterrupted response plays', async () => {
    // interrupt_response false: the caller speaks over the greeting, the greeting goes on
    const c = await connect(
      { type: 'server_vad', create_response: true, interrupt_response: false },
      { pacing: 4 },
    );
    const greeting = await c.request({ type: 'response.create' }, 'response.created');
    await c.next('response.output_audio.delta');
    c.appendAudio(concatBytes(mulawTone(600), mulawQuiet(700)));
    const committed = await c.next('input_audio_buffer.committed');
    const err = await c.next((e) => e.type === 'error' && c.events.indexOf(e) > c.events.indexOf(committed));
    expect(err.error).toEqual(busyError(responseId(greeting), null));
    const done = await c.next('response.done');
    expect(done.response).toMatchObject({ id: responseId(greeting), status: 'completed' });
    // the refused turn is not answered later: the next response waits for the client
    await new Promise((r) => setTimeout(r, 50));
    expect(c.events.filter((e) => e.type === 'response.created')).toHaveLength(1);
    expect(h.sim.sessions[0]!.items.map((i) => i.item.role)).toEqual(['assistant', 'user']);
  });

  it('reports it too when an out-of-band response is the active one (VAD does not interrupt those)', async () => {
    const c = await connect({ type: 'server_vad', create_response: true, interrupt_response: true });
    const oob = await c.request(
      { type: 'response.create', response: { conversation: 'none' } },
      'response.created',
    );
    await c.next('response.output_audio.delta');
    c.appendAudio(concatBytes(mulawTone(600), mulawQuiet(700)));
    const err = await c.next('error');
    expect(err.error).toEqual(busyError(responseId(oob), null));
    expect(h.sim.sessions[0]!.activeResponse).toMatchObject({ id: responseId(oob), cancelReason: null });
  });

  it('accepts the next response.create once response.done has gone out', async () => {
    const c = await connect(null, { pacing: 'burst' });
    await c.request({ type: 'response.create' }, 'response.done');
    const next = await c.request(
      { type: 'response.create' },
      (e) => e.type === 'response.created' || e.type === 'error',
    );
    expect(next.type).toBe('response.created');
  });

  it('counts a response as active from the request on, before response.created (realistic timing)', async () => {
    const c = await connect(null, { pacing: 'burst', timing: { seed: 3, responseCreatedMs: [200, 200] } });
    c.send({ type: 'response.create', event_id: 'evt_a' });
    const err = await c.request({ type: 'response.create', event_id: 'evt_b' }, 'error');
    expect(c.types()).not.toContain('response.created');
    const created = await c.next('response.created');
    expect(err.error).toEqual(busyError(responseId(created), 'evt_b'));
  });
});
