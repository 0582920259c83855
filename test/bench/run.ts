// `pnpm bench`: runs every benchmark in test/bench/*.bench.ts in turn (or those named on the command
// line). Each prints its figures and writes bench-results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
/**
 * Node flags of a benchmark's own process (never of the relays it starts). The voice-relay load
 * generator runs both simulators for up to 100 calls; with V8's default 16 MB young generation it
 * promoted enough short-lived frames that the old generation's collections stalled it for 50–100 ms
 * once or twice a window, and the run could not keep its 20 ms pacing. With 32 MB: ticker lag p99
 * 3–10 ms against 23–47 ms, forwarder at 100 calls, two runs each.
 */
const NODE_FLAGS: Record<string, string[]> = {
  'voice-relay.bench.ts': ['--max-semi-space-size=32'],
};
const wanted = process.argv.slice(2).filter((a) => a !== '--');
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const r = spawnSync(process.execPath, [...(NODE_FLAGS[file] ?? []), '--import', 'tsx', join(dir, file)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
