/**
 * Drives the calls created through the Calls REST fake the way Twilio does: `initiated`, `ringing`, then
 * the callee's answer (a person, a machine with its greeting and beep), or `busy`, `no-answer`,
 * `failed`, or `canceled` when the API cancels it while it rings. Status callbacks carry the events the
 * request asked for (default `completed` only), in Twilio's order. An answered call fetches its TwiML
 * from the request's `Url` and runs as a {@link SimulatedCall} (media stream, marks, REST updates), with
 * `Direction=outbound-api`; answering machine detection reports `AnsweredBy` in the webhook (sync) or to
 * `AsyncAmdStatusCallback` (async): `human`, `machine_start` (`Enable`), `machine_end_beep` /
 * `machine_end_silence` (`DetectMessageEnd`, once the greeting ends), `fax`, `unknown`.
 */
import { renderSpeech } from '../speech/spoken-text.ts';
import type { CallerScriptStep, CallerSource } from './caller-script.ts';
import type { CreatedCall, TwilioRestFake } from './rest-fake.ts';
import { SimulatedCall } from './simulated-call.ts';
import { type PostedCallback, postSignedForm, rfc2822Now } from './status-callbacks.ts';
import { createUrlMapper } from './webhook-form.ts';

/** Who (or what) picks up. Times are wall-clock ms. */
export type Callee =
  | { answer: 'human'; source?: CallerSource<SimulatedCall>; ringMs?: number; detectMs?: number }
  | {
      answer: 'machine';
      /** What the machine's greeting says (simulated speech). */
      greeting?: string;
      /** A beep ends the greeting (default true); without one AMD says `machine_end_silence`. */
      beep?: boolean;
      ringMs?: number;
      detectMs?: number;
    }
  | { answer: 'fax'; ringMs?: number; detectMs?: number }
  | { answer: 'no-answer'; ringMs?: number }
  | { answer: 'busy'; ringMs?: number }
  | { answer: 'failed' };

/** An outbound call as the dialer drove it. */
export interface DialedCall {
  callSid: string;
  created: CreatedCall;
  callee: Callee;
  /** The answered leg, once answered. */
  call?: SimulatedCall;
  /** Final status: completed, busy, no-answer, failed, canceled. */
  finalStatus?: string;
  answeredBy?: string;
  /** Resolves with the final status once the call is over. */
  readonly done: Promise<string>;
}

export interface OutboundDialerOptions {
  restFake: TwilioRestFake;
  accountSid: string;
  authToken: string;
  /** Where the simulator connects (the voice server's local address). */
  voiceServerUrl: string;
  /** The public base URL the webhook and callback URLs are on (mapped to `voiceServerUrl`). */
  publicBaseUrl: string;
  /** Who picks up at `to`; default a person who stays silent. */
  callee?: (to: string) => Callee;
  /** Run answered legs at this many times real time (default: the shared real-time ticker). */
  speed?: number;
}

export interface OutboundDialer {
  readonly calls: readonly DialedCall[];
  readonly callbacks: readonly PostedCallback[];
  /** The call with this SID, waiting for it to be created. */
  waitForCall(callSid: string, timeoutMs?: number): Promise<DialedCall>;
  close(): void;
}

const BEEP_STEP: CallerScriptStep<SimulatedCall> = { audio: { toneHz: 1400, ms: 500 }, label: 'beep' };
const DEFAULT_GREETING = 'Hi, you have reached the voicemail of this number. Please leave a message.';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts driving the REST fake's created calls. */
export function startOutboundDialer(opts: OutboundDialerOptions): OutboundDialer {
  const calls: DialedCall[] = [];
  const callbacks: PostedCallback[] = [];
  const waiters = new Set<() => void>();
  const mapUrl = createUrlMapper(opts.publicBaseUrl, opts.voiceServerUrl);
  const sequence = new Map<string, number>();
  let closed = false;

  const statusCallback = async (c: CreatedCall, event: string, status: string, extra = {}) => {
    const { request } = c;
    if (!request.statusCallback || !request.statusCallbackEvents.includes(event as never)) return;
    const n = sequence.get(c.callSid) ?? 0;
    sequence.set(c.callSid, n + 1);
    const params: Record<string, string> = {
      AccountSid: opts.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: c.callSid,
      CallStatus: status,
      Direction: 'outbound-api',
      From: request.from,
      To: request.to,
      Called: request.to,
      Caller: request.from,
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(n),
      Timestamp: rfc2822Now(),
      ...extra,
    };
    const posted = await postSignedForm(request.statusCallback, params, opts.authToken, mapUrl.http);
    callbacks.push({ kind: 'status', callSid: c.callSid, url: request.statusCallback, params, ...posted });
  };

  const amdCallback = async (c: CreatedCall, answeredBy: string, durationMs: number) => {
    const url = c.request.asyncAmdStatusCallback;
    if (!url) return;
    const params = {
      AccountSid: opts.accountSid,
      CallSid: c.callSid,
      AnsweredBy: answeredBy,
      MachineDetectionDuration: String(durationMs),
    };
    const posted = await postSignedForm(url, params, opts.authToken, mapUrl.http);
    callbacks.push({ kind: 'amd', callSid: c.callSid, url, params, ...posted });
  };

  const drive = async (dialed: DialedCall, finish: (status: string) => void) => {
    const c = dialed.created;
    const { request } = c;
    const fake = opts.restFake;
    let canceled = false;
    const stopListening = fake.onUpdate(c.callSid, (u) => {
      if (u.status) canceled = true;
    });
    const end = async (status: string) => {
      stopListening();
      fake.setCallStatus(c.callSid, status as never);
      await statusCallback(c, 'completed', status, { CallDuration: '0', Duration: '0' });
      finish(status);
    };
    await statusCallback(c, 'initiated', 'initiated');
    if (canceled) return end('canceled');
    const callee = dialed.callee;
    if (callee.answer === 'failed') return end('failed');
    fake.setCallStatus(c.callSid, 'ringing');
    await statusCallback(c, 'ringing', 'ringing');
    const ringMs = callee.ringMs ?? (callee.answer === 'no-answer' ? request.timeoutSec * 1000 : 50);
    for (let waited = 0; waited < ringMs && !canceled && !closed; waited += 10) await sleep(10);
    if (canceled || closed) return end('canceled');
    if (callee.answer === 'busy' || callee.answer === 'no-answer') return end(callee.answer);
    stopListening();

    // Answered: a person, a machine or a fax.
    const answeredAtMs = Date.now();
    fake.setCallStatus(c.callSid, 'in-progress');
    await statusCallback(c, 'answered', 'in-progress');
    const verdict = amdVerdict(callee, request.machineDetection);
    const detectMs = callee.detectMs ?? (callee.answer === 'human' ? 100 : 200);
    const extraFields: Record<string, string> = { Direction: 'outbound-api', CallStatus: 'in-progress' };
    if (request.machineDetection && !request.asyncAmd && verdict) {
      await sleep(detectMs);
      extraFields.AnsweredBy = verdict;
      dialed.answeredBy = verdict;
      fake.setAnsweredBy(c.callSid, verdict);
    }
    const url = request.url;
    if (!url?.toLowerCase().startsWith(opts.publicBaseUrl.toLowerCase())) {
      fake.notify(c.callSid, 11200, 'HTTP retrieval failure: the simulator reaches the public base URL only');
      return end('completed');
    }
    const call = new SimulatedCall({
      voiceServerUrl: opts.voiceServerUrl,
      publicBaseUrl: opts.publicBaseUrl,
      webhookPath: url.slice(opts.publicBaseUrl.replace(/\/+$/, '').length),
      authToken: opts.authToken,
      accountSid: opts.accountSid,
      callSid: c.callSid,
      from: request.from,
      to: request.to,
      restFake: fake,
      extraFields,
      source: calleeSource(callee),
      ...(opts.speed !== undefined ? { speed: opts.speed } : {}),
    });
    dialed.call = call;
    if (request.machineDetection && request.asyncAmd && verdict) {
      const waitMs =
        callee.answer === 'machine' && request.machineDetection === 'DetectMessageEnd'
          ? machineGreetingMs(callee) + detectMs
          : detectMs;
      void sleep(waitMs).then(async () => {
        if (call.endedWith) return;
        dialed.answeredBy = verdict;
        fake.setAnsweredBy(c.callSid, verdict);
        await amdCallback(c, verdict, Date.now() - answeredAtMs);
      });
    }
    await call.dial().catch(() => undefined);
    await call.ended;
    const durationSec = String(Math.round((Date.now() - answeredAtMs) / 1000));
    fake.setCallStatus(c.callSid, 'completed');
    await statusCallback(c, 'completed', 'completed', { CallDuration: durationSec, Duration: durationSec });
    finish('completed');
  };

  const unregister = opts.restFake.onCreateCall((created) => {
    let resolve!: (status: string) => void;
    const done = new Promise<string>((r) => {
      resolve = r;
    });
    const callee = opts.callee?.(created.request.to) ?? { answer: 'human' };
    const dialed: DialedCall = { callSid: created.callSid, created, callee, done };
    calls.push(dialed);
    for (const w of waiters) w();
    void drive(dialed, (status) => {
      dialed.finalStatus = status;
      resolve(status);
    });
  });

  return {
    calls,
    callbacks,
    waitForCall(callSid, timeoutMs = 5000) {
      const found = () => calls.find((c) => c.callSid === callSid);
      const now = found();
      if (now) return Promise.resolve(now);
      return new Promise((resolve, reject) => {
        const check = () => {
          const c = found();
          if (!c) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(c);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no outbound call ${callSid} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close() {
      closed = true;
      unregister();
    },
  };
}

/** What AMD reports for this callee in this mode; undefined when AMD is off. */
function amdVerdict(callee: Callee, mode: 'Enable' | 'DetectMessageEnd' | undefined): string | undefined {
  if (!mode) return undefined;
  if (callee.answer === 'human') return 'human';
  if (callee.answer === 'fax') return 'fax';
  if (callee.answer !== 'machine') return 'unknown';
  if (mode === 'Enable') return 'machine_start';
  return callee.beep === false ? 'machine_end_silence' : 'machine_end_beep';
}

/** How long the machine's greeting (and beep) plays, ms. */
function machineGreetingMs(callee: Extract<Callee, { answer: 'machine' }>): number {
  const chars = renderSpeech(callee.greeting ?? DEFAULT_GREETING).chars;
  const last = chars[chars.length - 1];
  return (last ? last.startMs + last.durationMs : 0) + (callee.beep === false ? 0 : 500);
}

function calleeSource(callee: Callee): CallerSource<SimulatedCall> {
  if (callee.answer === 'human') return callee.source ?? 'silence';
  if (callee.answer !== 'machine') return 'silence';
  const steps: CallerScriptStep<SimulatedCall>[] = [
    { audio: { say: callee.greeting ?? DEFAULT_GREETING }, label: 'voicemail greeting' },
  ];
  if (callee.beep !== false) steps.push(BEEP_STEP);
  return steps;
}
