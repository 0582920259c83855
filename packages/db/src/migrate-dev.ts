import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { applyMigrations, MigrationError, readMigrations } from './migrations.ts';
import { pgliteRunner } from './sql.ts';

type SchemaEngineModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

// The project's lib settings leave out the WebAssembly globals' types; this is the one call used.
const wasmApi = () =>
  (
    globalThis as unknown as {
      WebAssembly: {
        instantiate(
          bytes: Uint8Array,
          imports: Record<string, unknown>,
        ): Promise<{ instance: { exports: Record<string, unknown> } }>;
      };
    }
  ).WebAssembly;

let engineModule: Promise<SchemaEngineModule> | undefined;

/** Loads Prisma's schema engine WebAssembly by hand, so no `--experimental-wasm-modules` flag is needed. */
function loadSchemaEngine(): Promise<SchemaEngineModule> {
  engineModule ??= (async () => {
    const bg = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as SchemaEngineModule & {
      __wbg_set_wasm(exports: Record<string, unknown>): void;
    };
    const bgPath = fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
    const wasmPath = join(dirname(bgPath), 'schema_engine_bg.wasm');
    const { instance } = await wasmApi().instantiate(readFileSync(wasmPath), {
      './schema_engine_bg.js': bg,
    });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return engineModule;
}

/** Access methods Prisma's schema does not model; the diff would drop their indexes, so they are kept. */
const UNMODELLED_INDEX_QUERY = `SELECT c.relname AS name FROM pg_class c JOIN pg_am am ON am.oid = c.relam
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'i' AND n.nspname = 'public' AND am.amname NOT IN ('btree','hash','gist','gin','spgist','brin')`;

export interface CreateMigrationOptions {
  /** The service's `prisma/schema.prisma`. */
  schemaPath: string;
  /** The service's `prisma/migrations`. */
  migrationsDir: string;
  /** Short snake_case description; the folder becomes `<UTC timestamp>_<name>`. */
  name: string;
  /** Postgres extensions the schema needs (e.g. `['vector']`); created first when no migration has yet. */
  extensions?: string[];
  now?: Date;
}

export interface CreateMigrationResult {
  /** Folder written, or undefined when the schema already matches the migrations. */
  folder?: string;
  sql: string;
  /** `DROP INDEX` statements left out because the index uses an access method Prisma can't model (hnsw, ivfflat). */
  keptIndexes: string[];
}

/**
 * `migrate dev` without Prisma's native schema engine: replays the existing migrations on a throwaway
 * PGlite (with pgvector), diffs that database against the schema with the WebAssembly schema engine,
 * checks the new script applies cleanly, and writes it as the next migration folder.
 */
export async function createMigration(opts: CreateMigrationOptions): Promise<CreateMigrationResult> {
  if (!/^[a-z0-9_]+$/.test(opts.name))
    throw new MigrationError('migration name must be snake_case [a-z0-9_]');
  const schemaPath = resolve(opts.schemaPath);
  const content = readFileSync(schemaPath, 'utf8');
  const migrationsDir = resolve(opts.migrationsDir);
  mkdirSync(migrationsDir, { recursive: true });
  const existing = readMigrations(migrationsDir);

  const db = await PGlite.create({ dataDir: 'memory://', extensions: { vector } });
  try {
    const sql = pgliteRunner(db);
    await applyMigrations(sql, existing);
    const installed = new Set(
      (await sql.query<{ extname: string }>('SELECT extname FROM pg_extension')).map((r) => r.extname),
    );
    let prelude = '';
    for (const ext of opts.extensions ?? []) {
      if (!/^[a-z0-9_]+$/.test(ext)) throw new MigrationError(`bad extension name ${ext}`);
      if (installed.has(ext)) continue;
      prelude += `-- CreateExtension\nCREATE EXTENSION IF NOT EXISTS "${ext}";\n\n`;
      await sql.exec(`CREATE EXTENSION IF NOT EXISTS "${ext}"`);
    }
    const { SchemaEngine } = await loadSchemaEngine();
    const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(db));
    const files = [{ path: schemaPath, content }];
    const engine = await SchemaEngine.new({ datamodels: [[schemaPath, content]] }, () => undefined, adapter);
    const diff = async () =>
      (
        await engine.diff({
          from: { tag: 'schemaDatasource', files, configDir: dirname(schemaPath) },
          to: { tag: 'schemaDatamodel', files },
          script: true,
          exitCode: null,
          filters: { externalTables: [], externalEnums: [] },
        })
      ).stdout ?? '';
    try {
      const unmodelled = new Set(
        (await sql.query<{ name: string }>(UNMODELLED_INDEX_QUERY)).map((r) => r.name),
      );
      const { script: diffScript, kept } = keepUnmodelledIndexes(await diff(), unmodelled);
      if (!hasStatements(diffScript) && !prelude) return { sql: '', keptIndexes: kept };
      const script = prelude + diffScript;
      // Prove the script applies and leaves nothing further to migrate before writing it.
      await sql.exec(diffScript);
      const rest = keepUnmodelledIndexes(await diff(), unmodelled).script;
      if (hasStatements(rest))
        throw new MigrationError(`the generated migration does not converge; still pending:\n${rest}`);
      const folder = join(migrationsDir, `${timestamp(opts.now ?? new Date())}_${opts.name}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'migration.sql'), script);
      const lock = join(migrationsDir, 'migration_lock.toml');
      if (!existsSync(lock))
        writeFileSync(
          lock,
          '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
        );
      return { folder, sql: script, keptIndexes: kept };
    } finally {
      engine.free();
    }
  } finally {
    await db.close();
  }
}

/** Removes `DROP INDEX "x";` lines (and their comment header) for indexes in `names`. */
export function keepUnmodelledIndexes(
  script: string,
  names: Set<string>,
): { script: string; kept: string[] } {
  const kept: string[] = [];
  const out = script.replace(/(?:-- DropIndex\n)?DROP INDEX "([^"]+)";\n?/g, (whole, name: string) => {
    if (!names.has(name)) return whole;
    kept.push(name);
    return '';
  });
  return { script: out, kept };
}

function hasStatements(script: string): boolean {
  return script.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--'));
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
