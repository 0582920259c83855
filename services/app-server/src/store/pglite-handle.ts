import type { PrismaAdapter } from '@switchboard/db';
import type { PgliteListener } from '../live/pglite-notifications.ts';

/**
 * The embedded PGlite instance behind the Prisma adapter, for LISTEN. `@switchboard/db` does not hand
 * it out, and the adapter keeps it in its `client` field; the shape is checked here (and by a test), so
 * an adapter upgrade that moves it fails loudly at start-up instead of silently losing live updates.
 */
export function pgliteOf(adapter: PrismaAdapter | undefined): PgliteListener {
  const client = (adapter as unknown as { client?: unknown } | undefined)?.client;
  if (typeof (client as PgliteListener | undefined)?.listen !== 'function')
    throw new Error('live updates: the PGlite adapter no longer exposes its database (client.listen)');
  return client as PgliteListener;
}

/** The part of PGlite the job queue runs its SQL through (one connection, serialised by PGlite). */
export interface PgliteSql {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  exec(sql: string): Promise<Array<{ rows: unknown[] }>>;
}

/** The database the job queue uses: Postgres by URL (its own small pool), or the embedded PGlite itself. */
export type JobDatabase =
  | { kind: 'postgres'; connectionString: string }
  | { kind: 'pglite'; pglite: PgliteSql };

/** The same PGlite, for the job queue's SQL. */
export function pgliteDatabaseOf(adapter: PrismaAdapter | undefined): PgliteSql {
  const client = pgliteOf(adapter) as unknown as Partial<PgliteSql>;
  if (typeof client.query !== 'function' || typeof client.exec !== 'function')
    throw new Error(
      'job queue: the PGlite adapter no longer exposes its database (client.query, client.exec)',
    );
  return client as PgliteSql;
}
