import type { RealtimeFunctionTool } from '@switchboard/realtime';
import { type ScriptedRealtimeConnection, scriptedConnector } from '@switchboard/realtime/testing';
import { createLogger } from '@switchboard/service-kit';
import { VoiceMetrics } from '../metrics.ts';
import type { CallProfile } from '../ports/ai-server.ts';
import type { AppServerClient } from '../ports/app-server.ts';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import type { CallTracer } from '../telemetry/call-tracer.ts';
import { FakeAiServer, FakeTwilioRest } from './fakes.ts';
import { InMemoryCallTransport } from './in-memory-transport.ts';

export { FakeAiServer, FakeTwilioRest, PROFILE } from './fakes.ts';

import {
  type CallInfo,
  type CallLimitsOverrides,
  type SpeechProviders,
  TwilioSessionManager,
} from '../session/session-manager.ts';

export const CALL: CallInfo = {
  streamSid: 'MZ00000000000000000000000000000001',
  callSid: 'CA00000000000000000000000000000001',
  accountSid: 'AC00000000000000000000000000000001',
  botProfileKey: 'acme-support',
  isSip: false,
  callerNumber: '+14155550123',
};

/** One session wired to fakes, with a shared log of what went out on both sockets, in order. */
export function harness(
  opts: {
    connectFails?: boolean;
    credits?: boolean;
    failProfile?: boolean;
    profile?: Partial<CallProfile>;
    tools?: RealtimeFunctionTool[];
    call?: Partial<CallInfo>;
    limits?: CallLimitsOverrides;
    /** The app-server client the session uses (e.g. the QueuedAppServer outbox); default in memory. */
    appServer?: AppServerClient;
    /** The call's tracer (e.g. a RecordingCallTracer); default none. */
    tracer?: CallTracer;
    /** External TTS and transcribers the session may use per profile. */
    speech?: SpeechProviders;
  } = {},
) {
  const transport = new InMemoryCallTransport(CALL.streamSid);
  const connector = scriptedConnector(opts.connectFails ? { fail: new Error('connect ECONNREFUSED') } : {});
  const aiServer = new FakeAiServer();
  if (opts.credits === false) aiServer.credits = false;
  if (opts.failProfile) aiServer.failProfile = true;
  if (opts.profile) aiServer.profile = { ...aiServer.profile, ...opts.profile };
  if (opts.tools) aiServer.tools = opts.tools;
  /** The in-memory app-server (what the session writes to unless `opts.appServer` is given). */
  const appServer = new InMemoryAppServer();
  const twilioRest = new FakeTwilioRest();
  const metrics = new VoiceMetrics();
  const lines: string[] = [];
  const logger = createLogger({
    name: 'test',
    level: 'debug',
    destination: { write: (l: string) => lines.push(l) },
  });
  const order: string[] = [];
  /** The session's monotonic clock: still unless a test moves it (playback interpolation, latency). */
  const clock = { ms: 0 };
  const tts = {
    cancelled: 0,
    cancel: () => {
      order.push('tts.cancel');
    },
  };
  const origClear = transport.sendClear.bind(transport);
  transport.sendClear = () => {
    order.push('twilio.clear');
    origClear();
  };
  const session = new TwilioSessionManager(
    {
      transport,
      connectRealtime: connector,
      aiServer,
      appServer: opts.appServer ?? appServer,
      twilioRest,
      logger,
      metrics,
      tts,
      ...(opts.speech ? { speech: opts.speech } : {}),
      now: () => clock.ms,
      limits: { ...opts.limits, reconnect: { baseDelayMs: 10, ...opts.limits?.reconnect } },
      ...(opts.tracer ? { tracer: opts.tracer } : {}),
    },
    { ...CALL, ...opts.call },
  );
  const done = session.run();
  const rt = async (): Promise<ScriptedRealtimeConnection> => {
    await until(() => connector.connections.length > 0);
    const c = connector.connections[0]!;
    if (!c.sentOfType('session.update').length) await until(() => c.sentOfType('session.update').length > 0);
    if (!order.includes('attached')) {
      order.push('attached');
      c.onSend((e) => order.push(`rt.${e.type}`));
    }
    return c;
  };
  return {
    transport,
    connector,
    aiServer,
    appServer,
    twilioRest,
    metrics,
    lines,
    order,
    session,
    done,
    rt,
    clock,
  };
}

/** Waits (in real microtasks/macrotasks) until `cond` holds, up to ~2 s. */
export async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  // Polls on setImmediate and performance.now, so it works under fake setTimeout and Date too.
  const deadline = performance.now() + 2_000;
  while (performance.now() < deadline) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Lets queued events be processed. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** A base64 mu-law chunk of `ms` milliseconds. */
export function audio(ms: number, byte = 0x55): string {
  return Buffer.alloc(ms * 8, byte).toString('base64');
}

let n = 0;
export const ids = { next: (p: string) => `${p}_${++n}` };

/**
 * response.created as the server sends it: answering our latest response.create (its metadata echoed,
 * as the API does), or, with `fromServer`, a response the server started itself (server VAD).
 */
export function responseCreated(
  rt: ScriptedRealtimeConnection,
  responseId: string,
  opts: { fromServer?: boolean } = {},
): void {
  // The API sends metadata: null on a response nobody asked for with metadata.
  const metadata = opts.fromServer ? null : rt.sentOfType('response.create').at(-1)?.response?.metadata;
  rt.emit({
    type: 'response.created',
    event_id: ids.next('ev'),
    response: {
      id: responseId,
      object: 'realtime.response',
      status: 'in_progress',
      output: [],
      ...(metadata !== undefined ? { metadata } : {}),
    },
  });
}

/** Server events for the start of a response with one audio item. */
export function responseStart(
  rt: ScriptedRealtimeConnection,
  responseId: string,
  itemId: string,
  opts: { fromServer?: boolean } = {},
): void {
  responseCreated(rt, responseId, opts);
  rt.emit({
    type: 'response.output_item.added',
    event_id: ids.next('ev'),
    response_id: responseId,
    output_index: 0,
    item: { id: itemId, type: 'message', role: 'assistant', status: 'in_progress', content: [] },
  });
}

export function delta(rt: ScriptedRealtimeConnection, responseId: string, itemId: string, ms: number): void {
  rt.emit({
    type: 'response.output_audio.delta',
    event_id: ids.next('ev'),
    response_id: responseId,
    item_id: itemId,
    output_index: 0,
    content_index: 0,
    delta: audio(ms),
  });
}

export function responseDone(rt: ScriptedRealtimeConnection, responseId: string, status = 'completed'): void {
  rt.emit({
    type: 'response.done',
    event_id: ids.next('ev'),
    response: { id: responseId, object: 'realtime.response', status, output: [] },
  });
}

/** The model calls tool `name` in response `responseId` (arguments as a JSON string, or a value to encode). */
export function callTool(
  rt: ScriptedRealtimeConnection,
  responseId: string,
  callId: string,
  name: string,
  args: unknown,
): void {
  rt.emit({
    type: 'response.created',
    event_id: 'e',
    response: { id: responseId, object: 'realtime.response', status: 'in_progress', output: [] },
  });
  rt.emit({
    type: 'response.output_item.done',
    event_id: 'e',
    response_id: responseId,
    output_index: 0,
    item: {
      id: `it_${callId}`,
      type: 'function_call',
      call_id: callId,
      name,
      arguments: typeof args === 'string' ? args : JSON.stringify(args),
    },
  });
  responseDone(rt, responseId);
}
