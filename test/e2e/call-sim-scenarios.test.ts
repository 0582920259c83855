// call-sim as a brand's regression suite, from the command line, against the demo stack (the whole
// product on the simulators, started as test/support/full-stack.ts starts it): the example scenarios
// pass; a deliberately failing one exits 1 and says which turn, what was expected and what happened;
// unusable scenarios and targets exit 2 with the cause; a target without the simulators still gets
// what the caller can observe, and says what it cannot check.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcm16Samples, readWav } from '@switchboard/telephony';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_TOKEN, PUBLIC_BASE_URL } from '../support/constants.ts';
import { type DemoStack, startDemoStack } from '../support/demo-stack.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'packages', 'simulators', 'src', 'cli', 'call-sim.ts');
const EXAMPLES = join(ROOT, 'examples', 'scenarios');
const FIXTURES = join(import.meta.dirname, 'call-sim-scenarios');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function callSim(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: 'pipe', cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface JsonReport {
  passed: number;
  failed: number;
  unusable: number;
  scenarios: Array<{
    name: string;
    status: string;
    error?: string;
    checks: Array<{
      turn: number | null;
      line?: number;
      check: string;
      status: string;
      expected: string;
      actual: string;
    }>;
    evidence?: { turns: Array<{ label: string; replyLatencyMs?: number; bargeIn?: { stopped: boolean } }> };
  }>;
}

/** The live view of each scenario, by its progress line (`[i/N] name (file)`). */
function liveViews(text: string): Map<string, string> {
  const views = new Map<string, string>();
  for (const section of text.split(/\n(?=\[\d+\/\d+\] )/).slice(1)) {
    const [head, ...rest] = section.split('\n');
    views.set(head!, rest.join('\n'));
  }
  return views;
}

/** A loopback port nothing listens on (and one fetch accepts). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let demo: DemoStack;
let target: string;
let work: string;
beforeAll(async () => {
  demo = await startDemoStack();
  target = (await demo.serveAccess()).url;
  work = await mkdtemp(join(tmpdir(), 'call-sim-e2e-'));
  // the whole product starts here: 48–71 s seen on two CPUs under other jobs' load
}, 120_000);
afterAll(async () => {
  await demo?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('call-sim run against the demo stack', () => {
  it('passes every example scenario, with a JUnit file and the JSON report', async () => {
    const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual([
      'callback.yaml',
      'interruption.yaml',
      'keypad.yaml',
      'knowledge-question.yaml',
      'noisy-line.yaml',
      'silent-caller.yaml',
      'spanish-caller.yaml',
      'transfer.yaml',
    ]);
    const junit = join(work, 'examples.xml');
    const r = await callSim([
      'run',
      '--target',
      target,
      '--json',
      '--junit',
      junit,
      ...files.map((f) => join(EXAMPLES, f)),
    ]);
    const report = JSON.parse(r.stdout) as JsonReport;
    const failures = report.scenarios.flatMap((s) =>
      s.checks.filter((c) => c.status !== 'passed').map((c) => `${s.name}: ${c.expected} — ${c.actual}`),
    );
    expect(failures).toEqual([]);
    expect(report.scenarios.map((s) => s.status)).toEqual(files.map(() => 'passed'));
    expect(r.code).toBe(0);
    // the live view and the table went to stderr, next to the JSON on stdout
    expect(r.stderr).toMatch(/stops: Twilio cleared \d+ ms/);
    expect(r.stderr).toContain('8 passed, 0 failed');
    // a progress line opens each scenario's live view: who speaks, the tools, how the call ended
    const live = liveViews(r.stderr);
    expect([...live.keys()]).toEqual(
      report.scenarios.map((s, i) => `[${i + 1}/8] ${s.name} (${join(EXAMPLES, files[i]!)})`),
    );
    const transfer = live.get(`[8/8] transfer to a person (${join(EXAMPLES, 'transfer.yaml')})`)!;
    expect(transfer).toMatch(/^ +\d+\.\d s {2}agent {3}"Hi, thanks for calling Acme Outfitters\./m);
    expect(transfer).toMatch(/^ +\d+\.\d s {2}caller {2}says "My order arrived damaged\. I would like/m);
    expect(transfer).toMatch(/^ +\d+\.\d s {2}agent {3}speaks \(\d+ ms after the caller stopped\)$/m);
    expect(transfer).toMatch(
      /^ +\d+\.\d s {2}tool {4}transfer_to_human\(reason="Order arrived damaged", summary=".*, priority="high"\)$/m,
    );
    expect(transfer).toMatch(/^ +\d+\.\d s {2}agent {3}"I'm connecting you with a colleague now\."$/m);
    expect(transfer).toMatch(/^ +\d+\.\d s {2}call {4}ended: transferred \(<Dial>\)$/m);
    const keypad = [...live].find(([head]) => head.includes('keypad digits'))![1];
    expect(keypad).toMatch(/^ +\d+\.\d s {2}caller {2}presses 48213#$/m);
    const silent = [...live].find(([head]) => head.includes('silent caller'))![1];
    expect(silent).toMatch(/^ +\d+\.\d s {2}caller {2}stays silent \(for up to 40\.0 s\)$/m);
    expect(silent).toMatch(/^ +\d+\.\d s {2}agent {3}"Are you still there\?"$/m);
    const interruption = live.get(`[2/8] caller interrupts (${join(EXAMPLES, 'interruption.yaml')})`)!;
    expect(interruption).toMatch(/^ +\d+\.\d s {2}caller {2}says ".*" {2}← over the agent$/m);
    const interrupted = report.scenarios.find((s) => s.name === 'caller interrupts')!;
    expect(interrupted.evidence!.turns[1]!.bargeIn).toMatchObject({ stopped: true });
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('<testsuite name="call-sim" tests="8" failures="0" errors="0"');
    expect(xml.match(/<testcase /g)).toHaveLength(8);
  }, 400_000);

  it('exits 1 for a failed expectation, naming the turn, what was expected and what happened; writes both sides as WAV', async () => {
    const junit = join(work, 'failing.xml');
    const audioDir = join(work, 'audio');
    const r = await callSim([
      'run',
      '--target',
      target,
      '--junit',
      junit,
      '--audio-dir',
      audioDir,
      join(FIXTURES, 'wrong-promise.yaml'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED  wrong promise');
    // per turn: the latency bound, with what happened
    expect(r.stdout).toMatch(
      /1\. caller: Could someone call me back tomorrow afternoon\?.*\n(.*\n)*\s+✗ answer within 50 ms — got: answered after \d+ ms/,
    );
    // for the call: the window promised against the window booked, in the brand's zone
    expect(r.stdout).toMatch(
      /✗ callback on \d{4}-\d{2}-\d{2} from 14:00 to 16:00 \(America\/New_York\) — got: booked \d{4}-\d{2}-\d{2} 16:00–18:00 America\/New_York/,
    );
    expect(r.stdout).toContain('0 passed, 1 failed');
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('failures="1"');
    expect(xml).toMatch(/turn 1 \(line 6\): expected answer within 50 ms; got: answered after \d+ ms/);
    const [wavName] = await readdir(audioDir);
    expect(wavName).toBe('1-wrong-promise.wav');
    const wav = readWav(await readFile(join(audioDir, wavName!)));
    expect(wav).toMatchObject({ channels: 2, sampleRate: 8000, format: 'pcm16' });
    const samples = pcm16Samples(wav);
    const energy = (channel: number) => {
      let sum = 0;
      for (let i = channel; i < samples.length; i += 2) sum += samples[i]! ** 2;
      return sum;
    };
    // the caller spoke (left) and heard the agent (right)
    expect(energy(0)).toBeGreaterThan(0);
    expect(energy(1)).toBeGreaterThan(0);
  }, 120_000);

  it('exits 2 for a scenario it cannot use, naming the file, line and field, before calling anyone', async () => {
    const calls = demo.stack.twilioRest.requests.length;
    const r = await callSim([
      'run',
      '--target',
      target,
      join(EXAMPLES, 'keypad.yaml'),
      join(FIXTURES, 'broken.yaml'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /broken\.yaml:8:22: turns\[0\]\.expect\.tools\[0\]\.args\.query\.contians: unknown field/,
    );
    expect(r.stdout).toBe('');
    expect(demo.stack.twilioRest.requests.length).toBe(calls);
  });

  it('exits 2 for an unusable target, with the cause', async () => {
    const scenario = join(EXAMPLES, 'keypad.yaml');
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const refused = await callSim(['run', '--url', closed, '--auth-token', AUTH_TOKEN, scenario]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain(`cause: connection refused: nothing listens at ${closed}`);
    const wrongToken = await callSim([
      'run',
      '--url',
      demo.target.voiceServerUrl,
      '--public-url',
      PUBLIC_BASE_URL,
      '--auth-token',
      'not-the-token',
      scenario,
    ]);
    expect(wrongToken.code).toBe(2);
    expect(wrongToken.stdout).toContain('cause: signature rejected: the voice-server answered HTTP 403');
    const noAccess = await callSim(['run', '--target', closed, scenario]);
    expect(noAccess.code).toBe(2);
    expect(noAccess.stderr).toContain(`access server at ${closed} cannot be reached (ECONNREFUSED)`);
    // a webhook that answers TwiML Twilio cannot run (<Connect> without its <Stream>): Twilio stops
    // the call with an application error (12100, document parse failure), so nothing can be tested
    const badTwiml = createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/xml' })
        .end('<?xml version="1.0" encoding="UTF-8"?><Response><Connect></Connect></Response>'),
    );
    await new Promise<void>((resolve) => badTwiml.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(badTwiml.address() as AddressInfo).port}`;
      const invalid = await callSim(['run', '--url', url, '--auth-token', AUTH_TOKEN, scenario]);
      expect(invalid.code).toBe(2);
      expect(invalid.stdout).toContain('UNUSABLE  keypad digits');
      expect(invalid.stdout).toContain(
        'cause: TwiML invalid: <Connect> has no <Stream> (Twilio ends such a call: "an application error has occurred")',
      );
      expect(invalid.stdout).toMatch(/call {4}ended: Twilio could not run the TwiML$/m);
    } finally {
      await new Promise((resolve) => badTwiml.close(resolve));
    }
  }, 60_000);

  it('against a plain URL (as for staging) checks what the caller observes and says what it cannot check', async () => {
    // a model call-sim does not script, as on staging
    demo.stack.realtime.setScenario({
      greeting: 'Hello, Acme here.',
      turns: [{ say: 'Shipping takes three to five business days.' }, { say: 'Goodbye.' }],
    });
    const r = await callSim([
      'run',
      '--url',
      demo.target.voiceServerUrl,
      '--public-url',
      PUBLIC_BASE_URL,
      '--auth-token',
      AUTH_TOKEN,
      '--to',
      demo.target.to,
      '--json',
      join(EXAMPLES, 'knowledge-question.yaml'),
    ]);
    const report = JSON.parse(r.stdout) as JsonReport;
    const checks = report.scenarios[0]!.checks;
    const status = (check: string) => checks.filter((c) => c.check === check).map((c) => c.status);
    expect(status('replyWithinMs')).toEqual(['passed']);
    expect(status('ended.by')).toEqual(['passed']);
    expect(status('tools')).toEqual(['unchecked']);
    expect(status('transfer')).toEqual(['unchecked']);
    expect(checks.find((c) => c.check === 'tools')!.actual).toMatch(/cannot be seen from the caller's side/);
    expect(checks.find((c) => c.check === 'transfer')!.actual).toMatch(/REST API/);
    expect(r.stderr).toContain("caller's side only");
    expect(r.code).toBe(0);
  }, 120_000);
});

describe('call-sim load against the demo stack', () => {
  it('drives concurrent calls and reports latency percentiles, dropped frames and failures', async () => {
    const r = await callSim([
      'load',
      '--target',
      target,
      '--calls',
      '3',
      '--seconds',
      '8',
      '--ramp',
      '1',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const figures = JSON.parse(r.stdout) as {
      calls: number;
      completed: number;
      failures: Record<string, number>;
      replyLatencyMs: { count: number; p50: number; p99: number; max: number };
      droppedFrames: number;
    };
    expect(figures).toMatchObject({ calls: 3, completed: 3, failures: {} });
    expect(figures.replyLatencyMs.count).toBeGreaterThanOrEqual(3);
    expect(figures.replyLatencyMs.p50).toBeGreaterThan(0);
    expect(figures.replyLatencyMs.p99).toBeLessThanOrEqual(figures.replyLatencyMs.max);
    expect(figures.droppedFrames).toBeGreaterThanOrEqual(0);
    expect(r.stderr).toMatch(/\[#*\.*\] \d+%/);
  }, 60_000);
});
