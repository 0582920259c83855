// Preloaded into a relay being profiled: SIGUSR2 starts a V8 CPU profile, the next SIGUSR2 stops it and
// writes it to BENCH_PROFILE_DIR, so the profile covers the measured window alone (not start-up,
// warm-up or call set-up). SIGTERM becomes a normal exit.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR ?? '.';
const name = process.env.BENCH_PROFILE_NAME ?? `relay-${process.pid}`;
const session = new Session();
session.connect();
let running = false;
let n = 0;

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
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(join(dir, `${name}-${++n}.cpuprofile`), JSON.stringify(profile));
  process.stdout.write(`profile written ${n}\n`);
});
process.on('SIGTERM', () => process.exit(0));
