/**
 * A fake of Twilio's Calls REST API (`/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`), enough
 * for voice-server's updates: new TwiML (apologies, transfers), a URL, or `Status=completed` (hang-up).
 * It checks Basic auth, refuses what Twilio refuses (TwiML over 4,000 characters: 32018; redirecting a
 * call that has ended: 21220), answers Twilio-shaped JSON, records every request, keeps the account's
 * owned and verified numbers (which `<Dial callerId>` may show) and the calls' notifications (Twilio's
 * debugger), and hands updates to the simulated call that registered for them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CreateCallRequest, parseCreateCall } from './outbound-rules.ts';
import type { RecordingAudioSource } from './recordings.ts';
import { type FakeRecording, type PostedRecordingCallback, RecordingBook } from './recordings.ts';
import {
  basicAuthMatches,
  type CallRecord,
  callResource,
  readBody,
  type TwilioCallStatus,
  twilioError,
} from './rest-resources.ts';
import { type AccountNumbers, updateTwimlProblem } from './twilio-rules.ts';
import { createUrlMapper, newSid } from './webhook-form.ts';

export type { TwilioCallStatus } from './rest-resources.ts';
export type { AccountNumbers } from './twilio-rules.ts';

/** An update to a call, as posted to the Calls API. */
export interface CallUpdate {
  callSid: string;
  /** `Twiml` form field: new instructions replacing the current ones. */
  twiml?: string;
  /** `Url` form field: where to fetch new instructions. */
  url?: string;
  /** `Method` form field for `url` (default POST). */
  method?: string;
  /** `Status` form field: `completed` hangs up, `canceled` only affects calls not yet answered. */
  status?: 'completed' | 'canceled';
  /** The whole form, as posted. */
  form: Record<string, string>;
}

/** Receives the updates of one call; runs before the HTTP answer is written. */
export type CallUpdateHandler = (update: CallUpdate) => void;

/** What the fake knows of a call, for the resource JSON it answers. */
export interface FakeCallInfo {
  from?: string;
  to?: string;
  status?: TwilioCallStatus;
  /** The call's two sides, for its recordings' audio (without it a recording is silent). */
  recordingAudio?: RecordingAudioSource;
}

/** One request the fake received. */
export interface RecordedRestRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The call addressed, when the path names one. */
  callSid?: string;
  /** The form body (empty for GET). */
  form: Record<string, string>;
  /** Wall-clock time received (`Date.now()`). */
  receivedAtMs: number;
  /** HTTP status answered. */
  status: number;
  /** Whether the Basic credentials matched. */
  authorized: boolean;
}

/** An error Twilio logged for a call (its Notifications resource; the Console's debugger). */
export interface TwilioNotification {
  callSid: string;
  errorCode: number;
  message: string;
  /** Wall-clock time (`Date.now()`). */
  atMs: number;
}

export interface TwilioRestFakeOptions {
  accountSid: string;
  authToken: string;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; default 0 (ephemeral). */
  port?: number;
  /**
   * Calls the fake has not been told about: `accept` (default) answers as if the call were in
   * progress; `not_found` answers Twilio's 20404.
   */
  unknownCalls?: 'accept' | 'not_found';
  /** Numbers the account owns or verified (what `<Dial callerId>` may show); default none. */
  accountNumbers?: AccountNumbers;
  /** E.164 prefixes the account's geo permissions refuse to call (21215); default none. */
  blockedPrefixes?: readonly string[];
}

/** A call created through `POST /Calls.json`, handed to whoever drives it (see `startOutboundDialer`). */
export interface CreatedCall {
  callSid: string;
  request: CreateCallRequest;
}

/** A running fake; see {@link startTwilioRestFake}. */
export interface TwilioRestFake {
  /** `http://127.0.0.1:<port>`: pass as `apiBaseUrl` / `TWILIO_API_BASE_URL`. */
  readonly baseUrl: string;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRestRequest[];
  /** The accepted call updates, in order. */
  readonly updates: readonly CallUpdate[];
  /** Errors Twilio would have logged for the calls (refused dials, failed streams), in order. */
  readonly notifications: readonly TwilioNotification[];
  /** The account's owned and verified numbers. */
  readonly accountNumbers: AccountNumbers;
  /** Replaces the account's owned and verified numbers. */
  setAccountNumbers(numbers: AccountNumbers): void;
  /** Records an error for a call (the simulated call does, when Twilio would log one). */
  notify(callSid: string, errorCode: number, message: string): void;
  /** Routes the updates of `callSid` to `handler`; returns the function that removes it. */
  onUpdate(callSid: string, handler: CallUpdateHandler): () => void;
  /** Tells the fake a call exists (its resource JSON then carries these fields). */
  registerCall(callSid: string, info: FakeCallInfo): void;
  /** Records a call's new status (e.g. `completed` when the caller hangs up). */
  setCallStatus(callSid: string, status: TwilioCallStatus): void;
  /** Records answering machine detection's verdict on a call (its `answered_by`). */
  setAnsweredBy(callSid: string, answeredBy: string): void;
  /**
   * Takes the calls created through the API from now on (after their 201 is written). Without one,
   * a created call stays `queued`. Returns the function that removes it.
   */
  onCreateCall(handler: (call: CreatedCall) => void): () => void;
  /** `<Start><Recording>` ran on a call: its recording starts now (see RecordingBook.startFromTwiml). */
  startRecordingFromTwiml(callSid: string, attributes: Record<string, string>): FakeRecording | undefined;
  /** The recordings started through the Recordings API or TwiML, in order (deleted ones flagged). */
  readonly recordings: readonly FakeRecording[];
  /** The recording status callbacks posted, in order. */
  readonly recordingCallbacks: readonly PostedRecordingCallback[];
  /** Callbacks to URLs under `publicBaseUrl` go to `localUrl` (where the voice server listens). */
  routeCallbacks(publicBaseUrl: string, localUrl: string): void;
  /** Resolves once every recording callback posted so far has been answered. */
  recordingCallbacksSettled(): Promise<void>;
  close(): Promise<void>;
}

const CALL_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/;
const CALLS_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/;
const ENDED: readonly TwilioCallStatus[] = ['completed', 'canceled', 'failed', 'busy', 'no-answer'];

/** Starts the fake (on an ephemeral port unless `port` is given). */
export async function startTwilioRestFake(opts: TwilioRestFakeOptions): Promise<TwilioRestFake> {
  const requests: RecordedRestRequest[] = [];
  const updates: CallUpdate[] = [];
  const notifications: TwilioNotification[] = [];
  const handlers = new Map<string, CallUpdateHandler>();
  const calls = new Map<string, CallRecord>();
  const unknownCalls = opts.unknownCalls ?? 'accept';
  let accountNumbers: AccountNumbers = copyNumbers(opts.accountNumbers ?? {});
  let createHandler: ((call: CreatedCall) => void) | undefined;
  let mapCallbackUrl = (url: string) => url;
  let baseUrl = '';
  const recordings = new RecordingBook({
    accountSid: opts.accountSid,
    authToken: opts.authToken,
    baseUrl: () => baseUrl,
    mapUrl: (url) => mapCallbackUrl(url),
    notify: (callSid, errorCode, message) =>
      notifications.push({ callSid, errorCode, message, atMs: Date.now() }),
  });

  const callFor = (callSid: string): CallRecord | undefined => {
    let call = calls.get(callSid);
    if (!call && unknownCalls === 'accept') {
      const now = new Date();
      call = { from: '', to: '', status: 'in-progress', createdAt: now, updatedAt: now };
      calls.set(callSid, call);
    }
    return call;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    const match = CALL_PATH.exec(path);
    const record: RecordedRestRequest = {
      method,
      path,
      form: {},
      receivedAtMs: Date.now(),
      status: 0,
      authorized: false,
    };
    if (match) record.callSid = decodeURIComponent(match[2]!);
    requests.push(record);
    const send = (status: number, body: unknown) => {
      record.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        ...(status === 401 ? { 'www-authenticate': 'Basic realm="Twilio API"' } : {}),
      });
      res.end(text);
    };
    const body = method === 'POST' || method === 'DELETE' ? await readBody(req) : '';
    if (body === null) return send(413, twilioError(20001, 413, 'Request body is too large'));
    record.form = Object.fromEntries(new URLSearchParams(body));
    record.authorized = basicAuthMatches(req, opts.accountSid, opts.authToken);
    if (!record.authorized) return send(401, twilioError(20003, 401, 'Authenticate'));

    const notFound = () => send(404, twilioError(20404, 404, `The requested resource ${path} was not found`));
    if (recordings.matches(path)) {
      const answer = recordings.handle(method, path, body, callFor);
      record.status = answer.status;
      if ('media' in answer) {
        res.writeHead(200, { 'content-type': answer.contentType, 'content-length': answer.media.length });
        return void res.end(answer.media);
      }
      if (!('json' in answer)) return void res.writeHead(204).end();
      return send(answer.status, answer.json);
    }
    const list = CALLS_PATH.exec(path);
    if (list && decodeURIComponent(list[1]!) === opts.accountSid && method === 'POST') {
      const parsed = parseCreateCall(new URLSearchParams(body), {
        accountNumbers,
        ...(opts.blockedPrefixes ? { blockedPrefixes: opts.blockedPrefixes } : {}),
      });
      if ('problem' in parsed) {
        const p = parsed.problem;
        return send(p.httpStatus, twilioError(p.code, p.httpStatus, p.message));
      }
      const callSid = newSid('CA');
      const now = new Date();
      const call: CallRecord = {
        from: parsed.request.from,
        to: parsed.request.to,
        status: 'queued',
        createdAt: now,
        updatedAt: now,
        direction: 'outbound-api',
      };
      calls.set(callSid, call);
      record.callSid = callSid;
      send(201, callResource(opts.accountSid, callSid, call));
      const handler = createHandler;
      if (handler) setImmediate(() => handler({ callSid, request: parsed.request }));
      return;
    }
    if (!match || decodeURIComponent(match[1]!) !== opts.accountSid) return notFound();
    const callSid = record.callSid!;
    if (method !== 'GET' && method !== 'POST')
      return send(405, twilioError(20004, 405, 'Method not allowed'));
    const call = callFor(callSid);
    if (!call) return notFound();
    if (method === 'GET') return send(200, callResource(opts.accountSid, callSid, call));

    const form = record.form;
    const status = form.Status;
    if (status !== undefined && status !== 'completed' && status !== 'canceled')
      return send(400, twilioError(20001, 400, `Invalid Status: ${status.slice(0, 32)}`));
    const update: CallUpdate = { callSid, form };
    if (form.Twiml !== undefined) update.twiml = form.Twiml;
    if (form.Url !== undefined) update.url = form.Url;
    if (form.Method !== undefined) update.method = form.Method;
    if (status === 'completed' || status === 'canceled') update.status = status;
    if (update.twiml !== undefined) {
      const tooLong = updateTwimlProblem(update.twiml);
      if (tooLong) return send(400, twilioError(tooLong.errorCode, 400, tooLong.message));
    }
    const ended = ENDED.includes(call.status);
    if ((update.twiml !== undefined || update.url !== undefined) && ended)
      return send(400, twilioError(21220, 400, 'Call is not in-progress. Cannot redirect.'));
    if (update.twiml === undefined && update.url === undefined && update.status === undefined)
      return send(400, twilioError(20001, 400, 'Missing required parameter: Url, Twiml or Status'));

    updates.push(update);
    const now = new Date();
    call.updatedAt = now;
    // canceled only stops calls not yet answered; an in-progress call is left alone.
    const endsCall =
      update.status === 'completed' ||
      (update.status === 'canceled' && (call.status === 'queued' || call.status === 'ringing'));
    if (endsCall && !ended) {
      call.status = update.status === 'completed' ? 'completed' : 'canceled';
      call.endedAt = now;
      recordings.callEnded(callSid);
    }
    const handler = handlers.get(callSid);
    if (handler && !ended && (endsCall || update.twiml !== undefined || update.url !== undefined)) {
      try {
        handler(update);
      } catch {
        // A failing simulated call must not turn the API answer into a 500.
      }
    }
    return send(200, callResource(opts.accountSid, callSid, call));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(twilioError(20500, 500, 'Internal Server Error')));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  baseUrl = `http://${host}:${port}`;

  return {
    baseUrl,
    requests,
    updates,
    notifications,
    get accountNumbers() {
      return copyNumbers(accountNumbers);
    },
    setAccountNumbers(numbers) {
      accountNumbers = copyNumbers(numbers);
    },
    notify(callSid, errorCode, message) {
      notifications.push({ callSid, errorCode, message, atMs: Date.now() });
    },
    onUpdate(callSid, handler) {
      handlers.set(callSid, handler);
      return () => {
        if (handlers.get(callSid) === handler) handlers.delete(callSid);
      };
    },
    registerCall(callSid, info) {
      const now = new Date();
      const existing = calls.get(callSid);
      calls.set(callSid, {
        ...existing,
        from: info.from ?? existing?.from ?? '',
        to: info.to ?? existing?.to ?? '',
        status: info.status ?? existing?.status ?? 'in-progress',
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      });
      if (info.recordingAudio) recordings.setAudio(callSid, info.recordingAudio);
    },
    startRecordingFromTwiml(callSid, attributes) {
      return recordings.startFromTwiml(callSid, attributes);
    },
    setCallStatus(callSid, status) {
      const call = calls.get(callSid);
      if (!call) return;
      const now = new Date();
      const wasEnded = ENDED.includes(call.status);
      call.status = status;
      call.updatedAt = now;
      if (ENDED.includes(status)) call.endedAt ??= now;
      if (ENDED.includes(status) && !wasEnded) recordings.callEnded(callSid);
    },
    setAnsweredBy(callSid, answeredBy) {
      const call = calls.get(callSid);
      if (call) call.answeredBy = answeredBy;
    },
    onCreateCall(handler) {
      createHandler = handler;
      return () => {
        if (createHandler === handler) createHandler = undefined;
      };
    },
    recordings: recordings.recordings,
    recordingCallbacks: recordings.callbacks,
    routeCallbacks(publicBaseUrl, localUrl) {
      mapCallbackUrl = createUrlMapper(publicBaseUrl, localUrl).http;
    },
    recordingCallbacksSettled: () => recordings.settled(),
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function copyNumbers(numbers: AccountNumbers): AccountNumbers {
  return {
    ...(numbers.owned ? { owned: [...numbers.owned] } : {}),
    ...(numbers.verified ? { verified: [...numbers.verified] } : {}),
  };
}
