import { defineConfig } from 'vitest/config';

/**
 * The unit tests Stryker runs against each mutant of the call path (see stryker.config.json): the
 * tests beside the mutated folders and the call's language tests (they drive the session's parts), never the end-to-end stack (it is too slow to run per mutant).
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: [
      'services/voice-server/src/session/**/*.test.ts',
      // A call's language switch, through the session's parts (the voice, the instructions, replays).
      'services/voice-server/src/language/**/*.test.ts',
      'services/voice-server/src/tools/**/*.test.ts',
      'packages/telephony/src/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
