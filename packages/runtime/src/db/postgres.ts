import pg from 'pg';
import { afterCommitSql, sqlOf, type Db, type Statement, type TransactionOptions } from './db.ts';
import { ConnectionError } from '../errors.ts';
import { maskSecrets, maskUrl, urlProblem } from './url.ts';

// BIGINT and NUMERIC as JS numbers: counts and sums here stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/** What a connection and its transaction wrappers share: the companion connection, once opened. */
interface Shared {
  companion?: Promise<Db>;
}

/**
 * The transaction a wrapper runs in (none outside one). On native Postgres BEGIN is sent with the
 * transaction's first statement, in the same round trip, unless that statement takes parameters
 * (which the simple protocol that carries several statements cannot); on Redshift on its own.
 */
interface TxState {
  begun: boolean;
}

function wrap(client: pg.Client, kind: 'postgres' | 'redshift', tx: TxState | null, url: string, shared: Shared = {}): Db {
  // BEGIN, when this wrapper's transaction has not sent it yet, to go in front of a statement.
  const begin = () => {
    if (!tx || tx.begun) return '';
    tx.begun = true;
    return 'BEGIN;\n';
  };
  const db: Db = {
    kind,
    async query<T>(sql: Statement, params: readonly unknown[] = []) {
      if (begin()) await client.query('BEGIN');
      return (await client.query(sqlOf(sql), params as unknown[])).rows as T[];
    },
    async exec(sql: string) {
      await client.query(begin() + sql);
    },
    async script<T>(statements: readonly Statement[]) {
      // The simple query protocol: one Result per statement, or a single one for one statement.
      const r = (await client.query(begin() + statements.map(sqlOf).join(';\n'))) as unknown as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(r) ? (r.at(-1)?.rows ?? []) : r.rows) as T[];
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>, options: TransactionOptions = {}) {
      if (tx) {
        const out = await fn(db);
        if (options.finish) await db.exec(options.finish());
        const after = afterCommitSql(options);
        if (after) await db.exec(after);
        return out;
      }
      const state: TxState = { begun: false };
      // Redshift's transactions keep to their plain shape: BEGIN, the statements, COMMIT, each on its own.
      if (kind === 'redshift') {
        await client.query('BEGIN');
        state.begun = true;
      }
      try {
        const out = await fn(wrap(client, kind, state, url, shared));
        // BEGIN if nothing was sent yet, the finishing statements, COMMIT, and what follows it, in
        // one round trip. An error stops the script where it occurs: past COMMIT only afterCommit
        // runs, which must not fail, so an error means that the transaction did not commit.
        const finish = options.finish ? [options.finish()] : [];
        const after = afterCommitSql(options);
        const last = [...(state.begun ? [] : ['BEGIN']), ...finish, 'COMMIT', ...(after ? [after] : [])];
        state.begun = true;
        if (kind === 'redshift') for (const s of last) await client.query(s);
        else await client.query(last.join(';\n'));
        return out;
      } catch (e) {
        // Not when nothing was sent (fn failed before its first statement): there is no transaction to end.
        if (state.begun) await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    },
    async close() {
      if (tx) return;
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

/** A native Postgres (or Redshift, which speaks the same protocol) connection by URL. */
export async function openPostgres(url: string, kind: 'postgres' | 'redshift' = 'postgres'): Promise<Db> {
  const hint = 'use postgres://user:password@host:5432/database, with @ : / # ? % in the password percent-encoded (@ is %40)';
  // Never handed to the driver: it would connect to a host cut out of the password, and name it.
  const problem = urlProblem(url);
  if (problem) throw new ConnectionError(`invalid database URL ${maskUrl(url)}: ${problem}`, { hint });
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  } catch (e) {
    throw new ConnectionError(`invalid database URL ${maskUrl(url)}: ${maskSecrets((e as Error).message, url)}`, { hint });
  }
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    // The driver's messages can echo the connection string or the password: masked, in every form.
    throw new ConnectionError(`cannot connect to ${maskUrl(url)}: ${maskSecrets((e as Error).message, url)}`, { hint: 'check the host, port and credentials, and that the server is running' });
  }
  if (kind === 'postgres') {
    // Project relations live in public. The default search path starts with "$user": for a
    // login named like a schema (mvkit), unqualified DDL would land in mvkit's own schema.
    await client.query('SET search_path TO public');
  }
  return wrap(client, kind, null, url);
}
