// What each image would hold, proven without a Docker engine: scripts/deploy-service.mjs (the step the
// Dockerfile runs) deploys every image's package into a temporary folder once per run, and the tests
// start each folder with the Dockerfile's own command, environment and health check, as a user who
// cannot write to it (the image's read-only root filesystem).
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDockerfile, type Stage } from './dockerfile.ts';
import {
  DATABASE_SERVICES,
  DEPLOYABLE,
  MIGRATE_COMMAND,
  ROOT,
  readManifest,
  type Target,
  workspaceClosure,
  workspacePackages,
} from './workspace.ts';

const TARGETS = Object.keys(DEPLOYABLE) as Target[];
const run = promisify(execFile);
const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const asRoot = process.getuid?.() === 0;
/** The unprivileged user the services run as here (the image's `node` user has its own uid; any non-root one proves the point). */
const NOBODY = 65534;

let work: string;
const deployed = new Map<Target, { dir: string; ms: number }>();
const running = new Set<ChildProcess>();
/** PGlite folders the migration tests migrated; the start tests open them (as a service does after the migration step). */
const migrated = new Map<Target, string>();

function stageOf(target: Target): Stage {
  const stage = stages.get(target);
  if (!stage) throw new Error(`the Dockerfile has no ${target} target`);
  return stage;
}

/** A folder the service user may write to (its TMPDIR, its PGlite data). */
function scratch(name: string): string {
  const dir = join(work, 'scratch', name);
  mkdirSync(dir, { recursive: true });
  if (asRoot) chownSync(dir, NOBODY, NOBODY);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Runs argv in `cwd` as the service user would (nobody, when the tests run as root). */
function launch(argv: readonly string[], cwd: string, env: Record<string, string>): ChildProcess {
  const [cmd, ...args] = asRoot
    ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv]
    : [...argv];
  const child = spawn(cmd!, args, {
    cwd,
    // Only what the image sets and the test passes: nothing from the workspace's environment leaks in.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return () => out;
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? 'unknown');
    });
  });
}

async function waitForOk(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before answering:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never answered 200:\n${output()}`);
}

/** Runs the image's HEALTHCHECK command (as Docker would, inside the container) and returns its exit code. */
async function healthcheck(stage: Stage, env: Record<string, string>): Promise<number | string> {
  const probe = launch(stage.healthcheck!, deployed.get(stage.name as Target)!.dir, env);
  return exited(probe, 10_000);
}

/** Package names (as pnpm names virtual-store folders) installed in a deployed folder. */
function installed(dir: string): Set<string> {
  return new Set(
    readdirSync(join(dir, 'node_modules', '.pnpm'))
      .filter((e) => e !== 'node_modules' && e !== 'lock.yaml')
      .map((e) => {
        const at = e.indexOf('@', 1);
        return e.slice(0, at).replace('+', '/');
      }),
  );
}

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(path));
    else if (e.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sb-deployed-'));
  // mkdtemp makes the folder private to root; the service user must be able to read what is inside.
  chmodSync(work, 0o755);
  await Promise.all(
    TARGETS.map(async (target) => {
      const dir = join(work, target);
      const started = performance.now();
      await run('node', ['scripts/deploy-service.mjs', target, dir], { cwd: ROOT });
      deployed.set(target, { dir, ms: performance.now() - started });
    }),
  );
  const sizes = TARGETS.map((t) => {
    const kb = Number(execFileSync('du', ['-sk', join(work, t)], { encoding: 'utf8' }).split('\t')[0]);
    return `${t} ${Math.round(deployed.get(t)!.ms)} ms, ${Math.round(kb / 1024)} MiB`;
  });
  console.log(`[deploy] pnpm deploy --prod: ${sizes.join('; ')}`);
}, 300_000);

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(DATABASE_SERVICES)('the %s image and its database', (target) => {
  const dir = () => deployed.get(target)!.dir;

  it('holds its generated Prisma client and its migrations', () => {
    expect(existsSync(join(dir(), 'generated', 'prisma', 'client.ts'))).toBe(true);
    const migrations = readdirSync(join(dir(), 'prisma', 'migrations')).filter((m) => /^\d{14}_/.test(m));
    const inSource = readdirSync(join(ROOT, DEPLOYABLE[target], 'prisma', 'migrations')).filter((m) =>
      /^\d{14}_/.test(m),
    );
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations).toEqual(inSource);
    for (const m of migrations)
      expect(existsSync(join(dir(), 'prisma', 'migrations', m, 'migration.sql'))).toBe(true);
  });

  it('applies its migrations with the migration step’s command, once', async () => {
    const data = scratch(`${target}-data`);
    migrated.set(target, data);
    const env = { ...stageOf(target).env, TMPDIR: scratch(`${target}-migrate-tmp`) };
    const run = async () => {
      const child = launch([...MIGRATE_COMMAND, '--data-dir', data], dir(), env);
      const output = collect(child);
      const code = await exited(child, 60_000);
      return { code, output: output() };
    };
    const first = await run();
    expect(first, first.output).toMatchObject({ code: 0 });
    expect(first.output).toMatch(/applied: \d{14}_\w+/);
    const second = await run();
    expect(second, second.output).toMatchObject({ code: 0 });
    expect(second.output).toMatch(/applied: none/);
  }, 120_000);
});

describe.each(TARGETS)('the %s image', (target) => {
  const source = DEPLOYABLE[target];
  const manifest = readManifest(source);
  const dir = () => deployed.get(target)!.dir;

  it('holds the package, its production dependencies and the workspace packages it uses, nothing else', () => {
    const pkg = JSON.parse(readFileSync(join(dir(), 'package.json'), 'utf8')) as {
      devDependencies?: Record<string, string>;
    };
    expect(Object.keys(pkg.devDependencies ?? {})).toEqual([]);
    // Top level: the package's own files, no other workspace folder.
    const top = readdirSync(dir()).filter((e) => e !== 'node_modules');
    for (const e of top) expect(existsSync(join(ROOT, source, e)), `${e} is not in ${source}`).toBe(true);
    expect(top).not.toEqual(expect.arrayContaining(['packages']));
    expect(testFiles(dir())).toEqual([]);
    // Direct dependencies: exactly the manifest's `dependencies`.
    const direct = readdirSync(join(dir(), 'node_modules'))
      .filter((e) => !e.startsWith('.'))
      .flatMap((e) =>
        e.startsWith('@') ? readdirSync(join(dir(), 'node_modules', e)).map((s) => `${e}/${s}`) : [e],
      );
    expect(direct.sort()).toEqual(Object.keys(manifest.dependencies ?? {}).sort());
    // Workspace packages: exactly the ones it depends on in production, each without its tests.
    const closure = workspaceClosure(source);
    const store = installed(dir());
    const workspaceNames = workspacePackages().map((p) => p.manifest.name);
    expect(workspaceNames.filter((n) => store.has(n)).sort()).toEqual([...closure].sort());
    for (const name of closure) {
      const copy = join(dir(), 'node_modules', ...name.split('/'));
      if (existsSync(copy)) expect(testFiles(copy), `${name} carries tests`).toEqual([]);
    }
    // Development tools: the root's, and the package's own dev dependencies, are absent.
    const root = readManifest('.');
    const devOnly = [
      ...Object.keys(root.devDependencies ?? {}).filter((n) => !n.startsWith('@types/')),
      ...Object.keys(manifest.devDependencies ?? {}),
      '@switchboard/e2e',
    ].filter((n) => !(n in (manifest.dependencies ?? {})) && !closure.has(n));
    expect(devOnly.filter((n) => store.has(n))).toEqual([]);
  });

  it('starts with the Dockerfile command as a user who cannot write to it, answers the health check, stops on SIGTERM', async () => {
    const stage = stageOf(target);
    expect(stage.from).toBe('runtime');
    expect(stage.env.NODE_ENV).toBe('production');
    expect(stage.user).toBe('node');
    expect(stage.entrypoint).toEqual(['/usr/bin/tini', '--']);
    expect(stage.healthcheck).toBeDefined();
    if (!asRoot)
      console.log('[deploy] not root: the service runs as this user, the read-only check is weaker');

    const port = await freePort();
    const env: Record<string, string> = { ...stage.env, TMPDIR: scratch(`${target}-tmp`), HOST: '127.0.0.1' };
    let health: string;
    if (target === 'simulators') {
      const [realtime, twilio] = [await freePort(), await freePort()];
      Object.assign(env, {
        SIM_HOST: '127.0.0.1',
        SIM_KNOWLEDGE_PORT: String(port),
        SIM_REALTIME_PORT: String(realtime),
        SIM_TWILIO_PORT: String(twilio),
        TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
        TWILIO_AUTH_TOKEN: 'offline-token',
      });
      health = `http://127.0.0.1:${port}/health`;
    } else {
      Object.assign(env, { PORT: String(port), SERVICE_TOKEN: 'deploy-test-token' });
      if (target === 'voice-server')
        Object.assign(env, {
          PUBLIC_BASE_URL: 'https://voice.example.com',
          TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
          TWILIO_AUTH_TOKEN: 'offline-token',
          OPENAI_API_KEY: 'sk-offline',
          AI_SERVER_URL: 'http://127.0.0.1:9',
          APP_SERVER_URL: 'http://127.0.0.1:9',
        });
      if (target === 'ai-server' || target === 'app-server')
        env.DATA_DIR = migrated.get(target) ?? scratch(`${target}-data`);
      if (target === 'app-server') env.SESSION_SECRET = 's'.repeat(32);
      health = `http://127.0.0.1:${port}/health-check/live`;
    }

    const child = launch(stage.cmd!, dir(), env);
    const output = collect(child);
    await waitForOk(health, child, output);
    expect(await healthcheck(stage, env)).toBe(0);
    if (target !== 'simulators') {
      expect((await fetch(`http://127.0.0.1:${port}/health-check/ready`)).status).toBe(200);
      expect(output()).not.toContain('deploy-test-token');
    }
    if (target === 'ai-server') expect(output()).toMatch(/"migrationsApplied":0,.*database ready/);
    if (target === 'app-server') expect(output()).toMatch(/database ready/);

    child.kill('SIGTERM');
    expect(await exited(child, 20_000)).toBe(0);
    expect(await healthcheck(stage, env)).not.toBe(0);
  }, 120_000);
});
