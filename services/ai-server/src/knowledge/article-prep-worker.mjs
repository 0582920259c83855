// Worker entry: loads the TypeScript worker through tsx, so it runs the same way under tsx and vitest.
import { tsImport } from 'tsx/esm/api';

await tsImport('./article-prep-worker.ts', import.meta.url);
