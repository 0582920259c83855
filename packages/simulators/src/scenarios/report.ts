/**
 * How scenario runs read: the live view while a call runs, each call's turn-by-turn account with its
 * checks, the summary table, JSON for machines and JUnit XML for CI. Phone numbers are masked.
 */
import type { AgentLine, Evidence } from './evidence.ts';
import { type CheckResult, showTool } from './expectations.ts';
import type { LiveEvent, ScenarioResult } from './run-scenario.ts';
import { describeWindow } from './zoned-time.ts';

/** `+1******0199`: numbers in output keep the country code's first digit and the last four. */
export function maskNumbers(text: string): string {
  return text.replace(
    /\+(\d)(\d{4,12})(\d{4})\b/g,
    (_m, head: string, body: string, tail: string) => `+${head}${'*'.repeat(body.length)}${tail}`,
  );
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1).padStart(5)} s`;
const msText = (ms: number | undefined) => (ms === undefined ? '-' : `${Math.round(ms)} ms`);

/** One line of the live view, or null for events not worth a line. */
export function liveLine(e: LiveEvent): string | null {
  switch (e.type) {
    case 'caller': {
      const what =
        e.kind === 'dtmf'
          ? `presses ${e.label.replace(/^keys /, '')}`
          : e.kind === 'silence'
            ? `stays silent (${e.label.replace(/^silent /, '')})`
            : e.kind === 'noise'
              ? `makes a noise (${e.label})`
              : `says "${e.label}"`;
      return `  ${secs(e.atMs)}  caller  ${what}${e.interrupting ? '  ← over the agent' : ''}`;
    }
    case 'agent_audio':
      return `  ${secs(e.atMs)}  agent   speaks${e.afterMs !== undefined ? ` (${Math.round(e.afterMs)} ms after the caller stopped)` : ''}`;
    case 'cut_off':
      return `  ${secs(e.atMs)}  agent   stops: Twilio cleared ${Math.round(e.droppedMs)} ms of queued audio`;
    case 'twilio':
      return `  ${secs(e.atMs)}  twilio  says "${e.text}"`;
    case 'tool':
      return `  ${secs(e.atMs)}  tool    ${showTool({ name: e.name, args: e.args })}`;
    case 'agent_words':
      return `  ${secs(e.atMs)}  agent   "${e.text.length > 100 ? `${e.text.slice(0, 99)}…` : e.text}"${e.cutOff ? ' (cut off)' : ''}`;
    case 'note':
      return `  ${secs(e.atMs)}  note    ${e.text}`;
    case 'ended':
      return `  ${secs(e.atMs)}  call    ended: ${endText(e.end.reason)}`;
  }
}

function endText(reason: string): string {
  const text: Record<string, string> = {
    caller_hangup: 'the caller hung up',
    completed_via_api: 'the agent hung up (REST Status=completed)',
    stream_closed: 'the voice-server closed the stream',
    dialed: 'transferred (<Dial>)',
    twiml_hangup: 'TwiML <Hangup>',
    twiml_finished: 'the TwiML ran out',
    dial_failed: 'Twilio refused the <Dial>',
    webhook_failed: 'the webhook failed',
    invalid_twiml: 'Twilio could not run the TwiML',
    stream_failed: 'the media stream was refused',
  };
  return text[reason] ?? reason;
}

const MARK: Record<CheckResult['status'], string> = { passed: '✓', failed: '✗', unchecked: '?' };

/** A finished scenario, turn by turn: what the caller did, what the agent said and called, the checks. */
export function scenarioAccount(r: ScenarioResult): string {
  const out: string[] = [];
  const head = r.status === 'error' ? 'UNUSABLE' : r.status.toUpperCase();
  out.push(`${head}  ${r.name}  (${r.file}, ${(r.durationMs / 1000).toFixed(1)} s)`);
  if (r.error) {
    out.push(`  cause: ${r.error}`);
    return maskNumbers(out.join('\n'));
  }
  const ev = r.evidence!;
  const lines = ev.agent?.lines ?? [];
  const agentText = (turn: number) => lines.filter((l) => l.turn === turn).map(agentLine);
  for (const t of agentText(-1)) out.push(`        agent: ${t}`);
  for (const t of ev.turns) {
    if (t.kind === 'pause' || t.kind === 'hangup') continue;
    const facts: string[] = [];
    if (t.replyLatencyMs !== undefined) facts.push(`answered after ${msText(t.replyLatencyMs)}`);
    if (t.bargeIn)
      facts.push(
        t.bargeIn.stopped
          ? `barged in: agent stopped after ${msText(t.bargeIn.stoppedAfterMs)}`
          : 'spoke over the agent, which did not stop',
      );
    if (t.startMs === undefined) facts.push('did not happen (the call had ended)');
    out.push(
      `  ${String(t.index + 1).padStart(2)}. caller: ${t.label}${facts.length ? `  [${facts.join('; ')}]` : ''}`,
    );
    if (t.waitNote) out.push(`        note: ${t.waitNote}`);
    for (const a of agentText(t.index)) out.push(`        agent: ${a}`);
    for (const c of r.checks.filter((c) => c.turn === t.index)) out.push(`        ${checkLine(c)}`);
  }
  if (ev.conversation?.callbacks.length) {
    for (const c of ev.conversation.callbacks)
      if (c.windowStart)
        out.push(
          `  callback booked: ${describeWindow(new Date(c.windowStart), c.windowEnd ? new Date(c.windowEnd) : null, ev.timezone)} (${ev.timezone})`,
        );
  }
  const switches = ev.conversation?.switches ?? [];
  if (switches.length > 0 || (ev.conversation?.languages?.length ?? 0) > 1) {
    const shown = switches.map(
      (w) =>
        `; switch ${w.from} → ${w.to} (${w.how}${w.confidence !== undefined ? ` ${w.confidence.toFixed(2)}` : ''}${w.served ? '' : ', not served'})`,
    );
    out.push(
      `  languages: ${(ev.conversation?.languages ?? []).join(', ') || '(none recorded)'}${shown.join('')}`,
    );
  }
  out.push(
    `  call: ${endText(ev.end.reason)} at ${(ev.end.atMs / 1000).toFixed(1)} s; ${ev.clears} cut-off(s)${ev.agent ? `; agent's words from ${ev.agent.source}` : ''}`,
  );
  for (const c of r.checks.filter((c) => c.turn === null)) out.push(`  ${checkLine(c)}`);
  return maskNumbers(out.join('\n'));
}

function agentLine(l: AgentLine): string {
  const tools = l.tools.map((u) => `[tool] ${showTool(u)}`);
  const cut = l.heard !== undefined ? ` (cut off; the caller heard "${l.heard}")` : ' (cut off)';
  const text = l.text
    ? `"${l.text}"${l.interrupted ? cut : ''}`
    : l.interrupted
      ? '(cut off before a word)'
      : '';
  return [text + languageNote(l), ...tools].filter(Boolean).join('  ');
}

/** `[es]` after a line not in English; `[en, asked for fr]` after one in another language than asked. */
function languageNote(l: AgentLine): string {
  if (!l.text || !l.language) return '';
  const asked =
    l.languageInForce && l.languageInForce !== l.language ? `, asked for ${l.languageInForce}` : '';
  return l.language === 'en' && !asked ? '' : ` [${l.language}${asked}]`;
}

function checkLine(c: CheckResult): string {
  const where =
    c.status === 'passed' ? '' : ` — ${c.status === 'failed' ? 'got' : 'not checked'}: ${c.actual}`;
  return `${MARK[c.status]} ${c.expected}${where}`;
}

/** Latency figures of a scenario's turns. */
export function latencyFigures(ev: Evidence | undefined): { mean?: number; worst?: number } {
  const values = (ev?.turns ?? []).flatMap((t) => (t.replyLatencyMs === undefined ? [] : [t.replyLatencyMs]));
  if (values.length === 0) return {};
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, worst: Math.max(...values) };
}

/** The table after a run of several scenarios. */
export function summaryTable(results: ScenarioResult[]): string {
  const rows = results.map((r) => {
    const count = (s: CheckResult['status']) => r.checks.filter((c) => c.status === s).length;
    const lat = latencyFigures(r.evidence);
    return [
      r.name,
      r.status === 'error' ? 'UNUSABLE' : r.status === 'passed' ? 'pass' : 'FAIL',
      `${count('passed')}/${r.checks.length}${count('unchecked') ? ` (${count('unchecked')} unchecked)` : ''}`,
      lat.mean === undefined ? '-' : `${Math.round(lat.mean)} / ${Math.round(lat.worst!)}`,
      `${(r.durationMs / 1000).toFixed(1)} s`,
    ];
  });
  const header = ['scenario', 'result', 'checks passed', 'reply ms mean / worst', 'time'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const passed = results.filter((r) => r.status === 'passed').length;
  const failed = results.filter((r) => r.status === 'failed').length;
  const errors = results.length - passed - failed;
  return [
    fmt(header),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...rows.map(fmt),
    '',
    `${passed} passed, ${failed} failed${errors ? `, ${errors} unusable` : ''}`,
  ].join('\n');
}

/** The run as JSON (audio left out; phone numbers masked, as everywhere call-sim writes). */
export function jsonReport(results: ScenarioResult[]): string {
  return maskNumbers(jsonText(results));
}

function jsonText(results: ScenarioResult[]): string {
  return JSON.stringify(
    {
      passed: results.filter((r) => r.status === 'passed').length,
      failed: results.filter((r) => r.status === 'failed').length,
      unusable: results.filter((r) => r.status === 'error').length,
      scenarios: results.map(({ audio: _audio, evidence, ...r }) => ({
        ...r,
        durationMs: Math.round(r.durationMs),
        ...(evidence ? { evidence: { ...evidence, placedAt: evidence.placedAt.toISOString() } } : {}),
      })),
    },
    (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v) : v),
    2,
  );
}

/** JUnit XML: one test case per scenario; failed checks in its failure, unusable ones as errors. */
export function junitReport(results: ScenarioResult[], suiteName = 'call-sim'): string {
  const esc = (s: string) =>
    maskNumbers(s).replace(
      /[<>&"']/g,
      (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
    );
  const failures = results.filter((r) => r.status === 'failed').length;
  const errors = results.filter((r) => r.status === 'error').length;
  const total = results.reduce((s, r) => s + r.durationMs, 0) / 1000;
  const cases = results.map((r) => {
    const open = `  <testcase classname="${esc(suiteName)}" name="${esc(r.name)}" file="${esc(r.file)}" time="${(r.durationMs / 1000).toFixed(3)}">`;
    const body: string[] = [];
    if (r.status === 'error')
      body.push(`    <error message="${esc(r.error ?? 'unusable')}" type="unusable"/>`);
    const failed = r.checks.filter((c) => c.status === 'failed');
    if (failed.length) {
      const text = failed
        .map(
          (c) =>
            `${c.turn === null ? 'call' : `turn ${c.turn + 1}${c.line ? ` (line ${c.line})` : ''}`}: expected ${c.expected}; got: ${c.actual}`,
        )
        .join('\n');
      body.push(
        `    <failure message="${esc(`${failed.length} expectation(s) failed`)}" type="expectation">${esc(text)}</failure>`,
      );
    }
    body.push(`    <system-out>${esc(scenarioAccount(r))}</system-out>`);
    return [open, ...body, '  </testcase>'].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${esc(suiteName)}" tests="${results.length}" failures="${failures}" errors="${errors}" time="${total.toFixed(3)}">`,
    `<testsuite name="${esc(suiteName)}" tests="${results.length}" failures="${failures}" errors="${errors}" time="${total.toFixed(3)}">`,
    ...cases,
    '</testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
