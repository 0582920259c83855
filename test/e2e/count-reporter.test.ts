// The test command's closing line (scripts/count-reporter.ts): a file whose setup failed counts as
// failed and is named, a missing tool comes with its install command, and a failing run never
// reads "0 failed".
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const CONFIG = join(import.meta.dirname, 'count-reporter-fixtures', 'vitest.fixture-config.ts');

function vitest(fixtures: string[]): Promise<{ code: number | null; lastLine: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', CONFIG],
      {
        cwd: ROOT,
        env: { ...process.env, FIXTURES: fixtures.join(','), CI: '' },
        stdio: 'pipe',
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', () => {});
    child.on('close', (code) => resolve({ code, lastLine: out.trim().split('\n').at(-1) ?? '' }));
  });
}

describe('the closing line', () => {
  it('is the plain count when everything passed', async () => {
    const r = await vitest(['passing']);
    expect(r.code).toBe(0);
    expect(r.lastLine).toBe('2 passed, 0 failed');
  });

  it("counts a file whose setup failed as failed, names it, and gives a missing tool's install command", async () => {
    const r = await vitest(['passing', 'missing-tool', 'broken-setup']);
    expect(r.code).not.toBe(0);
    expect(r.lastLine).toMatch(/^2 passed, 2 failed, 3 skipped — /);
    expect(r.lastLine).toContain(
      'test/e2e/count-reporter-fixtures/missing-tool.fixture.ts: missing tool chromium, install it with: apt-get install -y chromium',
    );
    expect(r.lastLine).toContain(
      'test/e2e/count-reporter-fixtures/broken-setup.fixture.ts: setup failed: the database did not start',
    );
    expect(r.lastLine).not.toMatch(/ 0 failed/);
  }, 60_000);
});
