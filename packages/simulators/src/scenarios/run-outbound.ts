/**
 * Runs an outbound scenario (`direction: outbound`): the product places the call through its outbound
 * API with the brand's key (`POST /admin/outbound-calls`), the Twilio simulator's callee at the
 * scenario's `to` speaks the turns, and the expectations are checked against what the callee heard,
 * the simulated model, app-server's conversation and the call's recorded outcome on ai-server.
 */
import { randomUUID } from 'node:crypto';
import { appServerSide, type Evidence, fetchConversation, modelAgentSide } from './evidence.ts';
import { checkExpectations } from './expectations.ts';
import { buildModelScript } from './model-script.ts';
import {
  DEFAULT_TIMEZONE,
  type RunOptions,
  type RunTarget,
  resultOf,
  type ScenarioResult,
} from './run-scenario.ts';
import type { LoadedScenario } from './scenario-types.ts';

const FINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

/** ai-server's view of an outbound call (the fields read here). */
interface OutboundView {
  id: string;
  callSid: string | null;
  status: string;
  answeredBy: string | null;
  outcome: unknown;
  error?: { code?: string; message?: string };
}

export async function runOutboundScenario(
  loaded: LoadedScenario,
  target: RunTarget,
  opts: RunOptions,
): Promise<ScenarioResult> {
  const { scenario, file } = loaded;
  const result = resultOf(loaded);
  const { access, aiServer } = target;
  if (!scenario.outbound || !scenario.to)
    return result('error', {
      error: `${file}: direction: outbound needs outbound.profile, outbound.task and to`,
    });
  if (!access?.answerOutbound || !access.outboundCallee || !aiServer)
    return result('error', {
      error:
        'an outbound scenario runs against a stack on the simulators (--target) that offers its outbound dialer and the brand API of ai-server',
    });

  const timezone = scenario.timezone ?? target.timezone ?? DEFAULT_TIMEZONE;
  const placedAt = new Date();
  const model = buildModelScript(scenario, { timezone, now: placedAt });
  let view: OutboundView;
  let mark: string;
  try {
    await access.answerOutbound(loaded);
    mark = await access.beginCall(model.scenario);
    view = await placeOutbound(aiServer, scenario.to, scenario.outbound);
    opts.onEvent?.({ type: 'note', atMs: 0, text: `the product placed call ${view.id} (${view.callSid})` });
    view = await waitForEnd(aiServer, view.id, opts.maxCallMs ?? 180_000);
  } catch (err) {
    return result('error', { error: (err as Error).message });
  }
  const callSid = view.callSid ?? undefined;
  const callee = callSid ? await access.outboundCallee(callSid).catch(() => undefined) : undefined;
  if (!callee)
    return result('failed', {
      ...(callSid ? { callSid } : {}),
      checks: [
        {
          turn: null,
          check: 'answered',
          status: 'failed',
          expected: 'the callee answers and the call runs',
          actual: `the call ended ${view.status}${view.error?.message ? `: ${view.error.message}` : ''}`,
        },
      ],
    });

  const evidence: Evidence = {
    ...callee,
    timezone,
    placedAt,
    followsRest: true,
    outbound: { id: view.id, status: view.status, answeredBy: view.answeredBy, outcome: view.outcome },
  };
  try {
    evidence.agent = modelAgentSide(await access.trace(mark), model);
  } catch (err) {
    opts.onEvent?.({
      type: 'note',
      atMs: 0,
      text: `the simulated model's log could not be read: ${(err as Error).message}`,
    });
  }
  if (target.appServer && callSid) {
    const conv = await fetchConversation(target.appServer, callSid).catch(() => undefined);
    if (conv) {
      const { side, ...conversation } = appServerSide(conv, evidence.turns);
      evidence.conversation = conversation;
      evidence.agent ??= side;
    }
  }
  const checks = checkExpectations(scenario, evidence, loaded.turnLines);
  return result(checks.some((c) => c.status === 'failed') ? 'failed' : 'passed', {
    ...(callSid ? { callSid } : {}),
    evidence,
    checks,
  });
}

async function api<T>(
  ai: { url: string; apiKey: string },
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${ai.url.replace(/\/+$/, '')}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ai.apiKey}`, 'content-type': 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as T };
}

async function placeOutbound(
  ai: { url: string; apiKey: string },
  to: string,
  req: NonNullable<LoadedScenario['scenario']['outbound']>,
): Promise<OutboundView> {
  const { status, body } = await api<OutboundView>(ai, '/admin/outbound-calls', {
    method: 'POST',
    body: JSON.stringify({
      to,
      profileKey: req.profile,
      task: req.task,
      ...(req.context ? { context: req.context } : {}),
      ...(req.outcomeSchema ? { outcomeSchema: req.outcomeSchema } : {}),
      idempotencyKey: `call-sim-${randomUUID()}`,
    }),
  });
  if (status !== 201 && status !== 200)
    throw new Error(
      `the outbound call was refused: HTTP ${status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim(),
    );
  return body;
}

/** Polls the call until its final status and, once completed, its recorded outcome settles. */
async function waitForEnd(
  ai: { url: string; apiKey: string },
  id: string,
  maxMs: number,
): Promise<OutboundView> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const { body } = await api<OutboundView>(ai, `/admin/outbound-calls/${encodeURIComponent(id)}`);
    if (FINAL.has(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`call ${id} was still ${body.status} after ${maxMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
