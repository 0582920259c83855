/**
 * A relay under test in its own process: started with tsx, ready once it prints `listening <port>`,
 * measured from outside through /proc (CPU ticks and resident memory), so nothing in it changes for
 * the benchmark.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Which relay runs: voice-server, the forwarder baseline, or the mark relay (a second reference). */
export type TargetName = 'voice-server' | 'forwarder' | 'mark-relay';

/** A started relay process. */
export interface ChildTarget {
  name: TargetName;
  pid: number;
  port: number;
  url: string;
  /** Lines the child wrote to stderr (kept for the report when something goes wrong). */
  readonly stderr: string[];
  /** CPU time the process has used so far: in its own code and in the kernel on its behalf, in ms. */
  cpuTimesMs(): CpuTimes;
  /** Resident set size now, in KiB. */
  rssKiB(): number;
  /** With `cpuProfileDir`: the first call starts a CPU profile, the second writes it. */
  toggleProfile(): void;
  stop(): Promise<void>;
}

let ticksPerSecond: number | undefined;
/** Kernel clock ticks per second (the unit of /proc CPU times). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU time of a process, in ms: in user space (utime) and in the kernel (stime). */
export interface CpuTimes {
  userMs: number;
  systemMs: number;
}

/** utime and stime of a process from /proc/<pid>/stat, in ms. */
export function readCpuTimesMs(pid: number): CpuTimes {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const msPerTick = 1000 / clockTicksPerSecond();
  return { userMs: Number(fields[11]) * msPerTick, systemMs: Number(fields[12]) * msPerTick };
}

/** VmRSS of a process from /proc/<pid>/status, in KiB. */
export function readRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : Number.NaN;
}

/** How to start the relay. */
export interface ChildTargetOptions {
  /** Accept `profile()` calls: V8 CPU profiles of chosen stretches are written here. */
  cpuProfileDir?: string;
  /** File name stem of the profiles. */
  profileName?: string;
  /** Run the relay on this CPU only (see {@link pinToCpu}). */
  cpu?: number;
}

/**
 * Binds a process and all its threads to one CPU with taskset (threads it starts later inherit it).
 * Returns false when taskset is missing or refuses.
 */
export function pinToCpu(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', String(cpu), String(pid)], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/** Starts a relay and resolves once it listens. */
export function startChildTarget(
  name: TargetName,
  realtimeUrl: string,
  twilioRestUrl: string,
  opts: ChildTargetOptions = {},
): Promise<ChildTarget> {
  const script =
    name === 'voice-server'
      ? [join(here, 'voice-server-under-test.ts'), realtimeUrl, twilioRestUrl]
      : [join(here, `${name}.ts`), realtimeUrl];
  const profiling = opts.cpuProfileDir
    ? ['--import', 'tsx', '--import', join(here, 'window-profiler.ts')]
    : ['--import', 'tsx'];
  // Node flags for a diagnosis (BENCH_RELAY_NODE_FLAGS), given to every relay alike.
  const extra = process.env.BENCH_RELAY_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...extra, ...profiling, ...script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      ...(opts.cpuProfileDir
        ? { BENCH_PROFILE_DIR: opts.cpuProfileDir, BENCH_PROFILE_NAME: opts.profileName ?? name }
        : {}),
    },
  });
  // A relay left unpinned would share the generator's CPU (it inherits it): worse than no pinning.
  if (opts.cpu !== undefined && !(child.pid !== undefined && pinToCpu(child.pid, opts.cpu))) {
    child.kill('SIGKILL');
    return Promise.reject(new Error(`could not pin the ${name} relay to CPU ${opts.cpu} with taskset`));
  }
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    if (stderr.length < 200)
      stderr.push(
        ...chunk
          .split('\n')
          .filter(Boolean)
          .slice(0, 200 - stderr.length),
      );
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within 30 s: ${stderr.slice(0, 5).join(' | ')}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening: ${stderr.slice(0, 5).join(' | ')}`));
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const m = /listening (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const port = Number(m[1]);
      const pid = child.pid!;
      resolve({
        name,
        pid,
        port,
        url: `http://127.0.0.1:${port}`,
        stderr,
        cpuTimesMs: () => readCpuTimesMs(pid),
        rssKiB: () => readRssKiB(pid),
        toggleProfile() {
          if (opts.cpuProfileDir) child.kill('SIGUSR2');
        },
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          // A heap snapshot being written at the end of the window may take a while.
          const killTimer = setTimeout(() => child.kill('SIGKILL'), opts.cpuProfileDir ? 60_000 : 5000);
          await exited;
          clearTimeout(killTimer);
        },
      });
    });
  });
}
