// The realtime-sim CLI starts the simulator with a fault plan from the command line (issue 20: so the
// demo and call-sim can show a provider misbehaving).
import { afterEach, describe, expect, it } from 'vitest';
import type { RealtimeSimulator } from '../openai-realtime/server.ts';
import { RawRealtimeClient } from '../openai-realtime/test-support.ts';
import { startFromArgs } from './realtime-sim.ts';

let sim: RealtimeSimulator | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

describe('realtime-sim', () => {
  it('serves sessions with the fault plan given on the command line', async () => {
    sim = await startFromArgs([
      '--faults',
      '{"refuseSession":{"code":"insufficient_quota"}}',
      '--pacing',
      'burst',
    ]);
    const client = await RawRealtimeClient.connect(sim!.url);
    expect((await client.closed).code).toBe(1000);
    expect(client.events.map((e) => (e.error as { code: string }).code)).toEqual(['insufficient_quota']);
  });

  it('names a bad option', async () => {
    await expect(startFromArgs(['--faults', '{"refuseSession":{"code":"nope"}}'])).rejects.toThrow(
      '--faults: refuseSession.code',
    );
    await expect(startFromArgs(['--pacing', '-1'])).rejects.toThrow('--pacing');
    expect(await startFromArgs(['--help'])).toBeNull();
  });
});
