/**
 * The server VAD is fooled by a bad phone line the way OpenAI's is (issue 11 item 8): a cough or a
 * loud echo of the agent's own voice starts speech (and, with `interrupt_response`, cancels the
 * answer), while a quiet echo or a low noise floor does not. The VAD parameters are the GA
 * `server_vad` ones (threshold 0.5, prefix 300 ms, silence 500 ms); audio goes through the Twilio
 * simulator's `PhoneLine`, then into a real socket.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FRAME_BYTES, noiseBurstMulaw } from '../twilio/caller-script.ts';
import { type LineImpairments, PhoneLine } from '../twilio/phone-line.ts';
import { type RealtimeSimulator, startRealtimeSimulator } from './server.ts';
import { concatBytes, mulawQuiet, RawRealtimeClient } from './test-support.ts';

let sim: RealtimeSimulator | null = null;
const clients: RawRealtimeClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await sim?.close();
  sim = null;
});

const pcmuSession = {
  type: 'session.update',
  session: {
    type: 'realtime',
    audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } },
  },
};

async function connect(faults = {}): Promise<RawRealtimeClient> {
  sim ??= await startRealtimeSimulator({
    scenario: { greeting: 'Thanks for calling Acme, how can I help you today?' },
    pacing: 'burst',
  });
  const client = await RawRealtimeClient.connect(sim.url);
  clients.push(client);
  await client.next('session.created');
  await client.request(pcmuSession, 'session.updated');
  sim.sessions.at(-1)!.setFaults(faults);
  return client;
}

/** What the caller's side sends for `ms` of line while the caller says nothing. */
function lineAudio(line: PhoneLine, fromMs: number, ms: number): Uint8Array {
  const frames: Uint8Array[] = [];
  for (let t = fromMs; t < fromMs + ms; t += 20) frames.push(line.shape(null, t).slice());
  return concatBytes(...frames);
}

/** The agent's greeting audio (mu-law), as the caller heard it from t = 0. */
async function greetingAudio(): Promise<Uint8Array> {
  const client = await connect();
  await client.request({ type: 'response.create' }, 'response.done');
  const deltas = client.events.filter((e) => e.type === 'response.output_audio.delta');
  return concatBytes(...deltas.map((e) => Buffer.from(String(e.delta), 'base64')));
}

async function speechStartedAfter(audio: Uint8Array): Promise<boolean> {
  const client = await connect();
  client.appendAudio(concatBytes(audio, mulawQuiet(800)));
  // a marker: clear echoes back once everything before it was handled
  await client.request({ type: 'input_audio_buffer.clear' }, 'input_audio_buffer.cleared');
  return client.types().includes('input_audio_buffer.speech_started');
}

/** The line while the caller listens to `greeting`: it plays 20 ms at a time, as Twilio plays it. */
function echoOf(greeting: Uint8Array, echo: LineImpairments['echo']): Uint8Array {
  const line = new PhoneLine({ echo });
  const frames: Uint8Array[] = [];
  for (let t = 0; t < 1500; t += 20) {
    line.heard(greeting.subarray(t * 8, t * 8 + FRAME_BYTES), t);
    frames.push(line.shape(null, t).slice());
  }
  return concatBytes(...frames);
}

describe('a VAD fooled by the line', () => {
  it('takes a cough for speech: a false barge-in cancels the answer and makes a user turn', async () => {
    const client = await connect({ firstDeltaLatencyMs: 10_000 });
    const created = await client.request({ type: 'response.create' }, 'response.created');
    client.appendAudio(concatBytes(mulawQuiet(200), noiseBurstMulaw({ noiseMs: 250 }), mulawQuiet(900)));
    const started = await client.next('input_audio_buffer.speech_started');
    const done = await client.next('response.done');
    expect((done.response as { id: string }).id).toBe((created.response as { id: string }).id);
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'turn_detected' } });
    await client.next('input_audio_buffer.committed');
    expect(started.audio_start_ms).toBeLessThanOrEqual(200);
    // the cough became a user turn, answered like any other
    const items = sim!.sessions.at(-1)!.items.filter((i) => i.item.role === 'user');
    expect(items).toHaveLength(1);
    await client.next((e) => e.type === 'response.created' && e !== created);
  });

  it('takes a loud echo of the agent for speech, but not a quiet one', async () => {
    const greeting = await greetingAudio();
    expect(greeting.length).toBeGreaterThan(FRAME_BYTES * 25);
    expect(await speechStartedAfter(echoOf(greeting, { delayMs: 150, attenuationDb: 6 }))).toBe(true);
    expect(await speechStartedAfter(echoOf(greeting, { delayMs: 150, attenuationDb: 40 }))).toBe(false);
  });

  it('hears speech in a loud noise floor, not in a quiet one', async () => {
    const noisy = (noiseFloorDbfs: number) => lineAudio(new PhoneLine({ noiseFloorDbfs, seed: 2 }), 0, 1000);
    expect(await speechStartedAfter(noisy(-55))).toBe(false);
    expect(await speechStartedAfter(noisy(-38))).toBe(true);
  });
});
