#!/usr/bin/env node
// One entry point for a fresh machine: make sure pnpm and the workspace's dependencies are
// present, then run a root script (demo, check, bench). Only Node and npm are assumed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = '12.21.0';
const targets = { demo: 'demo:run', check: 'check', bench: 'bench:run' };
const [target, ...rest] = process.argv.slice(2);
if (!target || !(target in targets)) {
  console.error(`usage: bootstrap.mjs <${Object.keys(targets).join('|')}> [args]`);
  process.exit(2);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function hasPnpm() {
  const r = spawnSync('pnpm', ['--version'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().split('.')[0] === PNPM_VERSION.split('.')[0];
}

if (!hasPnpm()) {
  console.error(`[bootstrap] installing pnpm ${PNPM_VERSION} with npm`);
  if (run('npm', ['install', '--global', `pnpm@${PNPM_VERSION}`]) !== 0 || !hasPnpm()) {
    console.error('[bootstrap] could not install pnpm; install pnpm 12 and run again');
    process.exit(1);
  }
}

const lockfile = existsSync(join(root, 'pnpm-lock.yaml'));
const installArgs = ['install', lockfile && process.env.CI ? '--frozen-lockfile' : '--prefer-offline'];
if (run('pnpm', installArgs) !== 0) {
  console.error('[bootstrap] pnpm install failed');
  process.exit(1);
}
process.exit(run('pnpm', ['run', targets[target], ...(rest.length ? ['--', ...rest] : [])]));
