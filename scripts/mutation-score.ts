// Prints the mutation score per folder from Stryker's JSON report (the mutation-testing-report-schema
// format): detected (killed or timed out) over valid mutants (ignored and compile/runtime errors left out).
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

interface Report {
  files: Record<string, { mutants: Array<{ status: string }> }>;
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

function main(path: string): void {
  const rows = scoreByFolder(JSON.parse(readFileSync(path, 'utf8')) as Report);
  const width = Math.max(...rows.map((r) => r.folder.length));
  console.log(`${'folder'.padEnd(width)}  score   killed  timeout  survived  no cov`);
  for (const r of rows) {
    const score = r.score === null ? '   n/a' : `${r.score.toFixed(1).padStart(5)}%`;
    console.log(
      `${r.folder.padEnd(width)}  ${score}  ${String(r.killed).padStart(6)}  ${String(r.timedOut).padStart(7)}  ${String(r.survived).padStart(8)}  ${String(r.noCoverage).padStart(6)}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  main(process.argv[2] ?? 'reports/mutation/mutation.json');
