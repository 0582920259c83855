// Production code loads only what its own package's `dependencies` provide: an image holds nothing
// else (`pnpm deploy --prod`), so a dev dependency or a package found only through the workspace root
// would fail there, possibly only on the first call that reaches the import.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPackage, packageOf, productionFiles, runtimeSpecifiers } from './production-imports.ts';
import { ROOT, workspacePackages } from './workspace.ts';

const BINARIES = { 'switchboard-db': '@switchboard/db' };

describe('production imports', () => {
  it.each(workspacePackages().map((p) => [p.manifest.name, p] as const))(
    '%s loads only its own production dependencies',
    (_name, { dir, manifest }) => {
      const files = productionFiles(join(ROOT, dir));
      expect(files.length).toBeGreaterThan(0);
      expect(checkPackage(join(ROOT, dir), manifest, BINARIES)).toEqual([]);
    },
  );
});

describe('the production-import check', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'sb-imports-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  function fixture(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmp, 'pkg-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }

  it('reads runtime imports and leaves out the ones TypeScript erases', () => {
    const source = [
      "import a from 'pkg-a';",
      "import { b } from '@scope/pkg-b/sub';",
      "import type { T } from 'types-only';",
      "import { type U } from 'types-only-2';",
      "export { c } from 'pkg-c';",
      "export type { V } from 'types-only-3';",
      "import 'side-effect';",
      "const d = await import('pkg-d');",
      "const e = require.resolve('pkg-e/build/index.js');",
      "const f = import.meta.resolve('pkg-f');",
      "type W = typeof import('types-only-4');",
      "import { readFile } from 'node:fs/promises';",
      "import { x } from './local.ts';",
    ].join('\n');
    const specs = runtimeSpecifiers(source);
    expect(specs.map(packageOf).filter(Boolean)).toEqual([
      'pkg-a',
      '@scope/pkg-b',
      'pkg-c',
      'side-effect',
      'pkg-d',
      'pkg-e',
      'pkg-f',
    ]);
  });

  it('reports a dev dependency, an undeclared package and a start script whose binary is not a dependency', () => {
    const dir = fixture({
      'src/main.ts': "import fastify from 'fastify';\nimport { it } from 'vitest';\nimport 'hoisted-only';\n",
      'src/util.test.ts': "import { expect } from 'vitest';\n",
    });
    const problems = checkPackage(dir, {
      name: '@x/svc',
      dependencies: { fastify: '5' },
      devDependencies: { vitest: '4' },
      scripts: { start: 'tsx src/main.ts' },
    });
    expect(problems.map((p) => [p.file, p.pkg, p.kind])).toEqual([
      ['src/main.ts', 'vitest', 'dev-only'],
      ['src/main.ts', 'hoisted-only', 'undeclared'],
      ['package.json#scripts.start', 'tsx', 'undeclared'],
    ]);
  });

  it('treats a test helper as production code once production code imports it', () => {
    const dir = fixture({
      'src/index.ts': "export { fake } from './testing/fake.ts';\n",
      'src/testing/fake.ts': "import { vi } from 'vitest';\nexport const fake = vi.fn();\n",
      'src/testing/unused.ts': "import { chromium } from 'playwright-core';\n",
    });
    const problems = checkPackage(dir, {
      name: '@x/lib',
      devDependencies: { vitest: '4', 'playwright-core': '1' },
    });
    expect(problems.map((p) => [p.file, p.pkg])).toEqual([['src/testing/fake.ts', 'vitest']]);
  });
});
