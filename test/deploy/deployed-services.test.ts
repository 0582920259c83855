// What each image would hold, proven without a Docker engine: scripts/deploy-service.mjs (the step the
// Dockerfile runs) deploys every image's package into a temporary folder once per run. The tests look
// inside, run the migration step, then start all four folders wired together with the Dockerfile's own
// command, environment and health check, as a user who cannot write to them (the images' read-only
// root filesystem), place a simulated call through them, and stop them with SIGTERM.
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
import { COMPOSE_PATH, readCompose } from './compose.ts';
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

/** Names some installed package declares as a dependency: present because production needs them. */
function requiredByInstalled(dir: string): Set<string> {
  const store = join(dir, 'node_modules', '.pnpm');
  const out = new Set<string>();
  for (const entry of readdirSync(store)) {
    const modules = join(store, entry, 'node_modules');
    if (!existsSync(modules)) continue;
    const at = entry.indexOf('@', 1);
    const name = entry.slice(0, at).replace('+', '/');
    const manifest = join(modules, ...name.split('/'), 'package.json');
    if (!existsSync(manifest)) continue;
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    for (const d of Object.keys({ ...m.dependencies, ...m.optionalDependencies, ...m.peerDependencies }))
      out.add(d);
  }
  return out;
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
  const started = performance.now();
  if (work) rmSync(work, { recursive: true, force: true });
  console.log(`[deploy] removed the deployed folders in ${Math.round(performance.now() - started)} ms`);
  // Four deployed folders are tens of thousands of files: on a loaded machine that takes a while.
}, 120_000);

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
    // A dev tool may still be there when a production dependency needs it (prisma's config
    // loader pulls in fast-check through effect); then it is there for production, not for tests.
    const needed = requiredByInstalled(dir());
    expect(devOnly.filter((n) => store.has(n) && !needed.has(n))).toEqual([]);
  });

  it('is built FROM the shared runtime: production mode, non-root, tini, a health check', () => {
    const stage = stageOf(target);
    expect(stage.from).toBe('runtime');
    expect(stage.env.NODE_ENV).toBe('production');
    expect(stage.user).toBe('node');
    expect(stage.entrypoint).toEqual(['/usr/bin/tini', '--']);
    expect(stage.healthcheck).toBeDefined();
    expect(stage.instructions).toContainEqual({
      op: 'COPY',
      args: `--from=deploy-${target} --chown=root:root /out /app`,
    });
    expect(stages.get(`deploy-${target}`)!.instructions).toContainEqual({
      op: 'RUN',
      args: `node scripts/deploy-service.mjs ${target} /out`,
    });
  });
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
      const code = await exited(child, 90_000);
      return { code, output: output() };
    };
    const first = await run();
    expect(first, first.output).toMatchObject({ code: 0 });
    expect(first.output).toMatch(/applied: \d{14}_\w+/);
    const second = await run();
    expect(second, second.output).toMatchObject({ code: 0 });
    expect(second.output).toMatch(/applied: none/);
  }, 180_000);
});

describe('the ai-server image’s offline embeddings', () => {
  const dir = () => deployed.get('ai-server')!.dir;

  it('holds the converted word vectors, not the 300 MB JSON they were built from', () => {
    const vectors = join(
      dir(),
      'node_modules',
      '@switchboard',
      'word-vectors',
      'data',
      'glove-100d-100k.bin',
    );
    expect(existsSync(vectors)).toBe(true);
    expect([...installed(dir())].filter((n) => n.startsWith('wink-'))).toEqual([]);
  });

  it('searches with them when no embeddings key is given (the default), as the service user', async () => {
    const port = await freePort();
    const stage = stageOf('ai-server');
    const env = {
      ...stage.env,
      TMPDIR: scratch('ai-server-local-tmp'),
      HOST: '127.0.0.1',
      PORT: String(port),
      SERVICE_TOKEN: 'deploy-test-local',
      OPERATOR_TOKEN: 'deploy-test-local-operator',
      DATA_DIR: 'memory',
    };
    const child = launch(stage.cmd!, dir(), env);
    const output = collect(child);
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForOk(`${base}/health-check/live`, child, output);
      expect(output()).toContain('"embeddings":"glove-100d-sif-v1@256"');
      const post = async (path: string, token: string, body: unknown) => {
        const res = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
        return res.json() as Promise<Record<string, unknown>>;
      };
      const created = (await post('/operator/brands', env.OPERATOR_TOKEN, { name: 'Acme' })) as {
        apiKey: { key: string };
      };
      const key = created.apiKey.key;
      await post('/admin/knowledge/articles', key, {
        articles: [
          {
            externalId: 'ship',
            title: 'Shipping times',
            body: 'Standard shipping takes 3 to 5 business days.',
          },
          { externalId: 'pay', title: 'Ways to pay', body: 'We accept Visa, Mastercard and PayPal.' },
        ],
      });
      const found = (await post('/admin/knowledge/search', key, { query: 'when will my parcel arrive' })) as {
        mode: string;
        topSimilarity: number | null;
        results: Array<{ title: string }>;
      };
      // No word of the question is in either article: only the word vectors can find it.
      expect(found.mode).toBe('hybrid');
      expect(found.topSimilarity).toEqual(expect.any(Number));
      expect(found.results[0]?.title).toBe('Shipping times');
    } finally {
      child.kill('SIGTERM');
      await exited(child, 30_000);
    }
  }, 120_000);
});

describe('the four images wired together', () => {
  const TOKEN = 'deploy-test-service-token';
  const OPERATOR = 'deploy-test-operator-token';
  const PUBLIC_BASE_URL = 'https://voice.example.com';
  const TWILIO = {
    TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
    TWILIO_AUTH_TOKEN: 'deploy-test-twilio',
  };
  const OPENAI_API_KEY = 'sk-deploy-test';
  const procs = new Map<Target, { child: ChildProcess; env: Record<string, string>; output: () => string }>();
  const ports = {} as Record<'voice' | 'ai' | 'app' | 'knowledge' | 'realtime' | 'twilio' | 'chat', number>;

  beforeAll(async () => {
    for (const k of ['voice', 'ai', 'app', 'knowledge', 'realtime', 'twilio', 'chat'] as const)
      ports[k] = await freePort();
    const local = (port: number) => `http://127.0.0.1:${port}`;
    const envs: Record<Target, Record<string, string>> = {
      simulators: {
        SIM_HOST: '127.0.0.1',
        SIM_KNOWLEDGE_PORT: String(ports.knowledge),
        SIM_REALTIME_PORT: String(ports.realtime),
        SIM_TWILIO_PORT: String(ports.twilio),
        SIM_CHAT_PORT: String(ports.chat),
        SIM_PACING: 'burst',
        OPENAI_API_KEY,
        ...TWILIO,
      },
      'ai-server': {
        PORT: String(ports.ai),
        SERVICE_TOKEN: TOKEN,
        OPERATOR_TOKEN: OPERATOR,
        DATA_DIR: migrated.get('ai-server') ?? scratch('ai-server-data'),
        OPENAI_API_KEY,
        OPENAI_BASE_URL: `${local(ports.knowledge)}/v1`,
      },
      'app-server': {
        PORT: String(ports.app),
        SERVICE_TOKEN: TOKEN,
        SESSION_SECRET: 's'.repeat(32),
        DATA_DIR: migrated.get('app-server') ?? scratch('app-server-data'),
      },
      'voice-server': {
        PORT: String(ports.voice),
        SERVICE_TOKEN: TOKEN,
        PUBLIC_BASE_URL,
        ...TWILIO,
        TWILIO_API_BASE_URL: local(ports.twilio),
        OPENAI_API_KEY,
        OPENAI_REALTIME_URL: `ws://127.0.0.1:${ports.realtime}/v1/realtime`,
        AI_SERVER_URL: local(ports.ai),
        APP_SERVER_URL: local(ports.app),
      },
    };
    if (!asRoot)
      console.log('[deploy] not root: the services run as this user, so the read-only check is weaker');
    for (const target of TARGETS) {
      const stage = stageOf(target);
      const env = { ...stage.env, TMPDIR: scratch(`${target}-tmp`), HOST: '127.0.0.1', ...envs[target] };
      const child = launch(stage.cmd!, deployed.get(target)!.dir, env);
      procs.set(target, { child, env, output: collect(child) });
    }
    await Promise.all(
      TARGETS.map((t) => {
        const { child, output } = procs.get(t)!;
        const url =
          t === 'simulators'
            ? `${local(ports.knowledge)}/health`
            : `${local(Number(envs[t].PORT))}/health-check/live`;
        return waitForOk(url, child, output);
      }),
    );
  }, 240_000);

  it.each(TARGETS)('%s answers its image’s HEALTHCHECK and keeps secrets out of its log', async (target) => {
    const { env, output } = procs.get(target)!;
    expect(await healthcheck(stageOf(target), env)).toBe(0);
    expect(output()).not.toContain(TOKEN);
    expect(output()).not.toContain(TWILIO.TWILIO_AUTH_TOKEN);
    if (target === 'ai-server') expect(output()).toMatch(/"migrationsApplied":0,.*database ready/);
    if (target === 'app-server') expect(output()).toMatch(/database ready/);
  });

  it('takes a call: the offline seed gives ai-server a brand, and the compose `call` command reaches it', async () => {
    const seedEnv = {
      AI_SERVER_URL: `http://127.0.0.1:${ports.ai}`,
      SERVICE_TOKEN: TOKEN,
      OPERATOR_TOKEN: OPERATOR,
    };
    const seed = async () => {
      const child = launch(['node', join(ROOT, 'deploy', 'seed-offline.mjs')], work, seedEnv);
      const output = collect(child);
      return { code: await exited(child, 30_000), output: output() };
    };
    const first = await seed();
    expect(first, first.output).toMatchObject({ code: 0 });
    expect(first.output).toMatch(/answers \+18005550100/);
    expect((await seed()).output).toMatch(/already answered/);

    // docker-compose.yml's caller, pointed at this stack instead of the compose network.
    const command = readCompose(COMPOSE_PATH).services.call!.command!.map((arg) =>
      arg === 'http://voice-server:8080'
        ? `http://127.0.0.1:${ports.voice}`
        : arg.startsWith('${PUBLIC_BASE_URL')
          ? PUBLIC_BASE_URL
          : arg,
    );
    const caller = launch([...command, '--json'], deployed.get('simulators')!.dir, {
      ...stageOf('simulators').env,
      TMPDIR: scratch('call-tmp'),
      ...TWILIO,
    });
    const output = collect(caller);
    expect(await exited(caller, 90_000), output()).toBe(0);
    const report = JSON.parse(output().slice(output().indexOf('{'))) as {
      end: { reason: string };
      heardMs: number;
      turns: Array<{ responseLatencyMs?: number }>;
      protocolErrors: number;
    };
    expect(report.end.reason).toBe('caller_hangup');
    expect(report.heardMs).toBeGreaterThan(0);
    expect(report.turns[0]?.responseLatencyMs).toBeGreaterThanOrEqual(0);
    expect(report.protocolErrors).toBe(0);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.voice}/metrics`)).text();
    expect(metrics).toMatch(/^voice_calls_started_total 1$/m);
  }, 120_000);

  it.each(TARGETS)(
    '%s exits 0 on SIGTERM, and its health check then fails',
    async (target) => {
      const { child, env } = procs.get(target)!;
      child.kill('SIGTERM');
      expect(await exited(child, 30_000)).toBe(0);
      expect(await healthcheck(stageOf(target), env)).not.toBe(0);
    },
    60_000,
  );
});
