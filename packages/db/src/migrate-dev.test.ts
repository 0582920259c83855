import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMigration, keepUnmodelledIndexes } from './migrate-dev.ts';

const SCHEMA = `datasource db {
  provider = "postgresql"
}

model Doc {
  id        String                    @id
  body      String
  embedding Unsupported("vector(3)")?
}
`;

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('createMigration', () => {
  it('writes the first migration with its extension, keeps hnsw indexes, and diffs later schema changes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-migdev-'));
    const schemaPath = join(dir, 'schema.prisma');
    const migrationsDir = join(dir, 'migrations');
    writeFileSync(schemaPath, SCHEMA);

    const first = await createMigration({
      schemaPath,
      migrationsDir,
      name: 'init',
      extensions: ['vector'],
      now: new Date('2026-01-02T03:04:05Z'),
    });
    expect(first.folder).toMatch(/20260102030405_init$/);
    expect(first.sql).toMatch(/CREATE EXTENSION IF NOT EXISTS "vector"/);
    expect(first.sql).toMatch(/CREATE TABLE "Doc"/);
    expect(readFileSync(join(migrationsDir, 'migration_lock.toml'), 'utf8')).toMatch(/postgresql/);

    // A hand-written HNSW index: the diff would drop it, the tool must not.
    mkdirSync(join(migrationsDir, '20260102030406_hnsw'));
    writeFileSync(
      join(migrationsDir, '20260102030406_hnsw', 'migration.sql'),
      'CREATE INDEX "doc_embedding_hnsw" ON "Doc" USING hnsw (embedding vector_cosine_ops);\n',
    );
    const none = await createMigration({ schemaPath, migrationsDir, name: 'noop', extensions: ['vector'] });
    expect(none.folder).toBeUndefined();
    expect(none.keptIndexes).toEqual(['doc_embedding_hnsw']);

    writeFileSync(schemaPath, SCHEMA.replace('body      String', 'body      String\n  title     String?'));
    const second = await createMigration({
      schemaPath,
      migrationsDir,
      name: 'add_title',
      extensions: ['vector'],
    });
    expect(second.sql).toMatch(/ALTER TABLE "Doc" ADD COLUMN\s+"title" TEXT/);
    expect(second.sql).not.toMatch(/EXTENSION|DROP INDEX/);
    expect(readdirSync(migrationsDir).filter((n) => n.endsWith('_add_title'))).toHaveLength(1);
  });

  it('refuses names that are not snake_case', async () => {
    await expect(createMigration({ schemaPath: 'x', migrationsDir: 'y', name: 'Bad Name' })).rejects.toThrow(
      /snake_case/,
    );
  });
});

describe('keepUnmodelledIndexes', () => {
  it('drops only the named DROP INDEX statements', () => {
    const script = '-- DropIndex\nDROP INDEX "a_hnsw";\n\n-- DropIndex\nDROP INDEX "b_idx";\n';
    const out = keepUnmodelledIndexes(script, new Set(['a_hnsw']));
    expect(out.kept).toEqual(['a_hnsw']);
    expect(out.script).toBe('\n-- DropIndex\nDROP INDEX "b_idx";\n');
  });
});
