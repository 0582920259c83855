import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterEach, describe, expect, it } from 'vitest';
import { PrismaClient } from '../generated/fixture/client.ts';
import { type Database, openDatabase, type PrismaAdapter } from './open-database.ts';

const fixtureMigrations = fileURLToPath(new URL('../fixtures/prisma/migrations', import.meta.url));
const createClient = (adapter: PrismaAdapter) => new PrismaClient({ adapter });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function exerciseNotes(db: Database<PrismaClient>): Promise<void> {
  const note = await db.prisma.note.create({ data: { title: 'hello', tags: ['a', 'b'], meta: { n: 1 } } });
  await db.sql.query('UPDATE "Note" SET embedding = $1::vector WHERE id = $2', ['[1,0,0]', note.id]);
  const other = await db.prisma.note.create({ data: { title: 'other' } });
  await db.sql.query('UPDATE "Note" SET embedding = $1::vector WHERE id = $2', ['[0,1,0]', other.id]);
  const nearest = await db.sql.query<{ id: string; distance: number }>(
    'SELECT id, embedding <=> $1::vector AS distance FROM "Note" ORDER BY distance LIMIT 1',
    ['[0.9,0.1,0]'],
  );
  expect(nearest[0]?.id).toBe(note.id);
  const back = await db.prisma.note.findUniqueOrThrow({ where: { id: note.id } });
  expect(back).toMatchObject({ title: 'hello', tags: ['a', 'b'], meta: { n: 1 } });
}

describe('openDatabase on embedded PGlite', () => {
  it('applies migrations and serves Prisma and raw SQL (pgvector included) in memory', async () => {
    const db = await openDatabase({
      dataDir: 'memory',
      migrationsDir: fixtureMigrations,
      createClient,
      sessionSql: "SET application_name = 'db-test'",
    });
    cleanups.push(() => db.close());
    expect(db.kind).toBe('pglite');
    expect(await db.sql.query('SHOW application_name')).toEqual([{ application_name: 'db-test' }]);
    expect(db.migrations.applied).toHaveLength(1);
    await exerciseNotes(db);
  });

  it('keeps data in a folder across reopenings and applies each migration once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-db-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = await openDatabase({
      dataDir: join(dir, 'data'),
      migrationsDir: fixtureMigrations,
      createClient,
    });
    await first.prisma.note.create({ data: { title: 'persisted' } });
    await first.close();
    await first.close();
    const second = await openDatabase({
      dataDir: join(dir, 'data'),
      migrationsDir: fixtureMigrations,
      createClient,
    });
    cleanups.push(() => second.close());
    expect(second.migrations.applied).toEqual([]);
    expect(second.migrations.alreadyApplied).toHaveLength(1);
    expect(await second.prisma.note.count()).toBe(1);
  });

  it('rolls a failing migration back entirely and names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-mig-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, '20260101000000_ok'));
    writeFileSync(join(dir, '20260101000000_ok', 'migration.sql'), 'CREATE TABLE a (id int);');
    mkdirSync(join(dir, '20260102000000_bad'));
    writeFileSync(
      join(dir, '20260102000000_bad', 'migration.sql'),
      'CREATE TABLE b (id int);\nINSERT INTO missing_table VALUES (1);',
    );
    await expect(openDatabase({ dataDir: 'memory', migrationsDir: dir, createClient })).rejects.toThrow(
      /migration 20260102000000_bad failed: .*missing_table/,
    );

    // The same runner on a database we keep: the good one is recorded, the bad one left no table behind.
    const pglite = await PGlite.create({ dataDir: 'memory://', extensions: { vector } });
    cleanups.push(() => pglite.close());
    const { applyMigrations, readMigrations } = await import('./migrations.ts');
    const { pgliteRunner } = await import('./sql.ts');
    const runner = pgliteRunner(pglite);
    await expect(applyMigrations(runner, readMigrations(dir))).rejects.toThrow(/20260102000000_bad/);
    const names = await runner.query<{ migration_name: string }>(
      'SELECT migration_name FROM "_prisma_migrations"',
    );
    expect(names.map((r) => r.migration_name)).toEqual(['20260101000000_ok']);
    const tables = await runner.query<{ t: string | null }>("SELECT to_regclass('b')::text AS t");
    expect(tables[0]?.t).toBeNull();
  });
});

describe('openDatabase on a Postgres URL', () => {
  it('takes the advisory lock before it touches the schema, so replicas starting together do not race', async () => {
    // Two replicas running CREATE TABLE IF NOT EXISTS at once: Postgres does not serialise it and one of
    // them fails on pg_type's unique index, so the bookkeeping table is created under the lock too.
    const pglite = await PGlite.create({ dataDir: 'memory://', extensions: { vector } });
    cleanups.push(() => pglite.close());
    const { applyMigrations, readMigrations } = await import('./migrations.ts');
    const { pgliteRunner } = await import('./sql.ts');
    const inner = pgliteRunner(pglite);
    const seen: string[] = [];
    const runner = {
      query: <T>(sql: string, params?: readonly unknown[]) => {
        seen.push(sql);
        return inner.query<T>(sql, params);
      },
      exec: (sql: string) => {
        seen.push(sql);
        return inner.exec(sql);
      },
      transaction: inner.transaction.bind(inner),
    };
    await applyMigrations(runner, readMigrations(fixtureMigrations), { advisoryLock: true });
    expect(seen[0]).toMatch(/pg_advisory_lock/);
    expect(seen.findIndex((q) => /CREATE TABLE/i.test(q))).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatch(/pg_advisory_unlock/);
  });

  it('uses node-postgres with the advisory-locked migration run', async () => {
    // PGlite served over the Postgres wire protocol stands in for a server (it has pgvector).
    const pglite = await PGlite.create({ dataDir: 'memory://', extensions: { vector } });
    const server = new PGLiteSocketServer({ db: pglite, port: 0, host: '127.0.0.1', maxConnections: 4 });
    await server.start();
    cleanups.push(async () => {
      await server.stop();
      await pglite.close();
    });
    const port = Number(server.getServerConn().split(':').pop());
    const url = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
    const db = await openDatabase({
      databaseUrl: url,
      migrationsDir: fixtureMigrations,
      createClient,
      poolMax: 1,
    });
    cleanups.push(() => db.close());
    expect(db.kind).toBe('postgres');
    expect(db.migrations.applied).toHaveLength(1);
    await exerciseNotes(db);
    const again = await openDatabase({
      databaseUrl: url,
      migrationsDir: fixtureMigrations,
      createClient,
      poolMax: 1,
    });
    expect(again.migrations.applied).toEqual([]);
    await again.close();
  });
});
