/**
 * The setup the simulator's socket tests share: one simulator per test (started on demand, closed
 * after each test with its clients), raw clients that wait for `session.created` and, when given a
 * session, for its `session.updated`. Tests only; not exported from the package.
 */
import { afterEach, expect } from 'vitest';
import { type RealtimeSimulator, type RealtimeSimulatorOptions, startRealtimeSimulator } from './server.ts';
import { RawRealtimeClient } from './test-support.ts';

/** A test file's simulator and clients. */
export interface SimHarness {
  /** The running simulator (after `start` or a `connect`). */
  readonly sim: RealtimeSimulator;
  /** Starts the simulator with the file's defaults overridden by `options`. */
  start(options?: RealtimeSimulatorOptions): Promise<RealtimeSimulator>;
  /** Connects a raw client (starting the simulator if needed) and applies `session` if given. */
  connect(session?: Record<string, unknown>): Promise<RawRealtimeClient>;
}

/** Registers the after-each cleanup in the calling test file and returns its harness. */
export function simHarness(defaults: RealtimeSimulatorOptions = {}): SimHarness {
  let current: RealtimeSimulator | null = null;
  const clients: RawRealtimeClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await current?.close();
    current = null;
  });
  const harness: SimHarness = {
    get sim() {
      if (!current) throw new Error('the simulator has not been started');
      return current;
    },
    async start(options = {}) {
      await current?.close();
      current = await startRealtimeSimulator({ ...defaults, ...options });
      return current;
    },
    async connect(session) {
      current ??= await startRealtimeSimulator(defaults);
      const client = await RawRealtimeClient.connect(current.url);
      clients.push(client);
      await client.next('session.created');
      if (session) {
        const reply = await client.request(
          { type: 'session.update', session: { type: 'realtime', ...session } },
          (e) => e.type === 'session.updated' || e.type === 'error',
        );
        expect(reply.type).toBe('session.updated');
      }
      return client;
    },
  };
  return harness;
}

/** A phone-call session: mu-law both ways, the given turn detection (default none), more fields. */
export function telephonySession(
  turnDetection: unknown = null,
  more: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    audio: {
      input: { format: { type: 'audio/pcmu' }, turn_detection: turnDetection },
      output: { format: { type: 'audio/pcmu' } },
    },
    ...more,
  };
}
