// The call-sim CLI places a simulated call against a running voice-server from the command line.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_TOKEN, PUBLIC_BASE_URL, type Stack, startStack } from '../support/stack.ts';

const CLI = join(import.meta.dirname, '..', '..', 'packages', 'simulators', 'src', 'cli', 'call-sim.ts');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('call-sim CLI', () => {
  it('places a call, reports the turns as JSON and exits 0', async () => {
    stack = await startStack({
      realtime: {
        scenario: { greeting: 'Hello from Acme.', turns: [{ user: 'hi', say: 'Hi there, how can I help?' }] },
      },
    });
    const r = await run([
      '--url',
      stack.voiceUrl,
      '--public-url',
      PUBLIC_BASE_URL,
      '--auth-token',
      AUTH_TOKEN,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      twiml: string;
      end: { reason: string };
      turns: Array<{ label: string; responseLatencyMs?: number }>;
    };
    expect(report.twiml).toContain('<Stream url="wss://voice.switchboard.test/twilio-stream">');
    expect(report.end.reason).toBe('caller_hangup');
    expect(report.turns[0]).toMatchObject({ label: 'question' });
    expect(report.turns[0]!.responseLatencyMs).toBeGreaterThan(0);
  });

  it('exits 1 when voice-server refuses the signature, and 2 without its required options', async () => {
    stack = await startStack({});
    const refused = await run([
      '--url',
      stack.voiceUrl,
      '--public-url',
      PUBLIC_BASE_URL,
      '--auth-token',
      'wrong-token',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('webhook_failed');
    const usage = await run([]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--auth-token');
  });
});
