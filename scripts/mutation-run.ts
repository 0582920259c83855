// `pnpm mutation`: runs Stryker over the call path part by part (scripts/mutation-parts.ts), each part
// with its own incremental file, then prints the merged score per folder.
//   pnpm mutation                      every part, one after another
//   pnpm mutation -- --part limits     only the named parts (repeat the flag or separate by commas);
//                                      MUTATION_PART=limits,barge-in does the same
//   pnpm mutation -- --concurrency 1   test runners per part (default: stryker.config.json)
//   pnpm mutation -- --list            the parts and their files
// Stryker reuses a mutant's result from the incremental file when its code and covering tests did not
// change; mutants of files outside a run's `mutate` are carried over untouched, which is why each part
// keeps its own file: a part's file only ever holds that part's mutants, all retested or reused.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { filesOfPart, MUTATION_PARTS, type MutationPart, partPaths } from './mutation-parts.ts';
import { printScores } from './mutation-score.ts';

export interface RunArgs {
  parts: MutationPart[];
  concurrency?: number;
  list: boolean;
}

/** Reads the command line and MUTATION_PART; throws on an unknown part or flag. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): RunArgs {
  const names: string[] = [];
  let concurrency: number | undefined;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') continue;
    if (a === '--list') list = true;
    else if (a === '--part' || a === '--concurrency') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${a} needs a value`);
      if (a === '--part') names.push(...value.split(','));
      else {
        concurrency = Number(value);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`bad --concurrency: ${value}`);
      }
    } else if (a.startsWith('--part=')) names.push(...a.slice('--part='.length).split(','));
    else throw new Error(`unknown argument: ${a}`);
  }
  if (names.length === 0 && env.MUTATION_PART) names.push(...env.MUTATION_PART.split(','));
  const wanted = names.map((n) => n.trim()).filter(Boolean);
  for (const n of wanted) {
    if (!MUTATION_PARTS.some((p) => p.name === n))
      throw new Error(`unknown part ${n}; parts: ${MUTATION_PARTS.map((p) => p.name).join(', ')}`);
  }
  const parts = wanted.length ? MUTATION_PARTS.filter((p) => wanted.includes(p.name)) : MUTATION_PARTS;
  return { parts, concurrency, list };
}

/** The Stryker command line of one part: its files, its incremental file. */
export function strykerArgs(files: string[], part: MutationPart, concurrency?: number): string[] {
  const args = [
    'stryker',
    'run',
    '--mutate',
    files.join(','),
    '--incrementalFile',
    partPaths(part.name).incremental,
  ];
  if (concurrency !== undefined) args.push('--concurrency', String(concurrency));
  return args;
}

function main(): number {
  const root = process.cwd();
  const args = parseArgs(process.argv.slice(2), process.env);
  if (args.list) {
    for (const p of MUTATION_PARTS)
      console.log(`${p.name}: ${p.about}\n  ${filesOfPart(root, p).join('\n  ')}`);
    return 0;
  }
  // Stryker's JSON reporter writes here (stryker.config.json); each part's report is moved to its folder.
  const shared = 'reports/mutation/mutation.json';
  for (const part of args.parts) {
    const files = filesOfPart(root, part);
    if (files.length === 0) continue;
    const paths = partPaths(part.name);
    mkdirSync(paths.dir, { recursive: true });
    rmSync(shared, { force: true });
    console.log(`\n== part ${part.name}: ${files.length} file(s)`);
    const started = Date.now();
    const run = spawnSync('npx', strykerArgs(files, part, args.concurrency), { stdio: 'inherit' });
    if (run.status !== 0 || !existsSync(shared)) {
      console.error(`part ${part.name} failed (exit ${run.status}); its earlier results are kept`);
      return 1;
    }
    renameSync(shared, paths.report);
    console.log(`== part ${part.name} done in ${Math.round((Date.now() - started) / 60_000)} min`);
  }
  printScores(root);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main();
