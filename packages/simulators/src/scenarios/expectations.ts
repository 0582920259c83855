/**
 * Checks a scenario's expectations against the evidence of its call. Each check passes, fails (saying
 * what was expected and what happened) or is left unchecked when no source the target offers can see
 * it (a staging URL without app-server access cannot show which tool ran), saying why.
 */
import type { AgentLine, BookedCallback, Evidence, ToolUse } from './evidence.ts';
import { checkCallLanguages, checkReplyLanguage, checkSwitches } from './language-checks.ts';
import { normaliseText } from './model-script.ts';
import type {
  CallbackExpectation,
  CallExpectations,
  CallScenario,
  ToolExpectation,
  ValueMatcher,
} from './scenario-types.ts';
import { localDateTime, resolveDay } from './zoned-time.ts';

/** How one check came out. */
export type CheckStatus = 'passed' | 'failed' | 'unchecked';

/** One expectation, checked. */
export interface CheckResult {
  /** The turn it belongs to; null for the whole call. */
  turn: number | null;
  turnLabel?: string;
  /** Source line of the turn in the scenario file. */
  line?: number;
  /** What kind of check (`tools`, `says`, `replyWithinMs`…). */
  check: string;
  status: CheckStatus;
  expected: string;
  /** What happened, or (unchecked) why it could not be seen. */
  actual: string;
  /** Where the answer came from. */
  source?: string;
}

/** Checks every expectation of `scenario`. `turnLines` gives each turn's line in the file. */
export function checkExpectations(
  scenario: CallScenario,
  evidence: Evidence,
  turnLines: number[] = [],
): CheckResult[] {
  const results: CheckResult[] = [];
  scenario.turns.forEach((turn, i) => {
    if (!('expect' in turn) || !turn.expect) return;
    const label = evidence.turns[i]?.label;
    for (const r of checkBlock(turn.expect, evidence, i))
      results.push({
        ...r,
        turn: i,
        ...(label ? { turnLabel: label } : {}),
        ...(turnLines[i] ? { line: turnLines[i] } : {}),
      });
  });
  if (scenario.expect)
    for (const r of checkBlock(scenario.expect, evidence, null)) results.push({ ...r, turn: null });
  return results;
}

type Partial = Omit<CheckResult, 'turn'>;

function checkBlock(e: CallExpectations, ev: Evidence, turn: number | null): Partial[] {
  const out: Partial[] = [];
  const agent = agentLines(ev, turn);
  if (e.tools) for (const t of e.tools) out.push(checkTool(typeof t === 'string' ? { name: t } : t, agent));
  if (e.avoidTools)
    for (const name of e.avoidTools) {
      const check = { check: 'avoidTools', expected: `${name} not called` };
      if ('unchecked' in agent) out.push({ ...check, status: 'unchecked', actual: agent.unchecked });
      else {
        const used = agent.lines.flatMap((l) => l.tools).filter((u) => u.name === name);
        out.push({
          ...check,
          source: agent.source,
          ...verdict(
            used.length === 0,
            used.length === 0 ? 'not called' : `called: ${used.map(showTool).join('; ')}`,
          ),
        });
      }
    }
  for (const phrase of e.says ?? []) out.push(checkPhrase(phrase, true, agent));
  for (const phrase of e.avoids ?? []) out.push(checkPhrase(phrase, false, agent));
  if (e.replyWithinMs !== undefined) out.push(...checkLatency(e.replyWithinMs, ev, turn));
  if (e.transfer !== undefined) out.push(checkTransfer(e.transfer, ev));
  if (e.callback !== undefined) out.push(checkCallback(e.callback, ev, agent));
  if (e.ended) out.push(...checkEnd(e.ended, ev));
  if (e.bargeIn && turn !== null) out.push(checkBargeIn(e.bargeIn, ev, turn));
  if (e.interruptions !== undefined) out.push(checkInterruptions(e.interruptions, ev));
  for (const [field, matcher] of Object.entries(e.outcome ?? {})) out.push(checkOutcome(field, matcher, ev));
  if (e.language !== undefined) out.push(checkReplyLanguage(e.language, agent));
  if (e.languages !== undefined) out.push(checkCallLanguages(e.languages, ev));
  if (e.switches !== undefined) out.push(checkSwitches(e.switches, ev));
  return out;
}

/** One field of an outbound call's recorded outcome, as ai-server stores it. */
function checkOutcome(field: string, matcher: ValueMatcher, ev: Evidence): Partial {
  const check = { check: 'outcome', expected: `outcome.${field} ${showMatcher(matcher)}` };
  if (!ev.outbound)
    return {
      ...check,
      status: 'unchecked',
      actual: 'only an outbound call (direction: outbound) has an outcome',
    };
  const outcome = ev.outbound.outcome;
  if (typeof outcome !== 'object' || outcome === null)
    return {
      ...check,
      source: 'ai-server',
      status: 'failed',
      actual: `no outcome was recorded (call ${ev.outbound.status})`,
    };
  const actual = getPath(outcome as Record<string, unknown>, field);
  return {
    ...check,
    source: 'ai-server',
    ...verdict(valueMatches(actual, matcher), actual === undefined ? 'absent' : clip(JSON.stringify(actual))),
  };
}

/**
 * How often the agent was cut off. Where the agent's side is known, its answers marked cut off: a
 * Twilio clear that only drops the platform's own hold audio (the thinking sound, ended because the
 * answer is ready) cuts nobody off. From the caller's side alone, every clear counts.
 */
function checkInterruptions(expected: number, ev: Evidence): Partial {
  const check = { check: 'interruptions', expected: `${expected} time(s) the agent was cut off` };
  if (!ev.agent)
    return {
      ...check,
      source: 'caller',
      ...verdict(ev.clears === expected, `${ev.clears} (Twilio clear messages)`),
    };
  const cut = ev.agent.lines.filter((l) => l.interrupted).length;
  return {
    ...check,
    source: ev.agent.source,
    ...verdict(cut === expected, `${cut} answer(s) cut off; ${ev.clears} Twilio clear message(s) in all`),
  };
}

const verdict = (ok: boolean, actual: string) => ({
  status: (ok ? 'passed' : 'failed') as CheckStatus,
  actual,
});

type AgentView = { lines: AgentLine[]; source: string } | { unchecked: string };

/** The agent's lines for a turn (or the whole call), from the best source the target offers. */
function agentLines(ev: Evidence, turn: number | null): AgentView {
  const side = ev.agent;
  if (!side)
    return {
      unchecked:
        "cannot be seen from the caller's side of this target: run it on the simulators (--target) or give app-server's staff API (--app-server, --app-server-key)",
    };
  if (turn === null) return { lines: side.lines, source: side.source };
  if (!side.attributed) return { unchecked: side.attributionNote ?? 'lines cannot be matched to turns' };
  return { lines: side.lines.filter((l) => l.turn === turn), source: side.source };
}

function checkTool(expected: ToolExpectation, agent: AgentView): Partial {
  const args = Object.entries(expected.args ?? {});
  const want = `${expected.name}(${args.map(([k, m]) => `${k} ${showMatcher(m)}`).join(', ')})`;
  if ('unchecked' in agent)
    return { check: 'tools', status: 'unchecked', expected: want, actual: agent.unchecked };
  const uses = agent.lines.flatMap((l) => l.tools);
  const match = uses.find(
    (u) => u.name === expected.name && args.every(([k, m]) => valueMatches(getPath(u.args, k), m)),
  );
  const actual = uses.length === 0 ? 'no tool was called' : `called ${uses.map(showTool).join('; ')}`;
  return { check: 'tools', expected: want, source: agent.source, ...verdict(match !== undefined, actual) };
}

function checkPhrase(phrase: string, wanted: boolean, agent: AgentView): Partial {
  const check = {
    check: wanted ? 'says' : 'avoids',
    expected: `${wanted ? 'says' : 'never says'} "${phrase}"`,
  };
  if ('unchecked' in agent) return { ...check, status: 'unchecked', actual: agent.unchecked };
  // what must be said must have been heard: a cut-off line counts up to where the caller heard it;
  // what must be avoided must not even have been begun
  const said = agent.lines.map((l) => (wanted ? (l.heard ?? l.text) : l.text)).filter(Boolean);
  const found = said.some((s) => normaliseText(s).includes(normaliseText(phrase)));
  const actual =
    said.length === 0
      ? 'the agent said nothing'
      : `the agent said: ${said.map((s) => `"${clip(s)}"`).join(' / ')}`;
  return { ...check, source: agent.source, ...verdict(found === wanted, actual) };
}

function checkLatency(boundMs: number, ev: Evidence, turn: number | null): Partial[] {
  const turns =
    turn === null
      ? ev.turns.filter(
          (t) => (t.kind === 'say' || t.kind === 'wav' || t.kind === 'dtmf') && t.startMs !== undefined,
        )
      : [ev.turns[turn]!];
  return turns.map((t) => {
    const check = {
      check: 'replyWithinMs',
      expected: `answer within ${boundMs} ms${turn === null ? ` (turn ${t.index + 1})` : ''}`,
      source: 'caller',
    };
    if (t.replyLatencyMs === undefined)
      return {
        ...check,
        status: 'failed' as const,
        actual: t.startMs === undefined ? 'the turn never happened' : 'no answer was heard',
      };
    return {
      ...check,
      ...verdict(t.replyLatencyMs <= boundMs, `answered after ${Math.round(t.replyLatencyMs)} ms`),
    };
  });
}

function checkTransfer(expected: { to?: string } | false, ev: Evidence): Partial {
  const want = expected === false ? 'no transfer' : `transfer${expected.to ? ` to ${expected.to}` : ''}`;
  let targets: string[];
  let source: string;
  if (ev.dialed.length > 0 || ev.followsRest) {
    targets = ev.dialed;
    source = 'caller (TwiML <Dial>)';
  } else if (ev.conversation) {
    targets = ev.conversation.transferTargets;
    source = 'app-server (hand-off tickets)';
  } else
    return {
      check: 'transfer',
      status: 'unchecked',
      expected: want,
      actual:
        "transfers go through Twilio's REST API, which does not reach a simulated call on this target; give app-server's staff API (--app-server) to see hand-off tickets",
    };
  const ok =
    expected === false
      ? targets.length === 0
      : targets.length > 0 && (!expected.to || targets.some((t) => samePhone(t, expected.to!)));
  return {
    check: 'transfer',
    expected: want,
    source,
    ...verdict(ok, targets.length ? `transferred to ${targets.join(', ')}` : 'no transfer'),
  };
}

function checkCallback(expected: CallbackExpectation | false, ev: Evidence, agent: AgentView): Partial {
  const zone = ev.timezone;
  const day = expected !== false && expected.day ? resolveDay(expected.day, zone, ev.placedAt) : undefined;
  const want =
    expected === false
      ? 'no callback'
      : `callback${day ? ` on ${day}` : ''}${expected.from ? ` from ${expected.from}` : ''}${expected.to ? ` to ${expected.to}` : ''} (${zone})`;
  let booked: BookedCallback[];
  let source: string;
  if (ev.conversation) {
    booked = ev.conversation.callbacks;
    source = 'app-server';
  } else if (!('unchecked' in agent)) {
    booked = agent.lines
      .flatMap((l) => l.tools)
      .filter((u) => u.name === 'create_callback_ticket')
      .map((u) => ({
        windowStart: str(u.args.window_start),
        windowEnd: str(u.args.window_end),
        timezone: str(u.args.timezone) ?? zone,
        reason: str(u.args.reason) ?? '',
      }));
    source = `${agent.source} (create_callback_ticket)`;
  } else return { check: 'callback', status: 'unchecked', expected: want, actual: agent.unchecked };
  const show = (c: BookedCallback) => {
    const at = (iso: string | null) => (iso ? localDateTime(new Date(iso), zone) : undefined);
    const s = at(c.windowStart);
    const e = at(c.windowEnd);
    return `${s ? `${s.date} ${s.time}` : '(no start)'}–${e ? (e.date === s?.date ? e.time : `${e.date} ${e.time}`) : '(no end)'} ${zone} (stored ${c.windowStart ?? '-'}, zone ${c.timezone})`;
  };
  if (expected === false)
    return {
      check: 'callback',
      expected: want,
      source,
      ...verdict(booked.length === 0, booked.length ? `booked ${booked.map(show).join('; ')}` : 'none'),
    };
  const fits = (c: BookedCallback) => {
    const s = c.windowStart ? localDateTime(new Date(c.windowStart), zone) : undefined;
    const e = c.windowEnd ? localDateTime(new Date(c.windowEnd), zone) : undefined;
    return (
      (!day || s?.date === day) &&
      (!expected.from || s?.time === expected.from) &&
      (!expected.to || e?.time === expected.to) &&
      (expected.reason === undefined || valueMatches(c.reason, expected.reason))
    );
  };
  return {
    check: 'callback',
    expected: want,
    source,
    ...verdict(
      booked.some(fits),
      booked.length ? `booked ${booked.map(show).join('; ')}` : 'no callback was booked',
    ),
  };
}

function checkEnd(expected: { by?: string; reason?: string }, ev: Evidence): Partial[] {
  const out: Partial[] = [];
  const how = `${ev.end.reason}${ev.end.detail ? ` (${ev.end.detail})` : ''}`;
  if (expected.by)
    out.push({
      check: 'ended.by',
      expected: `ended by the ${expected.by}`,
      source: 'caller',
      ...verdict(ev.endedBy === expected.by, `ended by the ${ev.endedBy}: ${how}`),
    });
  if (expected.reason) {
    const want = `end reason ${expected.reason}`;
    if (ev.conversation?.endReason)
      out.push({
        check: 'ended.reason',
        expected: want,
        source: 'app-server',
        ...verdict(ev.conversation.endReason === expected.reason, `end reason ${ev.conversation.endReason}`),
      });
    else if (expected.reason === 'caller_hangup' || expected.reason === 'transferred') {
      const actual =
        ev.endedBy === 'caller' ? 'caller_hangup' : ev.dialed.length ? 'transferred' : ev.end.reason;
      out.push({
        check: 'ended.reason',
        expected: want,
        source: 'caller',
        ...verdict(actual === expected.reason, `end reason ${actual}`),
      });
    } else
      out.push({
        check: 'ended.reason',
        expected: want,
        status: 'unchecked',
        actual: `the caller only sees ${how}; the product's end reason needs app-server's staff API (--app-server)`,
      });
  }
  return out;
}

function checkBargeIn(expected: { stoppedWithinMs?: number }, ev: Evidence, turn: number): Partial {
  const t = ev.turns[turn]!;
  const want = `the agent stops when the caller speaks over it${expected.stoppedWithinMs ? `, within ${expected.stoppedWithinMs} ms` : ''}`;
  const check = { check: 'bargeIn', expected: want, source: 'caller' };
  if (!t.bargeIn)
    return {
      ...check,
      status: 'failed',
      actual: 'the caller did not speak over the agent (nothing was playing)',
    };
  if (!t.bargeIn.stopped)
    return {
      ...check,
      status: 'failed',
      actual: `the agent's audio ran on (${Math.round(t.bargeIn.heardOverCallerMs)} ms heard over the caller)`,
    };
  const ms = t.bargeIn.stoppedAfterMs ?? 0;
  return {
    ...check,
    ...verdict(
      !expected.stoppedWithinMs || ms <= expected.stoppedWithinMs,
      `stopped after ${Math.round(ms)} ms`,
    ),
  };
}

/** True when `actual` satisfies `matcher` (a scalar: equal, text compared without case). */
export function valueMatches(actual: unknown, matcher: ValueMatcher): boolean {
  if (typeof matcher !== 'object') return sameValue(actual, matcher);
  if ('equals' in matcher) return sameValue(actual, matcher.equals);
  if ('present' in matcher) return (actual !== undefined && actual !== null) === matcher.present;
  if (actual === undefined || actual === null) return false;
  const text = typeof actual === 'string' ? actual : JSON.stringify(actual);
  if ('contains' in matcher) return normaliseText(text).includes(normaliseText(matcher.contains));
  return new RegExp(matcher.matches, 'i').test(text);
}

function sameValue(actual: unknown, wanted: string | number | boolean): boolean {
  if (typeof wanted === 'string' && typeof actual === 'string')
    return normaliseText(actual) === normaliseText(wanted);
  return actual === wanted;
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  if (path in obj) return obj[path];
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

function showMatcher(m: ValueMatcher): string {
  if (typeof m !== 'object') return `= ${JSON.stringify(m)}`;
  const [k, v] = Object.entries(m)[0]!;
  return `${k} ${JSON.stringify(v)}`;
}

/** A tool call as one line: `get_knowledge(query="…")`. */
export function showTool(u: ToolUse): string {
  const args = Object.entries(u.args).map(([k, v]) => `${k}=${clip(JSON.stringify(v), 60)}`);
  return `${u.name}(${args.join(', ')})`;
}

function samePhone(a: string, b: string): boolean {
  const digits = (s: string) => s.replace(/[^0-9a-z@:.]/gi, '');
  return digits(a) === digits(b);
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
