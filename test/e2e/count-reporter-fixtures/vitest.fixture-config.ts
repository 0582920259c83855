// Runs the count reporter on these fixtures (test/e2e/count-reporter.test.ts); FIXTURES picks them.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: (process.env.FIXTURES ?? '*').split(',').map((f) => `${f}.fixture.ts`),
    reporters: [fileURLToPath(new URL('../../../scripts/count-reporter.ts', import.meta.url))],
    pool: 'forks',
  },
});
