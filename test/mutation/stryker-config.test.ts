// `pnpm mutation` stays pointed at the call path and out of the everyday checks (it runs for long).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreByFolder } from '../../scripts/mutation-score.ts';
import mutationVitest from './vitest.mutation.config.ts';

const root = join(import.meta.dirname, '..', '..');
const stryker = JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8')) as {
  mutate: string[];
  testRunner: string;
  vitest: { configFile: string };
  coverageAnalysis: string;
  incremental: boolean;
  incrementalFile: string;
  concurrency: number;
};
const scripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

describe('the mutation testing configuration', () => {
  it('mutates the call path: session parts, the call-control tools and the frame codec, never tests', () => {
    expect(stryker.mutate).toEqual([
      'services/voice-server/src/session/**/*.ts',
      '!services/voice-server/src/session/**/*.test.ts',
      'services/voice-server/src/tools/transfer-to-human.ts',
      'services/voice-server/src/tools/end-call.ts',
      'services/voice-server/src/tools/create-callback-ticket.ts',
      'packages/telephony/src/twilio-media.ts',
    ]);
  });

  it('runs the unit tests of those folders only, per test, incrementally, on at most two runners', () => {
    expect(stryker.testRunner).toBe('vitest');
    expect(stryker.vitest.configFile).toBe('test/mutation/vitest.mutation.config.ts');
    expect(mutationVitest.test?.include).toEqual([
      'services/voice-server/src/session/**/*.test.ts',
      'services/voice-server/src/language/**/*.test.ts',
      'services/voice-server/src/tools/**/*.test.ts',
      'packages/telephony/src/**/*.test.ts',
    ]);
    expect(stryker.coverageAnalysis).toBe('perTest');
    expect(stryker.incremental).toBe(true);
    expect(stryker.incrementalFile).toMatch(/^reports\//);
    expect(stryker.concurrency).toBeLessThanOrEqual(2);
  });

  it('is its own command, outside `pnpm check` and the unit tests', () => {
    expect(scripts.mutation).toBe('tsx scripts/mutation-run.ts');
    for (const name of ['check', 'test', 'test:unit']) expect(scripts[name]).not.toMatch(/stryker|mutation/);
  });
});

describe('the score per folder', () => {
  it('counts killed and timed-out mutants as detected, over all valid ones, per folder and in total', () => {
    const m = (status: string) => ({ status });
    const rows = scoreByFolder({
      files: {
        'a/x.ts': { mutants: [m('Killed'), m('Killed'), m('Survived'), m('Ignored')] },
        'a/y.ts': { mutants: [m('Timeout'), m('NoCoverage')] },
        'b/z.ts': { mutants: [m('CompileError'), m('RuntimeError')] },
      },
    });
    expect(rows.map((r) => [r.folder, r.score])).toEqual([
      ['a', 60],
      ['b', null],
      ['(all)', 60],
    ]);
    expect(rows[0]).toMatchObject({ killed: 2, timedOut: 1, survived: 1, noCoverage: 1 });
  });
});
