/**
 * Expectations on the call's languages: the language of the agent's replies (per turn or per call),
 * the call's languages in order (app-server's `languages`: the one it started in, then each served
 * switch's) and the language switches app-server recorded. A tag without a region matches any region
 * of its language (`es` matches `es-MX`); one with a region must match it (case aside).
 */
import type { AgentLine, Evidence, SeenSwitch } from './evidence.ts';
import type { SwitchExpectation } from './scenario-types.ts';

/** A check's outcome, as expectations.ts reports it (without the turn). */
interface Partial {
  check: string;
  status: 'passed' | 'failed' | 'unchecked';
  expected: string;
  actual: string;
  source?: string;
}
type AgentView = { lines: AgentLine[]; source: string } | { unchecked: string };

const verdict = (ok: boolean, actual: string) => ({
  status: ok ? ('passed' as const) : ('failed' as const),
  actual,
});

/** True when the language `actual` is what `expected` asks for. */
export function tagMatches(expected: string, actual: string): boolean {
  const e = expected.toLowerCase();
  const a = actual.toLowerCase();
  return e === a || (!e.includes('-') && a.split('-')[0] === e);
}

/** The agent's replies (the turn's, or the call's) were all in `expected`. */
export function checkReplyLanguage(expected: string, agent: AgentView): Partial {
  const check = { check: 'language', expected: `the agent replies in ${expected}` };
  if ('unchecked' in agent) return { ...check, status: 'unchecked', actual: agent.unchecked };
  const spoken = agent.lines.filter((l) => l.text);
  if (spoken.some((l) => l.language === undefined))
    return {
      ...check,
      status: 'unchecked',
      actual: `${agent.source} does not say which language each reply was in; run the scenario on the simulators (--target)`,
    };
  if (spoken.length === 0)
    return { ...check, source: agent.source, status: 'failed', actual: 'the agent said nothing' };
  const wrong = spoken.filter((l) => !tagMatches(expected, l.language!));
  const show = (l: AgentLine) =>
    `${l.language}${l.languageInForce && l.languageInForce !== l.language ? ` (asked for ${l.languageInForce})` : ''}: "${clip(l.text)}"`;
  return {
    ...check,
    source: agent.source,
    ...verdict(
      wrong.length === 0,
      wrong.length === 0 ? `replied in ${spoken[0]!.language}` : `replied in ${wrong.map(show).join(' / ')}`,
    ),
  };
}

/** The call's languages in order: app-server's list, or the languages the simulated model was asked for. */
export function checkCallLanguages(expected: string[], ev: Evidence): Partial {
  const check = { check: 'languages', expected: `the call's languages are ${expected.join(', ')}` };
  const same = (actual: string[]) =>
    actual.length === expected.length && expected.every((e, i) => tagMatches(e, actual[i]!));
  const languages = ev.conversation?.languages;
  if (languages)
    return {
      ...check,
      source: 'app-server',
      ...verdict(same(languages), languages.length ? languages.join(', ') : 'none recorded'),
    };
  if (ev.agent?.source === 'simulated model') {
    const asked: string[] = [];
    for (const l of ev.agent.lines)
      if (l.languageInForce && asked.at(-1) !== l.languageInForce) asked.push(l.languageInForce);
    const distinct = asked.filter((l, i) => asked.indexOf(l) === i);
    // the model only knows primary subtags: compare those
    const primary = (tags: string[]) => tags.map((t) => t.split('-')[0]!.toLowerCase());
    const ok = distinct.length === expected.length && primary(expected).every((e, i) => e === distinct[i]);
    return {
      ...check,
      source: 'simulated model (the languages its instructions asked for)',
      ...verdict(ok, distinct.length ? distinct.join(', ') : 'the model never spoke'),
    };
  }
  return {
    ...check,
    status: 'unchecked',
    actual: ev.conversation
      ? "this app-server does not report a conversation's languages"
      : "needs app-server's staff API (--app-server) or a target on the simulators (--target)",
  };
}

/** The language switches app-server recorded: exactly these many, each with the fields given. */
export function checkSwitches(expected: SwitchExpectation[], ev: Evidence): Partial {
  const want = expected.length === 0 ? 'no language switch' : expected.map(showExpected).join('; ');
  const check = { check: 'switches', expected: want };
  if (!ev.conversation)
    return {
      ...check,
      status: 'unchecked',
      actual:
        "language switches are recorded by app-server: give its staff API (--app-server) or run on the simulators' stack (--target)",
    };
  const seen = ev.conversation.switches ?? [];
  if (seen.length === 0 && ev.conversation.languages === undefined)
    return { ...check, status: 'unchecked', actual: 'this app-server does not record language switches' };
  const fits = (e: SwitchExpectation, s: SeenSwitch) =>
    (e.from === undefined || tagMatches(e.from, s.from)) &&
    (e.to === undefined || tagMatches(e.to, s.to)) &&
    (e.how === undefined || e.how === s.how) &&
    (e.served === undefined || e.served === s.served);
  const ok = seen.length === expected.length && expected.every((e, i) => fits(e, seen[i]!));
  return {
    ...check,
    source: 'app-server',
    ...verdict(ok, seen.length ? seen.map(showSeen).join('; ') : 'no language switch'),
  };
}

function showExpected(e: SwitchExpectation): string {
  const parts = [`${e.from ?? '*'} → ${e.to ?? '*'}`];
  if (e.how) parts.push(e.how);
  if (e.served !== undefined) parts.push(e.served ? 'served' : 'not served');
  return parts.join(', ');
}

function showSeen(s: SeenSwitch): string {
  const confidence = s.confidence !== undefined ? ` ${s.confidence.toFixed(2)}` : '';
  return `${s.from} → ${s.to}, ${s.how}${confidence}, ${s.served ? 'served' : 'not served'}`;
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
