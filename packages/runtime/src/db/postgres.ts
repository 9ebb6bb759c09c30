import pg from 'pg';
import type { Db } from './db.ts';
import { ConnectionError } from '../errors.ts';

// BIGINT and NUMERIC as JS numbers: counts and sums here stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/** What a connection and its transaction wrappers share: the companion connection, once opened. */
interface Shared {
  companion?: Promise<Db>;
}

function wrap(client: pg.Client, kind: 'postgres' | 'redshift', inTx: boolean, url: string, shared: Shared = {}): Db {
  const db: Db = {
    kind,
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await client.query(sql, params as unknown[])).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
    async script<T>(sql: string) {
      // The simple query protocol: one Result per statement, or a single one for one statement.
      const r = (await client.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(r) ? (r.at(-1)?.rows ?? []) : r.rows) as T[];
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>) {
      if (inTx) return fn(db);
      await client.query('BEGIN');
      try {
        const out = await fn(wrap(client, kind, true, url, shared));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    },
    async close() {
      if (inTx) return;
      const companion = shared.companion;
      shared.companion = undefined;
      if (companion) await companion.then((c) => c.close()).catch(() => undefined);
      await client.end();
    },
    fork: () => openPostgres(url, kind),
    companion: () => {
      if (shared.companion) return shared.companion;
      // Closing the companion (or failing to open it) forgets it: the next call opens a new one.
      const forget = () => {
        if (shared.companion === opened) shared.companion = undefined;
      };
      const opened: Promise<Db> = openPostgres(url, kind).then((c) => ({ ...c, close: () => { forget(); return c.close(); } }));
      opened.catch(forget);
      shared.companion = opened;
      return opened;
    },
  };
  return db;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** A native Postgres (or Redshift, which speaks the same protocol) connection by URL. */
export async function openPostgres(url: string, kind: 'postgres' | 'redshift' = 'postgres'): Promise<Db> {
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  } catch (e) {
    throw new ConnectionError(`invalid database URL ${redact(url)}: ${(e as Error).message}`, { hint: 'use postgres://user:password@host:port/database' });
  }
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    throw new ConnectionError(`cannot connect to ${redact(url)}: ${(e as Error).message}`, { hint: 'check the host, port and credentials, and that the server is running' });
  }
  if (kind === 'postgres') {
    // Project relations live in public. The default search path starts with "$user": for a
    // login named like a schema (mvkit), unqualified DDL would land in mvkit's own schema.
    await client.query('SET search_path TO public');
  }
  return wrap(client, kind, false, url);
}
