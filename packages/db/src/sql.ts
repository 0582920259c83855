import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';

/** Raw SQL access beside Prisma: parameterised queries, multi-statement scripts, transactions. */
export interface SqlRunner {
  /** Runs one parameterised statement (`$1`, `$2`, ...) and returns its rows as objects. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of one or more statements without parameters (the simple query protocol). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` inside BEGIN/COMMIT; a throw rolls back and rethrows. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

type PgliteLike = Pick<PGlite, 'query' | 'exec'> | Transaction;

function pgliteQueryable(db: PgliteLike): Omit<SqlRunner, 'transaction'> {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const res = await db.query<T>(sql, params as unknown[]);
      return res.rows;
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
  };
}

/** A SqlRunner over an embedded PGlite instance. */
export function pgliteRunner(db: PGlite): SqlRunner {
  return {
    ...pgliteQueryable(db),
    transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(pgliteTxRunner(tx)));
    },
  };
}

function pgliteTxRunner(tx: Transaction): SqlRunner {
  return {
    ...pgliteQueryable(tx),
    // PGlite has one connection, so a nested transaction just joins the open one.
    transaction: (fn) => fn(pgliteTxRunner(tx)),
  };
}

/** A SqlRunner over a node-postgres pool; each transaction checks out its own client. */
export function pgRunner(pool: pg.Pool): SqlRunner {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await pool.query(sql, params as unknown[])).rows as T[];
    },
    async exec(sql: string): Promise<void> {
      await pool.query(sql);
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        return await pgClientRunner(client).transaction(fn);
      } finally {
        client.release();
      }
    },
  };
}

/** A SqlRunner pinned to one checked-out client (session-level locks hold across its calls). */
export function pgClientRunner(client: pg.PoolClient): SqlRunner {
  const runner: SqlRunner = {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await client.query(sql, params as unknown[])).rows as T[];
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      await client.query('BEGIN');
      try {
        const inner: SqlRunner = { ...runner, transaction: (nested) => nested(inner) };
        const out = await fn(inner);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    },
  };
  return runner;
}
