import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlRunner } from './sql.ts';

/** One folder of the standard `prisma/migrations/<name>/migration.sql` layout. */
export interface Migration {
  name: string;
  sql: string;
  /** sha256 hex of the file, as Prisma records it in `_prisma_migrations.checksum`. */
  checksum: string;
}

/** Why a migration run stopped. The message names the migration. */
export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** sha256 hex of a migration script. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** Reads `<dir>/*\/migration.sql` sorted by folder name (Prisma's timestamp prefixes sort in time order). */
export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) throw new MigrationError(`migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: migrationChecksum(sql) };
    });
}

/** Same table definition as Prisma Migrate's, so `prisma migrate deploy` and this runner agree. */
const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** The advisory lock key Prisma Migrate takes, so this runner and `prisma migrate deploy` never overlap. */
export const MIGRATION_ADVISORY_LOCK_KEY = 72707369;

export interface ApplyMigrationsOptions {
  /** Take Postgres' session advisory lock around the run (several replicas starting at once). */
  advisoryLock?: boolean;
  /** Told about applied migrations whose file changed since; the run continues. */
  onChecksumMismatch?: (name: string) => void;
}

export interface ApplyMigrationsResult {
  applied: string[];
  alreadyApplied: string[];
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

/**
 * Applies the migrations not yet recorded, in order, each inside its own transaction together with its
 * `_prisma_migrations` row: a failing script leaves nothing behind and the next start retries it.
 * `runner` must be pinned to one session when `advisoryLock` is set.
 */
export async function applyMigrations(
  runner: SqlRunner,
  migrations: readonly Migration[],
  opts: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  // The lock comes first: two replicas starting together would otherwise race on CREATE TABLE IF NOT
  // EXISTS, which Postgres does not serialise (one fails on pg_type's unique index).
  if (opts.advisoryLock) await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_ADVISORY_LOCK_KEY]);
  try {
    await runner.exec(MIGRATIONS_TABLE_DDL);
    const rows = await runner.query<MigrationRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed)
      throw new MigrationError(
        `migration ${failed.migration_name} is recorded as started but not finished; resolve it (e.g. \`prisma migrate resolve\`) before starting`,
        failed.migration_name,
      );
    const done = new Map(
      rows
        .filter((r) => r.finished_at !== null && r.rolled_back_at === null)
        .map((r) => [r.migration_name, r]),
    );
    const result: ApplyMigrationsResult = { applied: [], alreadyApplied: [] };
    for (const m of migrations) {
      const prior = done.get(m.name);
      if (prior) {
        if (prior.checksum !== m.checksum) opts.onChecksumMismatch?.(m.name);
        result.alreadyApplied.push(m.name);
        continue;
      }
      try {
        await runner.transaction(async (tx) => {
          await tx.exec(m.sql);
          await tx.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
             VALUES ($1, $2, $3, now(), now(), 1)`,
            [randomUUID(), m.checksum, m.name],
          );
        });
      } catch (err) {
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`, m.name, {
          cause: err,
        });
      }
      result.applied.push(m.name);
    }
    return result;
  } finally {
    if (opts.advisoryLock)
      await runner
        .query('SELECT pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK_KEY])
        .catch(() => undefined);
  }
}
