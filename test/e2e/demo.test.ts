// The offline demo (`npm run demo` → `pnpm demo:run`), played in process through the same run the
// command uses (scripts/demo-run.ts with scripts/demo-call.yaml): the turn-by-turn view, the summary
// with each turn's latency and the barge-in point, the callback in the brand's zone as the agent said
// it, and with --serve a sign-in a person can type (no UUID anywhere in what the demo prints).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KnowledgeSearchResponse } from '@switchboard/service-kit/clients/ai-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoOutcome, runDemo } from '../../scripts/demo-run.ts';
import { ACME, SERVICE_TOKEN, STAFF } from '../support/constants.ts';
import { DEMO_BRAND, DEMO_TIMEZONE } from '../support/demo-stack.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let outcome: DemoOutcome;
let output: string;
let dataDir: string;
let tookMs: number;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'demo-e2e-'));
  const lines: string[] = [];
  const started = performance.now();
  outcome = await runDemo({ serve: true, dataDir, out: (line) => lines.push(line) });
  tookMs = performance.now() - started;
  output = lines.join('\n');
}, 300_000);
afterAll(async () => {
  await outcome?.demo?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The hour and minute of an instant in the brand's zone, as "14:00". */
const zoned = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: DEMO_TIMEZONE, hour: '2-digit', minute: '2-digit' }).format(
    new Date(iso),
  );

describe('the demo', () => {
  it('plays the scripted call and passes every expectation of scripts/demo-call.yaml', () => {
    expect(outcome.ok, output).toBe(true);
    expect(outcome.result.status).toBe('passed');
    console.info(`demo (stack start, call, report) took ${Math.round(tookMs)} ms`);
  });

  it('shows the call live and turn by turn: who speaks, the tools, the barge-in', () => {
    expect(output).toMatch(/^\s+\d+\.\d s {2}caller {2}says "How long does shipping take\?"$/m);
    expect(output).toMatch(/^\s+\d+\.\d s {2}tool {4}get_knowledge\(/m);
    expect(output).toMatch(/caller {2}says "Sorry, and how do returns work\?" {2}← over the agent$/m);
    expect(output).toMatch(/agent {3}stops: Twilio cleared \d+ ms of queued audio/);
    expect(output).toContain("What happened, turn by turn (call-sim's account):");
    for (const [i, said] of [
      'How long does shipping take?',
      'Sorry, and how do returns work?',
      'Could someone call me back tomorrow afternoon about a warranty claim?',
      "That's all, thank you.",
    ].entries())
      expect(output).toContain(`${i + 1}. caller: ${said}  [answered after`);
  });

  it("prints each turn's reply latency and where the caller barged in", () => {
    const summary = output.slice(output.indexOf('Summary:'));
    expect(summary).toMatch(/^ {2}turn {2}caller +reply after {2}barge-in$/m);
    for (const turn of [1, 2, 3, 4]) expect(summary).toMatch(new RegExp(`^ {2}${turn} +\\S.* \\d+ ms`, 'm'));
    // the caller spoke 3.5 s into the answer (the scenario's interrupt.afterMs) and the agent stopped
    expect(summary).toMatch(/^ {2}2 .* spoke 3\.\d s into the answer; it stopped \d+ ms later/m);
    expect(summary).toMatch(
      /reply latency \(speech stopped → first audio heard\): mean \d+ ms, worst \d+ ms/,
    );
    expect(summary).toMatch(/ended by the agent \(completed_via_api\); every expectation held/);
  });

  it("books the callback the agent promised, shown in the brand's zone (New York)", () => {
    const said = /the agent said: ".*between (\d+) and (\d+) pm Eastern\.?"/.exec(output);
    expect(said, output).not.toBeNull();
    const booked = /scheduled: .*, \w{3}, \w{3} \d+, (\d+):00–(\d+):00 pm E[SD]T \(stored (\S+);/.exec(
      output,
    );
    expect(booked, output).not.toBeNull();
    expect([booked![1], booked![2]]).toEqual([said![1], said![2]]);
    // the stored instant is that hour in New York, not in UTC
    expect(zoned(booked![3]!)).toBe(`${Number(said![1]) + 12}:00`);
    expect(output).toContain(`Callbacks (in the brand's time zone, ${DEMO_TIMEZONE}):`);
    expect(output).toContain('✓ the booking matches');
  });

  it('with --serve prints a sign-in a person can type, and the UI shows the brand by name', async () => {
    const url = outcome.demo!.stack.appServer.url;
    expect(output).toContain(`Conversations UI: ${url}/login?brand=${DEMO_BRAND.slug}`);
    expect(output).toMatch(new RegExp(`^ {2}brand: {4}${DEMO_BRAND.slug}$`, 'm'));
    expect(output).toContain(`  email:    ${STAFF.email}`);
    expect(output).toContain(`  password: ${STAFF.password}`);
    expect(output).not.toMatch(UUID);

    // what the person then types, as the login form posts it
    const signIn = await fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ brand: DEMO_BRAND.slug, email: STAFF.email, password: STAFF.password }),
    });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const page = await (await fetch(`${url}/conversations`, { headers: { cookie } })).text();
    const topbar = page.slice(page.indexOf('<header'), page.indexOf('</header>'));
    expect(topbar).toContain(`<span class="who-brand">${DEMO_BRAND.name}</span>`);
    expect(topbar).not.toMatch(UUID);
  });

  it('serves English and Spanish, with Spanish articles on shipping and returns', async () => {
    const ai = outcome.demo!.stack.ai.url;
    const headers = { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' };
    const profile = (await (
      await fetch(`${ai}/internal/profiles/${ACME.profileKey}`, { headers })
    ).json()) as {
      language: string;
      languages: Array<{ tag: string; lines: Record<string, string> }>;
    };
    expect(profile.language).toBe('en-US');
    expect(profile.languages.map((l: { tag: string }) => l.tag)).toEqual(['en-US', 'es']);
    expect(Object.keys(profile.languages[1]!.lines).sort()).toEqual(
      ['apology', 'callback', 'goodbye', 'stillThere', 'transfer', 'wrapUp'].sort(),
    );
    const search = async (query: string) =>
      (
        await fetch(`${ai}/voiceagent/search_knowledge_base/`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ profileKey: ACME.profileKey, query, language: 'es' }),
        })
      ).json() as Promise<KnowledgeSearchResponse>;
    const returns = await search('¿Cómo funcionan las devoluciones?');
    expect(returns).toMatchObject({ language: 'es', languageFellBack: false });
    expect(returns.results[0]).toMatchObject({ title: 'Devoluciones y reembolsos', language: 'es' });
    const shipping = await search('¿Cuánto tarda el envío exprés?');
    expect(shipping.results[0]).toMatchObject({ title: 'Envíos y plazos de entrega', language: 'es' });
  });
});
