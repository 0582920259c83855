// The README is the first thing a new user reads: its configuration tables must name every variable
// each service reads, and its quick start must stay the two commands the root package.json runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSpec as aiServerSpec } from '@switchboard/ai-server';
import { appServerConfigSpec } from '@switchboard/app-server';
import { voiceServerConfigSpec } from '@switchboard/voice-server';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it.each([
    ['voice-server', voiceServerConfigSpec],
    ['ai-server', aiServerSpec],
    ['app-server', appServerConfigSpec],
  ])('documents every %s variable', (_name, spec) => {
    const missing = Object.keys(spec).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('shows the two quick-start commands the root package.json defines', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(readme).toContain('npm run demo');
    expect(readme).toContain('npm test');
    expect(pkg.scripts.demo).toBe('node scripts/bootstrap.mjs demo');
    expect(pkg.scripts.test).toBe('node scripts/bootstrap.mjs check');
  });

  it('CI calls the test command', () => {
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });
});
