// `switchboard-db`: the database chores of a service, run from the service's folder.
//   generate                      prisma generate for ./prisma/schema.prisma (no engine download)
//   migrate-dev <name>            diff the schema against ./prisma/migrations and write the next migration
//   migrate-deploy                apply pending migrations to DATABASE_URL, or to --data-dir (PGlite)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createMigration } from './migrate-dev.ts';
import { openDatabase } from './open-database.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    schema: { type: 'string', default: 'prisma/schema.prisma' },
    migrations: { type: 'string', default: 'prisma/migrations' },
    extension: { type: 'string', multiple: true, default: [] },
    'data-dir': { type: 'string' },
  },
});
const [command, name] = positionals;

async function main(): Promise<number> {
  switch (command) {
    case 'generate': {
      const require = createRequire(import.meta.url);
      const prismaCli = require.resolve('prisma/build/index.js');
      const r = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', values.schema], {
        stdio: 'inherit',
        // The CLI would try to download a native schema engine it doesn't need for generate.
        env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', CHECKPOINT_DISABLE: '1' },
      });
      return r.status ?? 1;
    }
    case 'migrate-dev': {
      if (!name) {
        console.error('usage: switchboard-db migrate-dev <name> [--extension vector]');
        return 2;
      }
      const r = await createMigration({
        schemaPath: values.schema,
        migrationsDir: values.migrations,
        name,
        extensions: values.extension,
      });
      if (!r.folder) console.log('schema and migrations already agree; nothing written');
      else console.log(`wrote ${r.folder}/migration.sql`);
      for (const idx of r.keptIndexes) console.log(`kept index ${idx} (access method Prisma does not model)`);
      return 0;
    }
    case 'migrate-deploy': {
      const databaseUrl = process.env.DATABASE_URL || undefined;
      const dataDir = values['data-dir'];
      if (!databaseUrl && !dataDir) {
        console.error('set DATABASE_URL or pass --data-dir <folder>');
        return 2;
      }
      const db = await openDatabase({
        databaseUrl,
        dataDir: dataDir ? resolve(dataDir) : undefined,
        migrationsDir: values.migrations,
        createClient: () => ({ $disconnect: async () => undefined }),
        onChecksumMismatch: (m) => console.warn(`warning: ${m} changed after it was applied`),
      });
      console.log(`applied: ${db.migrations.applied.join(', ') || 'none'}`);
      await db.close();
      return 0;
    }
    default:
      console.error('usage: switchboard-db <generate|migrate-dev <name>|migrate-deploy> [options]');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
