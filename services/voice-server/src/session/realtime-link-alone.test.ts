// The Realtime link alone, on a scripted connector and fake timers: what it sends to a session, how it
// closes one (code and reason), what it counts as healthy or failed, its reconnects and renewals, and
// how a session.update patch is merged into the configuration every later session starts with.
import type { RealtimeCloseInfo, RealtimeSessionCreateRequest } from '@switchboard/realtime';
import { type ScriptedRealtimeConnection, scriptedConnector } from '@switchboard/realtime/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VoiceMetrics } from '../metrics.ts';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { memoryLogger } from '../testing/parts.ts';
import { CallLifecycle } from './lifecycle.ts';
import { mergeSession, RealtimeLink } from './realtime-link.ts';
import { DEFAULT_RECONNECT_POLICY } from './reconnect-budget.ts';

const CALL_SID = 'CA00000000000000000000000000000007';
const STABLE_MS = DEFAULT_RECONNECT_POLICY.stableAfterMs;
const RENEW_MS = 60_000;
const DROP: RealtimeCloseInfo = { code: 1011, reason: 'server error', byClient: false };

const CONFIG = {
  type: 'realtime',
  instructions: 'You are the Acme phone agent.',
  audio: {
    input: { format: { type: 'audio/pcmu' } },
    output: { format: { type: 'audio/pcmu' }, voice: 'marin' },
  },
} as RealtimeSessionCreateRequest;

function linkAlone(opts: { health?: boolean } = {}) {
  const connector = scriptedConnector();
  const contexts: unknown[] = [];
  const { log, lines } = memoryLogger();
  const lifecycle = new CallLifecycle({ twilioRest: new FakeTwilioRest(), callSid: CALL_SID, log });
  const metrics = new VoiceMetrics();
  const health = { succeeded: 0, failed: 0 };
  const hooks = {
    quiet: true,
    resumed: 0,
    dropped: [] as boolean[],
    gaveUp: [] as Array<string | undefined>,
  };
  const link = new RealtimeLink({
    connect: (signal, context) => {
      contexts.push(context);
      return connector(signal, context);
    },
    callSid: CALL_SID,
    lifecycle,
    log,
    metrics,
    policy: DEFAULT_RECONNECT_POLICY,
    random: () => 0.5,
    renewAfterMs: RENEW_MS,
    ...(opts.health === false
      ? {}
      : { health: { succeeded: () => void health.succeeded++, failed: () => void health.failed++ } }),
    transcript: () => [],
    hooks: {
      onOpened: () => {},
      onDropped: (newOutage) => void hooks.dropped.push(newOutage),
      onResumed: () => void hooks.resumed++,
      giveUp: async (code) => void hooks.gaveUp.push(code),
      isQuiet: () => hooks.quiet,
    },
  });
  /** The call's first session, configured. */
  const start = async () => {
    const rt = (await link.open()) as ScriptedRealtimeConnection;
    link.configure(rt, CONFIG);
    return rt;
  };
  const session = (n: number) => connector.connections[n - 1]!;
  /** Which records were logged at warn level or above. */
  const warnings = () =>
    lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((r) => r.level >= 40);
  return { link, connector, contexts, lifecycle, metrics, health, hooks, start, session, warnings };
}

/** Lets pending promises run without firing any (fake) timer. */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** A connector hold the test releases. */
function hold() {
  let release!: () => void;
  const promise = new Promise<void>((r) => {
    release = r;
  });
  return { promise, release };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('before the first session', () => {
  it('there is nothing to send to: no config, no instructions; sends and notes do not throw', () => {
    const { link } = linkAlone();
    expect(link.canSend).toBe(false);
    expect(link.sessionInstructions).toBeUndefined();
    expect(() => link.send({ type: 'response.create' })).not.toThrow();
    expect(() => link.note('The caller is on hold.')).not.toThrow();
    // A patch before any session configures nothing: the first session brings the configuration.
    link.updateSession({ instructions: 'Speak Spanish.' });
    expect(link.sessionConfig).toBeUndefined();
  });

  it('the socket is asked for this call', async () => {
    const { link, contexts } = linkAlone();
    await link.open();
    expect(contexts).toEqual([{ callSid: CALL_SID }]);
  });
});

describe('a live session', () => {
  it('takes sends while the call goes on, and none once it has ended', async () => {
    const { link, start, lifecycle } = linkAlone();
    await start();
    expect(link.canSend).toBe(true);
    expect(link.sessionInstructions).toBe(CONFIG.instructions);
    lifecycle.end('caller_hangup');
    expect(link.canSend).toBe(false);
  });

  it('a note is a system message for the next turn, with no response asked for', async () => {
    const { link, start } = linkAlone();
    const rt = await start();
    link.note('The caller was put on hold.');
    expect(rt.sent.at(-1)).toEqual({
      type: 'conversation.item.create',
      item: {
        type: 'message',
        role: 'system',
        content: [{ type: 'input_text', text: 'The caller was put on hold.' }],
      },
    });
    expect(rt.sentOfType('response.create')).toHaveLength(0);
  });

  it('closing it at the end of the call says so', async () => {
    const { link, start } = linkAlone();
    const rt = await start();
    link.close();
    expect(await rt.closed).toEqual({ code: 1000, reason: 'call ended', byClient: true });
  });
});

describe('refused for good', () => {
  it('closes the session as refused, and the first refusal is what the fallback hears', async () => {
    const { link, start, connector, hooks, health, metrics } = linkAlone();
    const rt = await start();
    link.refusedForGood('insufficient_quota');
    link.refusedForGood('invalid_api_key');
    expect(await rt.closed).toEqual({ code: 1000, reason: 'refused', byClient: true });
    expect(await link.reconnect({ ...(await rt.closed), byClient: false })).toBeUndefined();
    expect(hooks.gaveUp).toEqual(['insufficient_quota']);
    expect(connector.attempts).toBe(1); // no reconnect can help
    expect(metrics.realtimeReconnects.get('fatal')).toBe(1);
    // The refusal is a failed session for the breaker, though it is the first drop of the call.
    expect(health.failed).toBe(1);
  });

  it('with no session open (during an outage) it does not throw, and the reconnect still settles', async () => {
    const { link, start, connector } = linkAlone();
    await start();
    const h = hold();
    connector.options.hold = h.promise;
    const resumed = link.reconnect(DROP);
    await flush();
    expect(() => link.refusedForGood('insufficient_quota')).not.toThrow();
    h.release();
    await resumed;
  });
});

describe('health counted for the breaker', () => {
  it('a session that stays up counts as healthy at exactly stableAfterMs, and its later drop is no failure', async () => {
    const { link, start, health } = linkAlone();
    await start();
    await vi.advanceTimersByTimeAsync(STABLE_MS - 1);
    expect(health.succeeded).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(health.succeeded).toBe(1);
    await link.reconnect(DROP);
    expect(health.failed).toBe(0);
  });

  it('a session that dropped before it was stable is not counted healthy by its timer', async () => {
    const { link, start, health } = linkAlone();
    await start();
    await vi.advanceTimersByTimeAsync(1_000);
    await link.reconnect(DROP); // the second session opens at 1 s
    await vi.advanceTimersByTimeAsync(STABLE_MS - 1_000); // the first session's timer
    expect(health.succeeded).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000); // the second session's
    expect(health.succeeded).toBe(1);
  });

  it('a resumed session that drops again at once is a failure', async () => {
    const { link, start, health, hooks } = linkAlone();
    await start();
    await link.reconnect(DROP);
    expect(health.failed).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    const again = link.reconnect(DROP); // the same outage: its next attempt backs off
    await vi.advanceTimersByTimeAsync(DEFAULT_RECONNECT_POLICY.baseDelayMs);
    await again;
    expect(hooks.dropped).toEqual([true, false]);
    expect(health.failed).toBe(1);
  });

  it('a socket that cannot be opened is a failure, unless the call has already ended', async () => {
    const { link, connector, lifecycle, health } = linkAlone();
    connector.options.fail = new Error('connect ECONNREFUSED');
    await expect(link.open()).rejects.toThrow('ECONNREFUSED');
    expect(health.failed).toBe(1);
    lifecycle.end('caller_hangup');
    await expect(link.open()).rejects.toThrow('ECONNREFUSED');
    expect(health.failed).toBe(1);
  });
});

describe('reconnects', () => {
  it('the first attempt of an outage is made at once, without waiting on a timer', async () => {
    const { link, start, connector } = linkAlone();
    await start();
    const resumed = link.reconnect(DROP);
    await flush(); // no fake timer is advanced
    expect(connector.attempts).toBe(2);
    await expect(resumed).resolves.toBe(connector.connections[1]);
  });

  it('a failed attempt is counted as failed, and the next one resumes the call', async () => {
    const { link, start, connector, metrics, hooks } = linkAlone();
    await start();
    connector.options.fail = new Error('connect ECONNREFUSED');
    const resumed = link.reconnect(DROP);
    await flush();
    connector.options.fail = undefined;
    await vi.advanceTimersByTimeAsync(DEFAULT_RECONNECT_POLICY.baseDelayMs);
    expect(await resumed).toBe(connector.connections[1]);
    expect(metrics.realtimeReconnects.get('failed')).toBe(1);
    expect(metrics.realtimeReconnects.get('resumed')).toBe(1);
    expect(hooks.resumed).toBe(1);
  });

  it('a call that ends while the new session opens closes it, and does not resume', async () => {
    const { link, start, connector, lifecycle, metrics, hooks } = linkAlone();
    await start();
    const h = hold();
    connector.options.hold = h.promise;
    const resumed = link.reconnect(DROP);
    await flush();
    lifecycle.end('caller_hangup');
    h.release();
    expect(await resumed).toBeUndefined();
    expect(await connector.connections[1]!.closed).toEqual({
      code: 1000,
      reason: 'call ended',
      byClient: true,
    });
    expect(hooks.resumed).toBe(0);
    expect(link.reconnects).toBe(0);
    expect(metrics.realtimeReconnects.get('resumed')).toBeUndefined();
  });

  it('a patch made during the outage is not sent anywhere, and the next session starts with it', async () => {
    const { link, start, connector } = linkAlone();
    await start();
    const h = hold();
    connector.options.hold = h.promise;
    const resumed = link.reconnect(DROP);
    await flush();
    expect(() => link.updateSession({ instructions: 'Speak Spanish.' })).not.toThrow();
    h.release();
    const next = (await resumed) as ScriptedRealtimeConnection;
    expect(next.sentOfType('session.update')[0]!.session).toMatchObject({ instructions: 'Speak Spanish.' });
  });

  it('each session is a new generation (a call that reconnected did reach the model)', async () => {
    const { link, start } = linkAlone();
    expect(link.generation).toBe(0);
    await start();
    expect(link.generation).toBe(1);
    await link.reconnect(DROP);
    expect(link.generation).toBe(2);
  });
});

describe('renewal before the session cap', () => {
  it('a quiet call gets a fresh session after renewAfterMs; the old one is closed as renewed', async () => {
    const { start, connector } = linkAlone();
    const old = await start();
    await vi.advanceTimersByTimeAsync(RENEW_MS);
    expect(connector.attempts).toBe(2);
    expect(connector.connections[1]!.sentOfType('session.update')[0]!.session).toEqual(CONFIG);
    expect(await old.closed).toEqual({ code: 1000, reason: 'renewed', byClient: true });
  });

  it('a renewal under way is not started a second time', async () => {
    const { link, start, connector } = linkAlone();
    await start();
    const h = hold();
    connector.options.hold = h.promise;
    link.renewWhenQuiet();
    link.maybeRenew(); // another quiet moment while the new session is opening
    h.release();
    await flush();
    expect(connector.attempts).toBe(2);
  });

  it('only the session still in use is renewed by its timer', async () => {
    const { link, start, connector } = linkAlone();
    await start();
    await vi.advanceTimersByTimeAsync(1_000);
    await link.reconnect(DROP); // the second session opens at 1 s
    await vi.advanceTimersByTimeAsync(RENEW_MS - 1_000); // the first session's renewal time
    expect(connector.attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000); // the second one's
    expect(connector.attempts).toBe(3);
  });

  it('a renewal that was due is not carried over to the session a reconnect opened', async () => {
    const { link, start, connector, hooks } = linkAlone();
    await start();
    hooks.quiet = false;
    await vi.advanceTimersByTimeAsync(RENEW_MS); // due, but the call is busy
    expect(connector.attempts).toBe(1);
    await link.reconnect(DROP);
    hooks.quiet = true;
    link.maybeRenew();
    await flush();
    expect(connector.attempts).toBe(2);
  });

  it('a failed renewal keeps the current session, with a warning', async () => {
    const { link, start, connector, warnings } = linkAlone();
    const rt = await start();
    connector.options.fail = new Error('connect ECONNREFUSED');
    link.renewWhenQuiet();
    await flush();
    expect(link.current).toBe(rt);
    expect(rt.closedNow).toBe(false);
    expect(warnings()).toHaveLength(1);
  });
});

describe('mergeSession', () => {
  it('a voice patch keeps the output format, and makes up no input', () => {
    const config = {
      type: 'realtime',
      audio: { output: { format: { type: 'audio/pcmu' }, voice: 'marin' } },
    } as RealtimeSessionCreateRequest;
    expect(mergeSession(config, { audio: { output: { voice: 'cedar' } } }).audio).toEqual({
      output: { format: { type: 'audio/pcmu' }, voice: 'cedar' },
    });
  });

  it('a transcription patch keeps the input format, and makes up no output', () => {
    const config = {
      type: 'realtime',
      audio: { input: { format: { type: 'audio/pcmu' } } },
    } as RealtimeSessionCreateRequest;
    const transcription = { model: 'gpt-4o-transcribe', language: 'es' };
    expect(mergeSession(config, { audio: { input: { transcription } } }).audio).toEqual({
      input: { format: { type: 'audio/pcmu' }, transcription },
    });
  });
});
