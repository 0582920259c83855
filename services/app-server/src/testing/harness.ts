import { Writable } from 'node:stream';
import { createLogger, WebCallTokens } from '@switchboard/service-kit';
import type { ConversationStart, TranscriptMessage } from '@switchboard/service-kit/clients/app-server';
import type { AnalysisQueue } from '../analysis/job-queue.ts';
import { type AppServer, buildAppServer } from '../app.ts';
import type { CallControl } from '../monitor/call-control.ts';
import type { TwilioRecordings } from '../recordings/twilio-recordings.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { openPrismaStore } from '../store/prisma-store.ts';
import type { AppStore } from '../store/store.ts';

export const SERVICE_TOKEN = 'test-service-token';
export const SESSION_SECRET = 'test-session-secret-at-least-32-characters';
export const PASSWORD = 'correct horse battery';

/** Log lines written during a test, for asserting what never reaches them. */
export class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(chunk.toString());
    cb();
  }
  get text(): string {
    return this.lines.join('');
  }
}

export interface Harness extends AppServer {
  store: AppStore;
  logs: LogSink;
  /** Authorization header of the service token. */
  serviceHeaders: Record<string, string>;
  close(): Promise<void>;
}

/** `memory`: the in-memory double; `prisma`: the real store on a throwaway embedded PGlite. */
export type StoreKind = 'memory' | 'prisma';

/** app-server on an in-memory store (or the given one), with a silent logger that records lines. */
/** Where the harness's "Try your bot" page sends browsers, and the secret its tokens are signed with. */
export const WEB_CALL_TEST_URL = 'ws://voice.test:8080/web-call';
export const WEB_CALL_TEST_SECRET = 'web-call-test-secret';

export async function startHarness(
  opts: {
    store?: AppStore | StoreKind;
    opikUiUrl?: string;
    now?: () => number;
    /** Turns post-call analysis on (ended calls are queued here). */
    analysisQueue?: AnalysisQueue;
    /** The live monitor's actions (default: over HTTP to the call's voice-server). */
    callControl?: CallControl;
    /** Twilio's recordings (e.g. over the REST simulator). */
    twilioRecordings?: TwilioRecordings;
    /** The recording retention clock. */
    recordingNow?: () => Date;
    /** Browser test calls off (on by default, with WEB_CALL_TEST_SECRET). */
    noWebCalls?: boolean;
    /** Runs the recording retention sweep on this interval (ms). */
    recordingSweepMs?: number;
  } = {},
): Promise<Harness> {
  const store =
    opts.store === 'prisma'
      ? await openPrismaStore({ dataDir: 'memory' })
      : opts.store === 'memory' || opts.store === undefined
        ? new MemoryStore()
        : opts.store;
  const logs = new LogSink();
  const server = await buildAppServer({
    config: {
      SERVICE_TOKEN,
      SESSION_SECRET,
      SESSION_TTL_HOURS: 12,
      COOKIE_SECURE: false,
      OPIK_UI_URL: opts.opikUiUrl,
    },
    logger: createLogger({ name: 'app-server-test', level: 'info', destination: logs }),
    store,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.analysisQueue ? { analysisQueue: opts.analysisQueue } : {}),
    ...(opts.callControl ? { callControl: opts.callControl } : {}),
    ...(opts.twilioRecordings ? { twilioRecordings: opts.twilioRecordings } : {}),
    ...(opts.recordingNow ? { recordingNow: opts.recordingNow } : {}),
    ...(opts.noWebCalls
      ? {}
      : { webCalls: { url: WEB_CALL_TEST_URL, tokens: new WebCallTokens(WEB_CALL_TEST_SECRET) } }),
    ...(opts.recordingSweepMs ? { recordingSweepMs: opts.recordingSweepMs } : {}),
  });
  return {
    ...server,
    store,
    logs,
    serviceHeaders: { authorization: `Bearer ${SERVICE_TOKEN}` },
    close: async () => {
      await server.app.close();
      await store.close();
    },
  };
}

let seq = 0;
/** A unique Twilio-shaped call SID. */
export function callSid(): string {
  seq++;
  return `CA${String(Date.now()).padStart(16, '0')}${String(seq).padStart(16, '0')}`;
}

export function startBody(over: Partial<ConversationStart> = {}): ConversationStart {
  return {
    callSid: callSid(),
    botProfileKey: 'acme-support',
    brandId: 'acme',
    callerNumber: '+14155550123',
    isSip: false,
    startedAt: '2026-11-21T10:00:00.000Z',
    ...over,
  };
}

export function msg(sequence: number, over: Partial<TranscriptMessage> = {}): TranscriptMessage {
  return {
    sequence,
    role: sequence % 2 ? 'caller' : 'agent',
    text: `message ${sequence}`,
    startedAt: new Date(Date.parse('2026-11-21T10:00:00.000Z') + sequence * 1000).toISOString(),
    source: 'realtime',
    ...over,
  };
}

/** Creates a staff account (password PASSWORD) through the admin route. */
export async function createStaff(
  h: Harness,
  brandId: string,
  email: string,
  displayName = `Staff of ${brandId}`,
) {
  const created = await h.app.inject({
    method: 'POST',
    url: '/admin/staff',
    headers: h.serviceHeaders,
    payload: { brandId, email, password: PASSWORD, displayName },
  });
  if (created.statusCode !== 201) throw new Error(`staff create: ${created.statusCode} ${created.body}`);
}

/** Creates a staff account through the admin route and signs it in; returns the Cookie header. */
export async function staffCookie(
  h: Harness,
  brandId: string,
  email = `staff@${brandId}.test`,
): Promise<string> {
  await createStaff(h, brandId, email);
  const res = await h.app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { brandId, email, password: PASSWORD },
  });
  if (res.statusCode !== 200) throw new Error(`sign-in: ${res.statusCode} ${res.body}`);
  const setCookie = String(res.headers['set-cookie']);
  return setCookie.split(';')[0]!;
}

/** Creates a brand API key through the admin route; returns the Authorization header value. */
export async function brandKey(h: Harness, brandId: string): Promise<string> {
  const res = await h.app.inject({
    method: 'POST',
    url: '/admin/api-keys',
    headers: h.serviceHeaders,
    payload: { brandId, label: `${brandId} reporting` },
  });
  if (res.statusCode !== 201) throw new Error(`api key: ${res.statusCode} ${res.body}`);
  return `Bearer ${res.json().key}`;
}

/** Starts a conversation and appends messages through the internal API, as voice-server does. */
export async function seedCall(
  h: Harness,
  start: ConversationStart,
  messages: TranscriptMessage[] = [],
): Promise<string> {
  const res = await h.app.inject({
    method: 'POST',
    url: '/internal/conversations',
    headers: h.serviceHeaders,
    payload: start,
  });
  if (res.statusCode >= 300) throw new Error(`start: ${res.statusCode} ${res.body}`);
  if (messages.length) {
    const m = await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${start.callSid}/messages`,
      headers: h.serviceHeaders,
      payload: { messages },
    });
    if (m.statusCode !== 200) throw new Error(`messages: ${m.statusCode} ${m.body}`);
  }
  return res.json().conversationId;
}
