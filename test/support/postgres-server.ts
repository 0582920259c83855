// A throwaway PostgreSQL server for tests that need a real one (several processes on one database):
// the machine's Debian build, a fresh cluster in a temporary folder on a free port, removed at the
// end. Never the machine's own cluster. Missing server binaries are installed with apt when running
// as root (as CI does); otherwise the test fails saying how to install them. It never skips.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL_HINT = 'apt-get update && apt-get install -y postgresql';
const PG_ROOT = '/usr/lib/postgresql';

export interface TestPostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  /** Runs SQL as the superuser (psql), e.g. to cut connections. */
  psql(sql: string): string;
  stop(): void;
}

/** The newest installed server's bin folder, or undefined. */
function serverBin(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(PG_ROOT, versions[0], 'bin') : undefined;
}

function installServer(): string {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot)
    throw new Error(
      `PostgreSQL server binaries are not installed and this is not root. Install them: ${INSTALL_HINT}`,
    );
  process.stderr.write(`PostgreSQL server not found: installing it with apt (${INSTALL_HINT})\n`);
  const run = (args: string[]) => {
    const r = spawnSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0)
      throw new Error(
        `could not install PostgreSQL (apt-get ${args.join(' ')}): ${r.stderr.toString().slice(-500)}`,
      );
  };
  run(['update']);
  run(['install', '-y', '--no-install-recommends', 'postgresql']);
  const bin = serverBin();
  if (!bin) throw new Error(`PostgreSQL was installed but no server was found under ${PG_ROOT}`);
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a private PostgreSQL cluster; `stop()` removes it. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = serverBin() ?? installServer();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  // The server refuses to run as root: run it as the postgres account the package creates.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    let uid: number;
    let gid: number;
    try {
      uid = Number(execFileSync('id', ['-u', 'postgres'], { stdio: 'pipe' }).toString().trim());
      gid = Number(execFileSync('id', ['-g', 'postgres'], { stdio: 'pipe' }).toString().trim());
    } catch {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(
        `PostgreSQL runs as the postgres account, which does not exist here. Reinstall the server: ${INSTALL_HINT}`,
      );
    }
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const cmd = asRoot ? 'runuser' : join(bin, tool);
    const full = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const r = spawnSync(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    if (r.status !== 0)
      throw new Error(`${tool} failed (${r.status ?? r.signal}): ${r.stderr.toString().slice(-800)}`);
    return r.stdout.toString();
  };
  const data = join(dir, 'data');
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped = false;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    psql: (sql) => run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-At', '-c', sql]),
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
