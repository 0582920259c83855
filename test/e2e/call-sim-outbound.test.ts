// call-sim's outbound mode against the demo stack: an outbound scenario (`direction: outbound`) has the
// product place the call through its outbound API with the brand's key; the Twilio simulator's callee
// at the scenario's number speaks the scenario's turns; the expectations (the agent's words, its tool
// call, the recorded outcome, who ended the call) are checked against the conversation it left.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from '../support/demo-stack.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'packages', 'simulators', 'src', 'cli', 'call-sim.ts');
const QUOTE = join(ROOT, 'examples', 'scenarios', 'outbound', 'quote.yaml');

interface Report {
  scenarios: Array<{
    name: string;
    status: string;
    error?: string;
    checks: Array<{ check: string; status: string; expected: string; actual: string }>;
  }>;
}

function callSim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: 'pipe', cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let demo: DemoStack;
let target: string;
let work: string;
beforeAll(async () => {
  demo = await startDemoStack();
  target = (await demo.serveAccess()).url;
  work = await mkdtemp(join(tmpdir(), 'call-sim-outbound-'));
}, 120_000);
afterAll(async () => {
  await demo?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('call-sim run with an outbound scenario', () => {
  it('places the call through the outbound API; the callee speaks the turns; outcome and words pass', async () => {
    const r = await callSim(['run', '--target', target, '--voice', 'simulated', '--json', QUOTE]);
    const report = JSON.parse(r.stdout) as Report;
    const scenario = report.scenarios[0]!;
    expect(scenario.error).toBeUndefined();
    expect(scenario.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(scenario.checks.map((c) => c.check)).toEqual(
      expect.arrayContaining(['tools', 'says', 'outcome', 'ended.by']),
    );
    expect(scenario.checks.filter((c) => c.check === 'outcome')).toHaveLength(3);
    expect(r.code).toBe(0);
  }, 120_000);

  it('fails a wrong outcome expectation, naming the field and what was recorded', async () => {
    const wrong = join(work, 'wrong-price.yaml');
    const { readFile } = await import('node:fs/promises');
    const text = (await readFile(QUOTE, 'utf8')).replace('outcome: { price: 450,', 'outcome: { price: 500,');
    await writeFile(wrong, text);
    const r = await callSim(['run', '--target', target, '--voice', 'simulated', '--json', wrong]);
    const report = JSON.parse(r.stdout) as Report;
    const failed = report.scenarios[0]!.checks.filter((c) => c.status === 'failed');
    expect(failed).toEqual([
      expect.objectContaining({ check: 'outcome', expected: 'outcome.price = 500', actual: '450' }),
    ]);
    expect(r.code).toBe(1);
  }, 120_000);
});
