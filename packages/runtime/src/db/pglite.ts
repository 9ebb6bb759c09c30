import { PGlite } from '@electric-sql/pglite';
import type { Db } from './db.ts';

type Queryable = Pick<PGlite, 'query' | 'exec'>;

function wrap(q: Queryable, pg: PGlite, inTx: boolean): Db {
  const db: Db = {
    kind: 'pglite',
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await q.query<T>(sql, params as unknown[])).rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    async script<T>(sql: string) {
      const results = await q.exec(sql);
      return (results.at(-1)?.rows ?? []) as T[];
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>) {
      if (inTx) return fn(db);
      return pg.transaction((tx) => fn(wrap(tx, pg, true)));
    },
    async close() {
      if (!inTx) await pg.close();
    },
  };
  return db;
}

/** Embedded Postgres (WASM). `dataDir` undefined: in memory. */
export async function openPglite(dataDir?: string): Promise<Db & { readonly pglite: PGlite }> {
  const pg = await PGlite.create(dataDir ? { dataDir } : {});
  return Object.assign(wrap(pg, pg, false), { pglite: pg });
}
