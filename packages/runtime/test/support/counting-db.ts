import type { Db } from '../../src/db/db.ts';

/** What a counting connection has seen: round trips, and the SQL of each (first line). */
export interface QueryCount {
  /** query, exec and script calls, on the connection, its transactions, forks and companion. */
  queries: number;
  readonly sql: string[];
  reset(): void;
}

/**
 * A Db that counts the statements sent through it and passes them on to the real connection
 * (PGlite or Postgres): each query, exec or script call is one round trip. Transactions, forks
 * and the companion connection are counted too.
 */
export function countingDb(db: Db, count: QueryCount = newCount()): Db & { readonly count: QueryCount } {
  const note = (sql: string) => {
    count.queries++;
    count.sql.push(sql.trim().split('\n')[0]!.slice(0, 160));
  };
  const wrapped: Db & { readonly count: QueryCount } = {
    kind: db.kind,
    count,
    query: (sql, params) => { note(typeof sql === 'string' ? sql : sql.sql); return db.query(sql, params); },
    exec: (sql) => { note(sql); return db.exec(sql); },
    script: (statements) => { note(statements.map((s) => (typeof s === 'string' ? s : s.sql)).join('; ')); return db.script(statements); },
    transaction: (fn, options) => db.transaction((tx) => fn(countingDb(tx, count)), options),
    close: () => db.close(),
    // PGlite's handle identifies the database to the in-process apply lock.
    ...('pglite' in db ? { pglite: (db as { pglite: unknown }).pglite } : {}),
    ...(db.fork ? { fork: async () => countingDb(await db.fork!(), count) } : {}),
    ...(db.companion ? { companion: async () => countingDb(await db.companion!(), count) } : {}),
  };
  return wrapped;
}

function newCount(): QueryCount {
  const c: QueryCount = { queries: 0, sql: [], reset() { c.queries = 0; c.sql.length = 0; } };
  return c;
}
