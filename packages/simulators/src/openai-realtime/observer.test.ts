import { afterEach, describe, expect, it } from 'vitest';
import { type RealtimeSimulator, startRealtimeSimulator } from './server.ts';
import type { RealtimeSimSession } from './session.ts';
import { b64, mulawQuiet, RawRealtimeClient } from './test-support.ts';

let sim: RealtimeSimulator;
let client: RawRealtimeClient;
afterEach(async () => {
  client?.close();
  await sim?.close();
});

const PCMU_SESSION = {
  type: 'session.update',
  session: {
    type: 'realtime',
    audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } },
  },
};

describe('observer', () => {
  it('sees every client event before it is handled and every server event as it is written', async () => {
    const seen: Array<{
      dir: 'client' | 'server';
      type: string;
      session: RealtimeSimSession;
      logged: number;
    }> = [];
    sim = await startRealtimeSimulator({
      pacing: 'burst',
      scenario: { greeting: { say: 'Hi.', audioMs: 300 } },
      observer: {
        clientEvent: (session, event) =>
          seen.push({
            dir: 'client',
            type: String(event.type),
            session: session as RealtimeSimSession,
            logged: session.log.entries.length,
          }),
        serverEvent: (session, event) =>
          seen.push({
            dir: 'server',
            type: String(event.type),
            session: session as RealtimeSimSession,
            logged: session.log.entries.length,
          }),
      },
    });
    client = await RawRealtimeClient.connect(sim.url);
    await client.request(PCMU_SESSION, 'session.updated');
    client.send({ type: 'input_audio_buffer.append', audio: b64(mulawQuiet(20)) });
    client.send({ type: 'response.create' });
    await client.next('response.done');
    const session = sim.sessions[0]!;
    expect(seen.every((s) => s.session === session)).toBe(true);
    // Same events, same order as the session's own log.
    expect(seen.map((s) => `${s.dir} ${s.type}`)).toEqual(
      session.log.entries.map((e) => `${e.direction} ${e.type}`),
    );
    const deltas = seen.filter((s) => s.type === 'response.output_audio.delta');
    expect(deltas).toHaveLength(3);
    // A client event is observed before the log records it; a server event after it is sent, before logging.
    const append = seen.find((s) => s.type === 'input_audio_buffer.append')!;
    expect(append.logged).toBe(seen.indexOf(append));
    const updated = seen.find((s) => s.type === 'session.updated')!;
    expect(updated.logged).toBe(seen.indexOf(updated));
  });

  it('gives the event as parsed, including audio the log redacts', async () => {
    const audio: string[] = [];
    sim = await startRealtimeSimulator({
      logAudioPayloads: false,
      observer: {
        clientEvent: (_s, event) => {
          if (event.type === 'input_audio_buffer.append') audio.push(String(event.audio));
        },
      },
    });
    client = await RawRealtimeClient.connect(sim.url);
    await client.request(PCMU_SESSION, 'session.updated');
    const payload = b64(mulawQuiet(20));
    client.send({ type: 'input_audio_buffer.append', audio: payload });
    const session = sim.sessions[0]!;
    await session.waitFor('input_audio_buffer.append');
    expect(audio).toEqual([payload]);
    expect(session.received('input_audio_buffer.append')[0]!.event.audio).not.toBe(payload);
  });

  it('with logAudioEvents off, logs every event but the audio, in order, and the observer still sees all', async () => {
    const seen: string[] = [];
    sim = await startRealtimeSimulator({
      pacing: 'burst',
      scenario: { greeting: { say: 'Hi.', audioMs: 300 } },
      logAudioPayloads: false,
      logAudioEvents: false,
      observer: {
        clientEvent: (_s, event) => seen.push(`client ${event.type}`),
        serverEvent: (_s, event) => seen.push(`server ${event.type}`),
      },
    });
    client = await RawRealtimeClient.connect(sim.url);
    await client.request(PCMU_SESSION, 'session.updated');
    for (let i = 0; i < 3; i++)
      client.send({ type: 'input_audio_buffer.append', audio: b64(mulawQuiet(20)) });
    client.send({ type: 'response.create' });
    await client.next('response.done');
    const session = sim.sessions[0]!;
    const audio = new Set(['client input_audio_buffer.append', 'server response.output_audio.delta']);
    expect(seen.filter((e) => e === 'client input_audio_buffer.append')).toHaveLength(3);
    expect(seen.filter((e) => e === 'server response.output_audio.delta')).toHaveLength(3);
    const logged = session.log.entries.map((e) => `${e.direction} ${e.type}`);
    expect(logged).toEqual(seen.filter((e) => !audio.has(e)));
    expect(logged).toContain('server response.done');
    // Sequence numbers stay dense: waiters and fromSeq keep working on what is kept.
    expect(session.log.entries.map((e) => e.seq)).toEqual(logged.map((_, i) => i));
  });
});
