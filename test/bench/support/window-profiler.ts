// Preloaded into a relay being profiled: SIGUSR2 starts a V8 CPU profile, the next SIGUSR2 stops it and
// writes it to BENCH_PROFILE_DIR, so the profile covers the measured window alone (not start-up,
// warm-up or call set-up). With BENCH_HEAP_SNAPSHOT=1 the second SIGUSR2 also writes a heap snapshot
// (after a full GC), to see what a call keeps. SIGTERM becomes a normal exit.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR ?? '.';
const name = process.env.BENCH_PROFILE_NAME ?? `relay-${process.pid}`;
const session = new Session();
session.connect();
let running = false;
let n = 0;
/** The profile (and snapshot) being written: SIGTERM waits for it. */
let writing: Promise<void> = Promise.resolve();

function post(method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

process.on('SIGUSR2', async () => {
  if (!running) {
    running = true;
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 100 });
    await post('Profiler.start');
    return;
  }
  running = false;
  let done = () => {};
  writing = new Promise((resolve) => {
    done = resolve;
  });
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(join(dir, `${name}-${++n}.cpuprofile`), JSON.stringify(profile));
  if (process.env.BENCH_HEAP_SNAPSHOT === '1') {
    const chunks: string[] = [];
    session.on('HeapProfiler.addHeapSnapshotChunk', (m) => chunks.push(m.params.chunk));
    await post('HeapProfiler.enable');
    await post('HeapProfiler.collectGarbage');
    await post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    writeFileSync(join(dir, `${name}-${n}.heapsnapshot`), chunks.join(''));
  }
  process.stdout.write(`profile written ${n}\n`);
  done();
});
process.on('SIGTERM', () => void writing.then(() => process.exit(0)));
