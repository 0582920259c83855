/**
 * Runs one scenario as one simulated call: renders the caller's audio, gives the simulated model its
 * script (on the simulators), places the signed call, follows the voice-server's REST updates, reports
 * live what the caller experiences, then gathers the evidence and checks the expectations.
 */

import { dirname, isAbsolute, resolve } from 'node:path';
import { MULAW_BYTES_PER_MS, MULAW_SILENCE_BYTE } from '@switchboard/telephony';
import type { CallEnd } from '../twilio/call-types.ts';
import type { CallUpdate } from '../twilio/rest-fake.ts';
import { placeCall, type SimulatedCall } from '../twilio/simulated-call.ts';
import { newSid } from '../twilio/webhook-form.ts';
import { type CallerPlan, planCaller } from './caller-plan.ts';
import { type CallerVoice, wavFileToLine } from './caller-voice.ts';
import {
  appServerSide,
  callerEvidence,
  type Evidence,
  fetchConversation,
  modelAgentSide,
} from './evidence.ts';
import { type CheckResult, checkExpectations } from './expectations.ts';
import { buildModelScript } from './model-script.ts';
import type { LoadedScenario } from './scenario-types.ts';
import type { SimulatorAccess, TargetInfo } from './sim-access.ts';

/** What the caller experiences, as it happens (for the live view). */
export type LiveEvent =
  | { type: 'caller'; atMs: number; turn: number; label: string; kind: string; interrupting: boolean }
  | { type: 'agent_audio'; atMs: number; afterMs?: number }
  | { type: 'cut_off'; atMs: number; droppedMs: number }
  | { type: 'twilio'; atMs: number; text: string }
  | { type: 'note'; atMs: number; text: string }
  /** From the simulated model (on the simulators only), as it is polled: tools when called, words when said. */
  | { type: 'tool'; atMs: number; name: string; args: Record<string, unknown> }
  | { type: 'agent_words'; atMs: number; text: string; cutOff: boolean }
  | { type: 'ended'; atMs: number; end: CallEnd };

/** A scenario's outcome. */
export interface ScenarioResult {
  file: string;
  name: string;
  /** `error`: the scenario or the target could not be used (exit 2). */
  status: 'passed' | 'failed' | 'error';
  /** Why, for `error`. */
  error?: string;
  callSid?: string;
  durationMs: number;
  evidence?: Evidence;
  checks: CheckResult[];
  /** Caller and agent audio, when recorded: 8 kHz mu-law, one track each, call time from 0. */
  audio?: { caller: Uint8Array; agent: Uint8Array };
}

/** Where and how to call. */
export interface RunTarget extends TargetInfo {
  /** The target's simulators, when it runs on them. */
  access?: SimulatorAccess;
}

export interface RunOptions {
  voice: CallerVoice;
  onEvent?: (event: LiveEvent) => void;
  /** Keep both sides' audio in the result. */
  recordAudio?: boolean;
  /** The longest a call may last before the caller hangs up (default 180 s). */
  maxCallMs?: number;
}

/** The brand's zone when neither the scenario nor the target names one. */
export const DEFAULT_TIMEZONE = 'UTC';

/** Makes a scenario's result, its duration counted from this call (the run's start). */
export function resultOf(
  loaded: LoadedScenario,
): (status: ScenarioResult['status'], extra: Partial<ScenarioResult>) => ScenarioResult {
  const started = performance.now();
  return (status, extra) => ({
    file: loaded.file,
    name: loaded.scenario.name,
    status,
    durationMs: performance.now() - started,
    checks: [],
    ...extra,
  });
}

export async function runScenario(
  loaded: LoadedScenario,
  target: RunTarget,
  opts: RunOptions,
): Promise<ScenarioResult> {
  const { scenario, file } = loaded;
  const result = resultOf(loaded);

  if (scenario.direction === 'outbound')
    return result('error', {
      error: `${file}: an outbound scenario runs with runOutboundScenario (call-sim run does)`,
    });
  // The caller's audio first: a missing WAV file makes the scenario unusable before anyone is called.
  const audio = new Map<number, Uint8Array>();
  for (const [i, turn] of scenario.turns.entries()) {
    const where = `${file}:${loaded.turnLines[i] ?? 0}: turns[${i}]`;
    try {
      if ('say' in turn) audio.set(i, await opts.voice.speak(turn.say, turn.language ?? scenario.language));
      if ('wav' in turn) {
        const path = isAbsolute(turn.wav) ? turn.wav : resolve(dirname(file), turn.wav);
        audio.set(i, await wavFileToLine(path));
      }
    } catch (err) {
      return result('error', { error: `${where}: ${(err as Error).message}` });
    }
  }

  const timezone = scenario.timezone ?? target.timezone ?? DEFAULT_TIMEZONE;
  const placedAt = new Date();
  const model = buildModelScript(scenario, {
    timezone,
    now: placedAt,
    ...(target.greeting ? { greeting: target.greeting } : {}),
  });
  const plan: CallerPlan = planCaller(scenario, audio, {
    quietMs: scenario.quietMs ?? 1200,
    greetingTimeoutMs: 10_000,
    replyTimeoutMs: 20_000,
    endGraceMs: 4000,
  });

  const callSid = newSid('CA');
  let mark: string | undefined;
  let stopFollowing: (() => void) | undefined;
  let call: SimulatedCall | undefined;
  const early: CallUpdate[] = [];
  const callerFrames: Array<{ chunk: number; audio: Uint8Array }> = [];
  try {
    if (target.access) {
      mark = await target.access.beginCall(model.scenario);
      stopFollowing = await target.access.followCall(callSid, (u) =>
        call ? call.applyUpdate(u) : early.push(u),
      );
    }
    call = await placeCall({
      voiceServerUrl: target.voiceServerUrl,
      ...(target.publicBaseUrl ? { publicBaseUrl: target.publicBaseUrl } : {}),
      authToken: target.authToken,
      accountSid: target.accountSid,
      from: scenario.from ?? target.from,
      to: scenario.to ?? target.to,
      callSid,
      source: plan.steps,
      ...(scenario.line ? { line: scenario.line } : {}),
      ...(opts.recordAudio
        ? {
            mediaTap: {
              beforeMediaSent: (frame, chunk) => void callerFrames.push({ chunk, audio: frame.slice() }),
            },
          }
        : {}),
    });
    for (const u of early.splice(0)) call.applyUpdate(u);
    const live = opts.onEvent ? watchLive(call, plan, opts.onEvent) : undefined;
    const modelWatch =
      opts.onEvent && target.access && mark !== undefined
        ? watchModel(call, target.access, mark, opts.onEvent)
        : undefined;
    const cap = setTimeout(() => void call?.hangup(), opts.maxCallMs ?? 180_000);
    await call.ended;
    clearTimeout(cap);
    live?.();
    await modelWatch?.();
  } catch (err) {
    stopFollowing?.();
    return result('error', { callSid, error: (err as Error).message });
  }
  stopFollowing?.();
  const end = call.endedWith!;
  const unusable = unusableTarget(call, end, target.voiceServerUrl);
  if (unusable) return result('error', { callSid, error: unusable });

  const evidence: Evidence = {
    ...callerEvidence(call, plan.timings),
    timezone,
    placedAt,
    followsRest: target.access !== undefined,
  };
  const notes: string[] = [];
  if (target.access && mark !== undefined) {
    try {
      evidence.agent = modelAgentSide(await target.access.trace(mark), model);
    } catch (err) {
      notes.push(`the simulated model's log could not be read: ${(err as Error).message}`);
    }
  }
  if (target.appServer) {
    try {
      const view = await fetchConversation(target.appServer, callSid);
      if (view) {
        const { side, ...conversation } = appServerSide(view, evidence.turns);
        evidence.conversation = conversation;
        evidence.agent ??= side;
      } else notes.push('app-server has no conversation for this call');
    } catch (err) {
      notes.push(`app-server could not be read: ${(err as Error).message}`);
    }
  }
  for (const text of notes) opts.onEvent?.({ type: 'note', atMs: call.nowMs(), text });
  const checks = checkExpectations(scenario, evidence, loaded.turnLines);
  return result(checks.some((c) => c.status === 'failed') ? 'failed' : 'passed', {
    callSid,
    evidence,
    checks,
    ...(opts.recordAudio
      ? { audio: { caller: callerTrack(call, callerFrames), agent: call.heardAudio() } }
      : {}),
  });
}

/** Why the target could not be used for a scenario, from how the call ended; undefined when it could. */
export function unusableTarget(call: SimulatedCall, end: CallEnd, url: string): string | undefined {
  if (end.reason === 'webhook_failed') {
    if (end.httpStatus === 403)
      return `signature rejected: the voice-server answered HTTP 403 to the signed webhook; check the auth token and that --public-url is the URL it signs (PUBLIC_BASE_URL)`;
    if (end.httpStatus !== undefined)
      return `the webhook answered HTTP ${end.httpStatus} at ${call.webhook.postedTo}`;
    if (/ECONNREFUSED/.test(end.detail ?? '')) return `connection refused: nothing listens at ${url}`;
    if (/ENOTFOUND|EAI_AGAIN/.test(end.detail ?? '')) return `the host of ${url} cannot be resolved`;
    if (/bad port/.test(end.detail ?? '')) return `${url} uses a port fetch refuses to connect to (bad port)`;
    if (/timeout|aborted/i.test(end.detail ?? ''))
      return `the webhook at ${call.webhook.postedTo} did not answer within 15 s`;
    return `the webhook could not be reached: ${end.detail ?? 'unknown error'}`;
  }
  if (end.reason === 'invalid_twiml')
    return `TwiML invalid: ${(end.detail ?? '').replace(/^invalid TwiML:\s*/, '') || 'it did not parse'} (Twilio ends such a call: "an application error has occurred")`;
  if (end.reason === 'stream_failed')
    return `the media stream was refused${end.httpStatus ? ` (HTTP ${end.httpStatus})` : ''}${end.detail ? `: ${end.detail}` : ''}`;
  if (call.streamSid === undefined && call.said.length > 0)
    return `the voice-server answered without a media stream; Twilio would say: "${call.said.join(' ')}"`;
  return undefined;
}

/** Reports what the caller experiences while the call runs; returns a stop function. */
function watchLive(call: SimulatedCall, plan: CallerPlan, emit: (e: LiveEvent) => void): () => void {
  let turnsSeen = new Set<number>();
  let clears = 0;
  let said = 0;
  let hearing = false;
  /** The end of the caller's latest utterance, until the agent's audio after it has been reported. */
  let lastCallerEnd: number | undefined;
  let answeredTurns = 0;
  const tick = () => {
    for (const t of plan.timings) {
      if (turnsSeen.has(t.index)) continue;
      const started = t.utterance
        ? call.turns.find((r) => r.label === t.utterance)
        : t.startMs !== undefined
          ? t
          : undefined;
      if (!started || t.kind === 'pause' || t.kind === 'hangup') continue;
      turnsSeen = new Set(turnsSeen).add(t.index);
      const report = t.utterance ? call.turns.find((r) => r.label === t.utterance) : undefined;
      emit({
        type: 'caller',
        atMs: report?.startMs ?? t.startMs ?? call.nowMs(),
        turn: t.index,
        label: t.label,
        kind: t.kind,
        interrupting: report?.bargeIn !== undefined,
      });
    }
    const lastTurn = call.turns.at(-1);
    lastCallerEnd = call.turns.length > answeredTurns ? lastTurn?.endMs : undefined;
    for (; clears < call.clears.length; clears++) {
      const c = call.clears[clears]!;
      emit({ type: 'cut_off', atMs: c.atMs, droppedMs: c.droppedMs });
    }
    for (; said < call.said.length; said++)
      emit({ type: 'twilio', atMs: call.nowMs(), text: call.said[said]! });
    if (call.isHearingAudio && !hearing) {
      const at = call.nowMs();
      emit({
        type: 'agent_audio',
        atMs: at,
        ...(lastCallerEnd !== undefined ? { afterMs: at - lastCallerEnd } : {}),
      });
      answeredTurns = call.turns.length;
    }
    hearing = call.isHearingAudio;
  };
  const timer = setInterval(tick, 40);
  void call.ended.then((end) => {
    tick();
    clearInterval(timer);
    emit({ type: 'ended', atMs: end.atMs, end });
  });
  return () => clearInterval(timer);
}

/** Polls the simulated model while the call runs: its tool calls and words, for the live view. */
function watchModel(
  call: SimulatedCall,
  access: SimulatorAccess,
  mark: string,
  emit: (e: LiveEvent) => void,
): () => Promise<void> {
  const toolsShown = new Set<number>();
  const wordsShown = new Set<number>();
  let stopped = false;
  const poll = async () => {
    const trace = await access.trace(mark).catch(() => undefined);
    trace?.responses.forEach((r, i) => {
      if (!toolsShown.has(i) && r.tools.length > 0) {
        toolsShown.add(i);
        for (const t of r.tools) emit({ type: 'tool', atMs: call.nowMs(), name: t.name, args: t.args });
      }
      const done = r.status !== 'in_progress';
      if (!wordsShown.has(i) && done) {
        wordsShown.add(i);
        const text = r.status === 'cancelled' ? r.spoken : r.text;
        if (text) emit({ type: 'agent_words', atMs: call.nowMs(), text, cutOff: r.status === 'cancelled' });
      }
    });
  };
  const loop = (async () => {
    while (!stopped) {
      await poll();
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** The caller's frames as one track in call time (frames are 20 ms from the stream's start). */
function callerTrack(call: SimulatedCall, frames: Array<{ chunk: number; audio: Uint8Array }>): Uint8Array {
  const start = call.sent.find((e) => e.event === 'start')?.atMs ?? 0;
  const endMs = call.endedWith?.atMs ?? call.nowMs();
  const out = new Uint8Array(Math.ceil(endMs * MULAW_BYTES_PER_MS)).fill(MULAW_SILENCE_BYTE);
  for (const f of frames) {
    const at = Math.round((start + (f.chunk - 1) * 20) * MULAW_BYTES_PER_MS);
    if (at < out.length) out.set(f.audio.subarray(0, out.length - at), at);
  }
  return out;
}
