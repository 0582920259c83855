// The mutation run in parts: each part resumable on its own, all parts together the whole call path.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  candidateFiles,
  configuredMutate,
  filesOfPart,
  globToRegExp,
  MUTATION_PARTS,
  partPaths,
  selectFiles,
} from '../../scripts/mutation-parts.ts';
import { parseArgs, strykerArgs } from '../../scripts/mutation-run.ts';
import { mergeReports, partState, scoreByFolder } from '../../scripts/mutation-score.ts';

const root = join(import.meta.dirname, '..', '..');

describe('the parts of the mutation run', () => {
  it('together mutate exactly the files of stryker.config.json, each file in one part', () => {
    const all = configuredMutate(root);
    const whole = selectFiles(all, candidateFiles(root, all));
    const perPart = MUTATION_PARTS.flatMap((p) => filesOfPart(root, p));
    expect(whole.length).toBeGreaterThan(30);
    expect([...perPart].sort()).toEqual(whole);
    expect(new Set(perPart).size).toBe(perPart.length);
  });

  it('name the limits, barge-in and playback files in their own parts', () => {
    const files = (name: string) => filesOfPart(root, MUTATION_PARTS.find((p) => p.name === name)!);
    expect(files('limits')).toEqual([
      'services/voice-server/src/session/call-limits.ts',
      'services/voice-server/src/session/call-report.ts',
      'services/voice-server/src/session/watchdog.ts',
    ]);
    expect(files('barge-in')).toEqual(['services/voice-server/src/session/barge-in.ts']);
    expect(files('playback')).toEqual(['services/voice-server/src/session/playback-tracker.ts']);
    expect(files('session')).not.toContain('services/voice-server/src/session/barge-in.ts');
  });

  it('split the rest of the session folder in three: the Realtime link, agents and tools, the wiring', () => {
    const files = (name: string) => filesOfPart(root, MUTATION_PARTS.find((p) => p.name === name)!);
    expect(files('link')).toContain('services/voice-server/src/session/realtime-link.ts');
    expect(files('agents')).toContain('services/voice-server/src/session/tool-bridge.ts');
    expect(files('session')).toEqual([
      'services/voice-server/src/session/call-types.ts',
      'services/voice-server/src/session/call-wiring.ts',
      'services/voice-server/src/session/session-manager.ts',
      'services/voice-server/src/session/session-registry.ts',
    ]);
  });

  it('match globs the way Stryker does: ** across folders, * within one, ! removes in order', () => {
    expect(globToRegExp('a/**/*.ts').test('a/x.ts')).toBe(true);
    expect(globToRegExp('a/**/*.ts').test('a/b/c/x.ts')).toBe(true);
    expect(globToRegExp('a/*.ts').test('a/b/x.ts')).toBe(false);
    expect(globToRegExp('a/x.ts').test('a/xxts')).toBe(false);
    expect(
      selectFiles(['a/**/*.ts', '!a/**/*.test.ts', 'a/y.test.ts'], ['a/x.ts', 'a/x.test.ts', 'a/y.test.ts']),
    ).toEqual(['a/x.ts', 'a/y.test.ts']);
  });

  it('each keep their own incremental file and report under reports/mutation/<part>/', () => {
    const limits = MUTATION_PARTS.find((p) => p.name === 'limits')!;
    const args = strykerArgs(['a.ts', 'b.ts'], limits, 1);
    expect(args.join(' ')).toBe(
      'stryker run --mutate a.ts,b.ts --incrementalFile reports/mutation/limits/stryker-incremental.json --concurrency 1',
    );
    expect(partPaths('limits').report).toBe('reports/mutation/limits/mutation.json');
  });
});

describe('pnpm mutation arguments', () => {
  const names = (a: ReturnType<typeof parseArgs>) => a.parts.map((p) => p.name);

  it('run every part with none, the named ones with --part or MUTATION_PART', () => {
    expect(names(parseArgs([], {}))).toEqual(MUTATION_PARTS.map((p) => p.name));
    expect(names(parseArgs(['--', '--part', 'limits'], {}))).toEqual(['limits']);
    expect(names(parseArgs(['--part=barge-in,limits'], {}))).toEqual(['limits', 'barge-in']);
    expect(names(parseArgs(['--part', 'limits', '--part', 'playback'], {}))).toEqual(['limits', 'playback']);
    expect(names(parseArgs([], { MUTATION_PART: 'playback' }))).toEqual(['playback']);
    expect(parseArgs(['--concurrency', '1'], {}).concurrency).toBe(1);
  });

  it('refuse an unknown part, flag or concurrency rather than run everything', () => {
    expect(() => parseArgs(['--part', 'limit'], {})).toThrow(/unknown part limit/);
    expect(() => parseArgs([], { MUTATION_PART: 'nope' })).toThrow(/unknown part/);
    expect(() => parseArgs(['--parts', 'limits'], {})).toThrow(/unknown argument/);
    expect(() => parseArgs(['--concurrency', '0'], {})).toThrow(/concurrency/);
    expect(() => parseArgs(['--part'], {})).toThrow(/needs a value/);
  });
});

describe('the merged score', () => {
  const m = (status: string) => ({ status });

  it('adds up the parts per folder', () => {
    const merged = mergeReports([
      { files: { 'a/x.ts': { mutants: [m('Killed'), m('Survived')] } } },
      { files: { 'a/y.ts': { mutants: [m('Killed'), m('Timeout')] } } },
    ]);
    expect(scoreByFolder(merged).map((r) => [r.folder, r.score])).toEqual([
      ['a', 75],
      ['(all)', 75],
    ]);
  });

  it('names a part missing, or stale when its code or its tests changed since its run', () => {
    const disk: Record<string, string> = {
      'a/x.ts': 'x2',
      'a/new.ts': 'n',
      'a/x.test.ts': 't2',
      'a/y.test.ts': 'y',
    };
    const read = (f: string) => disk[f];
    expect(partState('p', undefined, [], [], read).missing).toBe(true);
    const report = {
      files: { 'a/x.ts': { source: 'x1', mutants: [] }, 'a/gone.ts': { source: 'g', mutants: [] } },
      testFiles: { 'a/x.test.ts': { source: 't' }, 'a/old.test.ts': { source: 'o' } },
    };
    const state = partState('p', report, ['a/x.ts', 'a/new.ts'], ['a/x.test.ts', 'a/y.test.ts'], read);
    expect(state).toEqual({
      part: 'p',
      missing: false,
      changedFiles: ['a/x.ts', 'a/new.ts', 'a/gone.ts'],
      changedTests: ['a/x.test.ts', 'a/old.test.ts'],
    });
    const fresh = {
      files: { 'a/x.ts': { source: 'x2', mutants: [] } },
      testFiles: { 'a/x.test.ts': { source: 't2' } },
    };
    expect(partState('p', fresh, ['a/x.ts'], ['a/x.test.ts'], read)).toMatchObject({
      changedFiles: [],
      changedTests: [],
    });
  });
});
