import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../auth/passwords.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { type Harness, SERVICE_TOKEN, startHarness } from '../testing/harness.ts';
import { runStaffCreate, type StaffCreateIo } from './staff-create.ts';

function io(store: MemoryStore, stdinText: string, config: Partial<StaffCreateIo['config']> = {}) {
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => {
    const s = new PassThrough();
    s.on('data', (c: Buffer) => into.push(c.toString()));
    return s;
  };
  const value: StaffCreateIo = {
    stdin,
    stdout: sink(out),
    stderr: sink(err),
    config: { DATA_DIR: 'memory', DATABASE_URL: undefined, SERVICE_TOKEN: undefined, ...config },
    openStore: async () => store,
  };
  return { value, out, err };
}

describe('staff:create', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('creates an account in the database with a scrypt hash of the password read from stdin', async () => {
    const store = new MemoryStore();
    const { value, out } = io(store, 'a long enough secret\n');
    const code = await runStaffCreate(
      ['--brand', 'acme', '--email', 'Lee@Acme.test', '--name', 'Lee', '--password-stdin'],
      value,
    );
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/created staff lee@acme\.test \(.+\) for brand acme/);
    const staff = await store.findStaffByEmail('acme', 'lee@acme.test');
    expect(staff?.displayName).toBe('Lee');
    expect(staff?.passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('a long enough secret', staff!.passwordHash)).toBe(true);
  });

  it('refuses a short password, missing options, and an account that exists', async () => {
    const store = new MemoryStore();
    const short = io(store, 'short\n');
    expect(
      await runStaffCreate(['--brand', 'acme', '--email', 'a@acme.test', '--password-stdin'], short.value),
    ).toBe(2);
    expect(short.err.join('')).toContain('at least 10 characters');
    const missing = io(store, 'a long enough secret\n');
    expect(await runStaffCreate(['--email', 'a@acme.test'], missing.value)).toBe(2);
    expect(missing.err.join('')).toContain('usage: staff:create');
    const first = io(store, 'a long enough secret\n');
    expect(
      await runStaffCreate(['--brand', 'acme', '--email', 'a@acme.test', '--password-stdin'], first.value),
    ).toBe(0);
    const dup = io(store, 'a long enough secret\n');
    expect(
      await runStaffCreate(['--brand', 'acme', '--email', 'a@acme.test', '--password-stdin'], dup.value),
    ).toBe(1);
    expect(dup.err.join('')).toContain('already exists');
  });

  it('goes through a running server with --url and the service token', async () => {
    h = await startHarness();
    const baseUrl = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { value, out } = io(new MemoryStore(), 'a long enough secret\n', { SERVICE_TOKEN });
    const code = await runStaffCreate(
      ['--brand', 'globex', '--email', 'kim@globex.test', '--password-stdin', '--url', baseUrl],
      value,
    );
    expect(code).toBe(0);
    expect(out.join('')).toContain('kim@globex.test');
    expect((await h.store.findStaffByEmail('globex', 'kim@globex.test'))?.brandId).toBe('globex');
    const noToken = io(new MemoryStore(), 'a long enough secret\n');
    expect(
      await runStaffCreate(
        ['--brand', 'g', '--email', 'x@g.test', '--password-stdin', '--url', baseUrl],
        noToken.value,
      ),
    ).toBe(2);
  });

  it('runs as the package script', async () => {
    const cwd = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(
      'pnpm',
      ['run', '--silent', 'staff:create', '--brand', 'acme', '--email', 'cli@acme.test', '--password-stdin'],
      { cwd, env: { ...process.env, DATA_DIR: 'memory', DATABASE_URL: '' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    child.stdin.end('a long enough secret\n');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/created staff cli@acme\.test \([0-9a-f-]{36}\) for brand acme/);
  }, 60_000);
});
