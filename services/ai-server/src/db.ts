import { fileURLToPath } from 'node:url';
import { openDatabase } from '@switchboard/db';
import { PrismaClient } from '../generated/prisma/client.ts';
import type { AiDatabase } from './context.ts';
import { KNOWLEDGE_SESSION_SQL } from './knowledge/knowledge-store.ts';

/** ai-server's migrations folder. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

/** Opens ai-server's database (migrated): Postgres at `databaseUrl`, else PGlite in `dataDir` ('memory' for none). */
export function openAiDatabase(opts: { databaseUrl?: string; dataDir?: string }): Promise<AiDatabase> {
  return openDatabase({
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
    migrationsDir: MIGRATIONS_DIR,
    createClient: (adapter) => new PrismaClient({ adapter }),
    sessionSql: KNOWLEDGE_SESSION_SQL,
  });
}
