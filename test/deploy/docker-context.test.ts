// What `docker build .` sends: .dockerignore keeps installs, generated clients, local data and secrets
// out of the context, and keeps in everything the Dockerfile's workspace stage copies and runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile.ts';
import { ROOT } from './workspace.ts';

const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** One pattern segment as a regular expression (`*` matches within a segment). */
function segment(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^$()|[\]\\{}]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
}

/** Docker's matching for the pattern forms this project uses: `name`, `dir/name`, `**\/name`, `name.*`. */
function ignored(path: string): boolean {
  const parts = path.split('/');
  return patterns.some((pattern) => {
    const anywhere = pattern.startsWith('**/');
    const globs = (anywhere ? pattern.slice(3) : pattern).split('/').map(segment);
    // A pattern matches a path or one of its parent folders: at the root, or at any depth after `**/`.
    const starts = anywhere ? parts.map((_, i) => i) : [0];
    return starts.some(
      (start) => start + globs.length <= parts.length && globs.every((g, j) => g.test(parts[start + j]!)),
    );
  });
}

describe('.dockerignore', () => {
  it.each([
    'node_modules/.pnpm/x/index.js',
    'services/ai-server/node_modules/fastify/package.json',
    'services/ai-server/generated/prisma/client.ts',
    '.data/ai-server/PG_VERSION',
    '.env',
    '.env.production',
    '.git/HEAD',
    'bench-results/voice-relay.json',
  ])('leaves out %s', (path) => {
    expect(ignored(path)).toBe(true);
  });

  it('keeps every file the workspace stage copies or runs', () => {
    const workspace = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).get('workspace')!;
    const copied = workspace.instructions
      .filter((i) => i.op === 'COPY')
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .filter((p) => p !== '.');
    expect(copied).toEqual(['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json']);
    for (const path of [
      ...copied,
      'scripts/deploy-service.mjs',
      'services/voice-server/src/main.ts',
      'services/ai-server/prisma/migrations/migration_lock.toml',
      'packages/db/bin/switchboard-db.mjs',
      'packages/db/fixtures/prisma/schema.prisma',
      'packages/simulators/src/cli/serve.ts',
      'services/voice-server/assets',
    ])
      expect(ignored(path), path).toBe(false);
  });
});
