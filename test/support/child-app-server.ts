// app-server in a process of its own, started from its real entry as a replica starts in production.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');
const MAIN = join(REPO, 'services', 'app-server', 'src', 'main.ts');
const START_TIMEOUT_MS = 60_000;
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];

export interface ChildAppServer {
  /** `http://127.0.0.1:<port>`, from Fastify's "Server listening at" line. */
  url: string;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node --import tsx services/app-server/src/main.ts` with `env`; resolves once it listens. */
export function startChildAppServer(env: Record<string, string>): Promise<ChildAppServer> {
  const inherited = Object.fromEntries(
    INHERITED.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])),
  );
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...inherited, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', ...env },
  });
  let text = '';
  for (const s of [child.stdout!, child.stderr!]) s.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      if (url) {
        clearInterval(poll);
        resolve({ url, output: () => text, stop });
      } else if (child.exitCode !== null || Date.now() - started > START_TIMEOUT_MS) {
        clearInterval(poll);
        void stop().then(() => reject(new Error(`app-server did not start: ${text.slice(-2000)}`)));
      }
    }, 50);
  });
}
