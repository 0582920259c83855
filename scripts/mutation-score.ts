// Prints the mutation score per folder from Stryker's JSON reports (the mutation-testing-report-schema
// format): detected (killed or timed out) over valid mutants (ignored and compile/runtime errors left out).
// With no argument it merges the reports of every part (scripts/mutation-parts.ts) and names the parts
// that are missing or stale (code or tests changed since the part's run).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import mutationVitest from '../test/mutation/vitest.mutation.config.ts';
import {
  candidateFiles,
  filesOfPart,
  MUTATION_PARTS,
  type MutationPart,
  partPaths,
  selectFiles,
} from './mutation-parts.ts';

export interface Report {
  files: Record<string, { source?: string; mutants: Array<{ status: string }> }>;
  testFiles?: Record<string, { source?: string }>;
}

export interface FolderScore {
  folder: string;
  killed: number;
  timedOut: number;
  survived: number;
  noCoverage: number;
  /** Detected over valid, in percent; null when the folder has no valid mutant. */
  score: number | null;
}

/** Scores per folder of the files in `report`, sorted by folder, then the total under `(all)`. */
export function scoreByFolder(report: Report): FolderScore[] {
  const byFolder = new Map<string, FolderScore>();
  const total: FolderScore = {
    folder: '(all)',
    killed: 0,
    timedOut: 0,
    survived: 0,
    noCoverage: 0,
    score: null,
  };
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const folder = dirname(file);
    const row = byFolder.get(folder) ?? {
      folder,
      killed: 0,
      timedOut: 0,
      survived: 0,
      noCoverage: 0,
      score: null,
    };
    for (const m of mutants) {
      for (const r of [row, total]) {
        if (m.status === 'Killed') r.killed++;
        else if (m.status === 'Timeout') r.timedOut++;
        else if (m.status === 'Survived') r.survived++;
        else if (m.status === 'NoCoverage') r.noCoverage++;
      }
    }
    byFolder.set(folder, row);
  }
  const rows = [...[...byFolder.values()].sort((a, b) => a.folder.localeCompare(b.folder)), total];
  for (const r of rows) {
    const valid = r.killed + r.timedOut + r.survived + r.noCoverage;
    r.score = valid === 0 ? null : (100 * (r.killed + r.timedOut)) / valid;
  }
  return rows;
}

/** One part's state: no report yet, or which of its files and tests changed since its run. */
export interface PartState {
  part: string;
  missing: boolean;
  /** Files of the part whose code differs from the report, or that the report lacks or that are gone. */
  changedFiles: string[];
  /** Test files the part's run used whose text differs now, or that are gone (others never covered it). */
  changedTests: string[];
}

/**
 * Compares a part's report with the files on disk. `read` returns a file's text, or undefined when it
 * does not exist; `testFiles` are the test files that exist now.
 */
export function partState(
  part: string,
  report: Report | undefined,
  partFiles: string[],
  testFiles: string[],
  read: (file: string) => string | undefined,
): PartState {
  if (!report) return { part, missing: true, changedFiles: [], changedTests: [] };
  const changedFiles = [
    ...partFiles.filter((f) => report.files[f]?.source !== read(f)),
    ...Object.keys(report.files).filter((f) => !partFiles.includes(f)),
  ];
  const old = report.testFiles ?? {};
  const changedTests = [
    ...testFiles.filter((f) => old[f] !== undefined && (old[f]?.source ?? read(f)) !== read(f)),
    ...Object.keys(old).filter((f) => f !== '' && !testFiles.includes(f)),
  ];
  return { part, missing: false, changedFiles, changedTests };
}

/** One report of all parts' files (a file in two reports is taken from the later part). */
export function mergeReports(reports: Report[]): Report {
  const files: Report['files'] = {};
  for (const r of reports) Object.assign(files, r.files);
  return { files };
}

function readReport(part: MutationPart): Report | undefined {
  const { report, incremental } = partPaths(part.name);
  const path = [report, incremental].find((p) => existsSync(p));
  return path ? (JSON.parse(readFileSync(path, 'utf8')) as Report) : undefined;
}

function printTable(rows: FolderScore[]): void {
  const width = Math.max(...rows.map((r) => r.folder.length));
  console.log(`${'folder'.padEnd(width)}  score   killed  timeout  survived  no cov`);
  for (const r of rows) {
    const score = r.score === null ? '   n/a' : `${r.score.toFixed(1).padStart(5)}%`;
    console.log(
      `${r.folder.padEnd(width)}  ${score}  ${String(r.killed).padStart(6)}  ${String(r.timedOut).padStart(7)}  ${String(r.survived).padStart(8)}  ${String(r.noCoverage).padStart(6)}`,
    );
  }
}

/** The merged table of every part's report, then which parts are missing or stale. */
export function printScores(root: string): void {
  const read = (f: string): string | undefined => {
    const path = join(root, f);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  };
  const include = mutationVitest.test?.include ?? [];
  const tests = selectFiles(include, candidateFiles(root, include));
  const reports: Report[] = [];
  const states: PartState[] = [];
  for (const part of MUTATION_PARTS) {
    const report = readReport(part);
    if (report) reports.push(report);
    states.push(partState(part.name, report, filesOfPart(root, part), tests, read));
  }
  printTable(scoreByFolder(mergeReports(reports)));
  for (const s of states) {
    if (s.missing) console.log(`part ${s.part}: missing (pnpm mutation -- --part ${s.part})`);
    else if (s.changedFiles.length || s.changedTests.length)
      console.log(
        `part ${s.part}: stale, ${s.changedFiles.length} file(s) and ${s.changedTests.length} test file(s) changed since its run`,
      );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const paths = process.argv.slice(2);
  if (paths.length === 0) printScores(process.cwd());
  else
    printTable(scoreByFolder(mergeReports(paths.map((p) => JSON.parse(readFileSync(p, 'utf8')) as Report))));
}
