// voice-server in a process of its own, started from its real entry (services/voice-server/src/main.ts)
// as a container starts it, so signals, readiness and the process exit can be tested from outside.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ACCOUNT_SID, AUTH_TOKEN, type FullStack, PUBLIC_BASE_URL, SERVICE_TOKEN } from './full-stack.ts';

const REPO = join(import.meta.dirname, '..', '..');
const MAIN = join(REPO, 'services', 'voice-server', 'src', 'main.ts');
/** Longest wait for the child to log that it listens (tsx compiles on first start). */
const START_TIMEOUT_MS = 30_000;
/** Environment the child inherits from the test process; nothing else leaks in. */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];

/** One JSON log line of the child (pino). */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** How the child process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** `Date.now()` when the exit was seen. */
  atMs: number;
}

/** A running voice-server process. */
export interface ChildVoiceServer {
  pid: number;
  /** `http://127.0.0.1:<port>`, from its 'voice-server listening' log line. */
  url: string;
  /** Every JSON log line so far, in order. */
  readonly logs: LogLine[];
  /** Lines that were not JSON (a crash's stack trace, tsx warnings). */
  readonly otherOutput: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<ChildExit>;
  /** The exit, once it has happened. */
  readonly exit: ChildExit | undefined;
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Kills the process if it still runs (SIGKILL after a short SIGTERM grace) and waits for it. */
  stop(): Promise<ChildExit>;
}

/** The environment that points a voice-server at a full stack's peers and simulators. */
export function voiceEnvFor(stack: FullStack): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    PUBLIC_BASE_URL,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_API_BASE_URL: stack.twilioRest.baseUrl,
    OPENAI_API_KEY: 'sk-sim',
    OPENAI_REALTIME_URL: stack.realtime.url,
    AI_SERVER_URL: stack.ai.url,
    APP_SERVER_URL: stack.appServer.url,
    SERVICE_TOKEN,
  };
}

/** Starts `node --import tsx main.ts` with `env` and resolves once it listens. */
export function startChildVoiceServer(env: Record<string, string>): Promise<ChildVoiceServer> {
  const inherited = Object.fromEntries(
    INHERITED.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])),
  );
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...inherited, NODE_ENV: 'production', ...env },
  });
  const logs: LogLine[] = [];
  const otherOutput: string[] = [];
  const watchers = new Set<(line: LogLine) => void>();
  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal, atMs: Date.now() };
      resolve(exit);
    });
  });

  const onLine = (text: string) => {
    if (!text.trim()) return;
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      if (otherOutput.length < 500) otherOutput.push(text);
      return;
    }
    logs.push(line);
    for (const w of [...watchers]) w(line);
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      rest += chunk;
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    stream.on('end', () => onLine(rest));
  }

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 10_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const found = logs.find(match);
      if (found) {
        resolve(found);
        return;
      }
      const timer = setTimeout(() => {
        watchers.delete(watcher);
        reject(new Error(`no matching voice-server log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const watcher = (line: LogLine) => {
        if (!match(line)) return;
        clearTimeout(timer);
        watchers.delete(watcher);
        resolve(line);
      };
      watchers.add(watcher);
    });

  const stop = async (): Promise<ChildExit> => {
    if (!exit) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
    return exit!;
  };

  return new Promise<ChildVoiceServer>((resolve, reject) => {
    const failEarly = (e: ChildExit) =>
      reject(
        new Error(
          `voice-server exited (${e.code ?? e.signal}) before listening: ${otherOutput.slice(0, 5).join(' | ')}`,
        ),
      );
    void exited.then(failEarly);
    waitForLog((l) => l.msg === 'voice-server listening' && typeof l.address === 'string', START_TIMEOUT_MS)
      .then((line) => {
        resolve({
          pid: child.pid!,
          url: line.address as string,
          logs,
          otherOutput,
          exited,
          get exit() {
            return exit;
          },
          signal: (sig) => {
            child.kill(sig);
          },
          waitForLog,
          stop,
        });
      })
      .catch(async (err: Error) => {
        await stop();
        reject(err);
      });
  });
}
