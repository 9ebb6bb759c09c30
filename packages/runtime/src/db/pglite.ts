import { PGlite } from '@electric-sql/pglite';
import { afterCommitSql, sqlOf, type Db, type Statement, type TransactionOptions } from './db.ts';
import { acquireDirLock, type DirLockOptions } from './dir-lock.ts';

type Queryable = Pick<PGlite, 'query' | 'exec'>;

function wrap(q: Queryable, pg: PGlite, inTx: boolean): Db {
  const db: Db = {
    kind: 'pglite',
    async query<T>(sql: Statement, params: readonly unknown[] = []) {
      return (await q.query<T>(sqlOf(sql), params as unknown[])).rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    async script<T>(statements: readonly Statement[]) {
      const results = await q.exec(statements.map(sqlOf).join(';\n'));
      return (results.at(-1)?.rows ?? []) as T[];
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>, options: TransactionOptions = {}) {
      // In process, a round trip costs next to nothing: the statements around COMMIT run on their own.
      const out = inTx
        ? await fn(db)
        : await pg.transaction(async (tx) => {
            const r = await fn(wrap(tx, pg, true));
            if (options.finish) await tx.exec(options.finish());
            return r;
          });
      if (inTx && options.finish) await q.exec(options.finish());
      const after = afterCommitSql(options);
      if (after) await q.exec(after);
      return out;
    },
    async close() {
      if (!inTx) await pg.close();
    },
  };
  return db;
}

/**
 * Embedded Postgres (WASM). `dataDir` undefined: in memory. A data directory is one process's:
 * its lock (dir-lock.ts) is taken before it is opened, waiting for another process that has it,
 * and released when the connection closes or the process ends.
 */
export async function openPglite(dataDir?: string, lockOptions?: DirLockOptions): Promise<Db & { readonly pglite: PGlite }> {
  const lock = dataDir ? await acquireDirLock(dataDir, lockOptions) : undefined;
  let pg: PGlite;
  try {
    pg = await PGlite.create(dataDir ? { dataDir } : {});
  } catch (e) {
    lock?.release();
    throw e;
  }
  const db = wrap(pg, pg, false);
  const close = db.close;
  return Object.assign(db, {
    pglite: pg,
    async close() {
      // PGlite's shutdown sets process.exitCode to 0: a command that found errors (verify) would exit 0.
      const exitCode = process.exitCode;
      try {
        await close();
      } finally {
        process.exitCode = exitCode;
        lock?.release();
      }
    },
  });
}

/** A Db over a PGlite instance created elsewhere (model tests start one from a cached data directory). */
export const wrapPglite = (pg: PGlite): Db => wrap(pg, pg, false);
