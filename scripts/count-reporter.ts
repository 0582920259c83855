// Prints the plain closing line CI reads: "N passed, N failed" (", N skipped" when any were). A test
// file whose setup failed (a beforeAll that threw: its tests are skipped, not failed) counts as
// failed and is named; a missing tool's install command is named; and a run vitest failed for any
// other reason never reads "0 failed". When anything failed, the causes follow on the same line.
import { relative } from 'node:path';
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

/** How a test says a tool it needs is missing: "… is not installed … Install it with: <command>". */
const MISSING_TOOL = /(\S+) is not installed[\s\S]*?install it with:?\s*([^\n]+)/i;

export default class CountReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    errors: ReadonlyArray<unknown>,
    reason?: TestRunEndReason,
  ): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const causes: string[] = [];
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      failed += failedHere;
      if (mod.state() === 'failed' && failedHere === 0) {
        // the file could not run (an import, a beforeAll or an afterAll threw): that is a failure
        failed++;
        const messages = [
          ...mod.errors(),
          ...[...mod.children.allSuites()].flatMap((s) => [...s.errors()]),
        ].map((e) => e.message ?? String(e));
        const file = relative(process.cwd(), mod.moduleId);
        const tool = messages.map((m) => MISSING_TOOL.exec(m)).find(Boolean);
        causes.push(
          tool
            ? `${file}: missing tool ${tool[1]!.toLowerCase()}, install it with: ${tool[2]!.trim()}`
            : `${file}: setup failed: ${firstLine(messages[0] ?? 'unknown error')}`,
        );
      }
    }
    for (const e of errors) {
      failed++;
      causes.push(`unhandled error: ${firstLine((e as { message?: string }).message ?? String(e))}`);
    }
    if (reason === 'failed' && failed === 0) {
      failed = 1;
      causes.push('vitest reported the run as failed without a failing test (see its output above)');
    }
    const tail = skipped ? `, ${skipped} skipped` : '';
    const why = causes.length ? ` — ${causes.join('; ')}` : '';
    process.stdout.write(`\n${passed} passed, ${failed} failed${tail}${why}\n`);
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
