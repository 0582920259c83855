import { createServer } from 'node:net';
import { type RealtimeSimulator, startRealtimeSimulator } from '@switchboard/simulators/openai-realtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAIRealtimeConnector, sdkBaseUrlFor } from './openai-connection.ts';
import { phoneSessionConfig } from './session-config.ts';
import type { RealtimeEventResult, RealtimeServerEvent } from './types.ts';

let sim: RealtimeSimulator;
beforeEach(async () => {
  sim = await startRealtimeSimulator({
    pacing: 'burst',
    apiKey: 'sk-test',
    scenario: { greeting: 'Hello there.' },
  });
});
afterEach(async () => {
  await sim.close();
});

async function collectUntil(
  events: AsyncIterable<RealtimeEventResult>,
  type: string,
): Promise<RealtimeServerEvent[]> {
  const seen: RealtimeServerEvent[] = [];
  for await (const r of events) {
    if (!r.ok) throw new Error(`refused ${r.type}: ${r.reason}`);
    seen.push(r.event);
    if (r.event.type === type) break;
  }
  return seen;
}

describe('sdkBaseUrlFor', () => {
  it('maps Realtime URLs to the SDK base URL', () => {
    expect(sdkBaseUrlFor('wss://api.openai.com/v1/realtime')).toEqual({
      baseURL: 'https://api.openai.com:443/v1',
      plaintext: false,
    });
    expect(sdkBaseUrlFor('ws://127.0.0.1:4010/v1/realtime')).toEqual({
      baseURL: 'http://127.0.0.1:4010/v1',
      plaintext: true,
    });
  });
});

describe('openAIRealtimeConnector (the openai SDK over ws://)', () => {
  it('opens, configures a phone session and streams a greeting', async () => {
    const connect = openAIRealtimeConnector({
      apiKey: 'sk-test',
      model: 'gpt-realtime',
      realtimeUrl: sim.url,
    });
    const rt = await connect();
    const session = await sim.session(0);
    expect(session.model).toBe('gpt-realtime');
    rt.send({
      type: 'session.update',
      session: phoneSessionConfig({ instructions: 'Be brief.', voice: 'marin' }),
    });
    const upToUpdated = await collectUntil(rt.events, 'session.updated');
    expect(upToUpdated.map((e) => e.type)).toEqual(['session.created', 'session.updated']);
    expect(session.config).toMatchObject({ instructions: 'Be brief.' });
    rt.send({ type: 'response.create' });
    const response = await collectUntil(rt.events, 'response.done');
    const deltas = response.filter((e) => e.type === 'response.output_audio.delta');
    expect(deltas.length).toBeGreaterThan(0);
    rt.close();
    const info = await rt.closed;
    expect(info.byClient).toBe(true);
  });

  it('rejects when the server refuses the key', async () => {
    const connect = openAIRealtimeConnector({
      apiKey: 'sk-wrong',
      model: 'gpt-realtime',
      realtimeUrl: sim.url,
    });
    await expect(connect()).rejects.toThrow(/401/);
  });

  it('rejects when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const connect = openAIRealtimeConnector({
      apiKey: 'sk-test',
      model: 'gpt-realtime',
      realtimeUrl: `ws://127.0.0.1:${port}/v1/realtime`,
    });
    await expect(connect()).rejects.toThrow();
  });

  it('ends the event stream and reports the code when the server drops the socket', async () => {
    const connect = openAIRealtimeConnector({
      apiKey: 'sk-test',
      model: 'gpt-realtime',
      realtimeUrl: sim.url,
    });
    const rt = await connect();
    const session = await sim.session(0);
    session.expireNow();
    const events = await collectUntil(rt.events, 'never');
    expect(events.some((e) => e.type === 'error' && e.error.code === 'session_expired')).toBe(true);
    const info = await rt.closed;
    expect(info).toMatchObject({ code: 1001, byClient: false });
  });
});
