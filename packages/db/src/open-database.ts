import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { type ApplyMigrationsResult, applyMigrations, type Migration, readMigrations } from './migrations.ts';
import { pgClientRunner, pgliteRunner, pgRunner, type SqlRunner } from './sql.ts';

/** The driver adapter handed to a service's generated `PrismaClient` (`new PrismaClient({ adapter })`). */
export type PrismaAdapter = PrismaPGlite | PrismaPg;

/** The part of a generated PrismaClient this package needs. */
export interface PrismaLike {
  $disconnect(): Promise<void>;
}

export interface OpenDatabaseOptions<C extends PrismaLike> {
  /** Embedded PGlite data folder, or `'memory'` for a throwaway database. Ignored when `databaseUrl` is set. */
  dataDir?: string;
  /** A Postgres connection string; when set, PGlite is not used. */
  databaseUrl?: string;
  /** The service's `prisma/migrations` folder. */
  migrationsDir: string;
  /** Builds the service's own generated client: `(adapter) => new PrismaClient({ adapter })`. */
  createClient: (adapter: PrismaAdapter) => C;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Postgres pool size (default 10). */
  poolMax?: number;
  /**
   * SQL run at the start of every database session, e.g. `SET hnsw.iterative_scan = relaxed_order`:
   * once for PGlite (one session), on each new pooled connection for Postgres.
   */
  sessionSql?: string;
  /** Told when an applied migration's file has changed since it ran. */
  onChecksumMismatch?: (name: string) => void;
  /**
   * For `'memory'` databases: a folder caching a migrated snapshot, keyed by the migrations' checksums,
   * so later opens skip initdb (seconds) and load the snapshot (well under one). `false` disables it.
   * Default: a folder under the OS temp directory.
   */
  templateCacheDir?: string | false;
}

/** An open database: the service's Prisma client plus raw SQL for what Prisma can't express (pgvector, tsvector). */
export interface Database<C extends PrismaLike> {
  prisma: C;
  /** Raw SQL on the same database (and, for PGlite, the same single connection). */
  sql: SqlRunner;
  kind: 'pglite' | 'postgres';
  /** What the start-up migration run did (empty lists when `migrate: false`). */
  migrations: ApplyMigrationsResult;
  /** Disconnects Prisma and closes PGlite or the pool. Safe to call twice. */
  close(): Promise<void>;
}

/** The `dataDir` value for a throwaway in-memory database (also the default when neither option is set). */
export const MEMORY_DATA_DIR = 'memory';

/**
 * Opens the service's database: embedded PGlite (with pgvector) in `dataDir`, or Postgres at
 * `databaseUrl`; applies pending migrations; builds the Prisma client over the matching driver adapter.
 */
export async function openDatabase<C extends PrismaLike>(opts: OpenDatabaseOptions<C>): Promise<Database<C>> {
  const migrations = readMigrations(opts.migrationsDir);
  const migrate = opts.migrate ?? true;
  const noneApplied: ApplyMigrationsResult = { applied: [], alreadyApplied: [] };

  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolMax ?? 10 });
    const sessionSql = opts.sessionSql;
    // Queued on the new client before anything else it runs, so every session starts configured.
    if (sessionSql) pool.on('connect', (client) => void client.query(sessionSql).catch(() => undefined));
    let result = noneApplied;
    try {
      if (migrate) {
        const client = await pool.connect();
        try {
          result = await applyMigrations(pgClientRunner(client), migrations, {
            advisoryLock: true,
            onChecksumMismatch: opts.onChecksumMismatch,
          });
        } finally {
          client.release();
        }
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    const prisma = opts.createClient(new PrismaPg(pool));
    return closable({ prisma, sql: pgRunner(pool), kind: 'postgres', migrations: result }, () => pool.end());
  }

  const dir = opts.dataDir ?? MEMORY_DATA_DIR;
  const inMemory = dir === MEMORY_DATA_DIR;
  if (!inMemory) mkdirSync(dir, { recursive: true });
  const cacheDir = opts.templateCacheDir ?? join(tmpdir(), 'switchboard-db-templates');
  const templatePath =
    inMemory && migrate && cacheDir !== false ? join(cacheDir, `${templateKey(migrations)}.tar`) : undefined;
  const template = templatePath && existsSync(templatePath) ? readFileSync(templatePath) : undefined;
  const db = await PGlite.create({
    dataDir: inMemory ? 'memory://' : dir,
    extensions: { vector },
    ...(template ? { loadDataDir: new Blob([template]) } : {}),
  });
  const sql = pgliteRunner(db);
  let result = noneApplied;
  try {
    if (migrate)
      result = await applyMigrations(sql, migrations, { onChecksumMismatch: opts.onChecksumMismatch });
    // A snapshot already holds every migration; report them as applied by this open all the same.
    if (template) result = { applied: result.alreadyApplied.concat(result.applied), alreadyApplied: [] };
    else if (templatePath) await saveTemplate(db, templatePath);
    if (opts.sessionSql) await sql.exec(opts.sessionSql);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  const prisma = opts.createClient(new PrismaPGlite(db));
  return closable({ prisma, sql, kind: 'pglite', migrations: result }, () => db.close());
}

/** Changes whenever a migration or the PGlite build changes. */
function templateKey(migrations: readonly Migration[]): string {
  const h = createHash('sha256').update(import.meta.resolve('@electric-sql/pglite'));
  for (const m of migrations) h.update(`\n${m.name}:${m.checksum}`);
  return h.digest('hex').slice(0, 32);
}

async function saveTemplate(db: PGlite, path: string): Promise<void> {
  const dump = Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer());
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename, so a concurrent opener never reads half a snapshot.
  const partial = `${path}.${process.pid}.${randomUUID()}.partial`;
  writeFileSync(partial, dump);
  renameSync(partial, path);
}

function closable<C extends PrismaLike>(
  parts: Omit<Database<C>, 'close'>,
  closeDriver: () => Promise<void>,
): Database<C> {
  let closing: Promise<void> | undefined;
  return {
    ...parts,
    close() {
      closing ??= (async () => {
        await parts.prisma.$disconnect().catch(() => undefined);
        await closeDriver();
      })();
      return closing;
    },
  };
}
