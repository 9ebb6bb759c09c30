/**
 * Statements a transaction runs around its COMMIT. On native Postgres they travel with the
 * COMMIT, in its round trip (and BEGIN with the transaction's first statement): a short
 * transaction saves two or three round trips of ~0.1–0.3 ms each.
 */
export interface TransactionOptions {
  /** Statements (no parameters) run in the transaction after fn has returned, just before COMMIT; built then, so they can carry what fn found. */
  finish?: () => string;
  /**
   * Statements (no parameters) run right after a successful COMMIT, outside the transaction.
   * They must not fail (pg_advisory_unlock, say): an error there would report a transaction
   * that committed as failed. A function: built once fn has returned, as `finish`.
   */
  afterCommit?: string | (() => string);
}

/**
 * A statement a refresh trace may show with its plan (MVKIT_IVM_TRACE=explain): the engine marks
 * its data statements when it builds them, so the trace never has to guess from the SQL text.
 */
export interface Explainable {
  readonly sql: string;
  readonly explain: true;
}
export type Statement = string | Explainable;
export const explainable = (sql: string): Explainable => ({ sql, explain: true });
export const sqlOf = (s: Statement): string => (typeof s === 'string' ? s : s.sql);

/** TransactionOptions.afterCommit's statements ('' for none). */
export const afterCommitSql = (options: TransactionOptions): string => (typeof options.afterCommit === 'function' ? options.afterCommit() : (options.afterCommit ?? ''));

/** A connection to a target. One connection: a transaction holds it until it ends. */
export interface Db {
  readonly kind: 'pglite' | 'postgres' | 'redshift';
  /** Rows of one statement, with $1.. parameters. */
  query<T = Record<string, unknown>>(sql: Statement, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements, no parameters, no rows. */
  exec(sql: string): Promise<void>;
  /** Several statements, no parameters, in one round trip: the rows of the last one. */
  script<T = Record<string, unknown>>(statements: readonly Statement[]): Promise<T[]>;
  /** BEGIN .. COMMIT, ROLLBACK when fn throws. Not reentrant (a nested call runs fn, then `finish` and `afterCommit`, in the outer transaction). */
  transaction<T>(fn: (tx: Db) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
  /** Another connection to the same database (native Postgres only), for work that runs concurrently. */
  fork?(): Promise<Db>;
  /**
   * A second connection to the same database, opened on first use and closed with this one
   * (native Postgres only): for housekeeping that runs beside this connection's work, such as
   * trimming change logs while the next MV refreshes. Once closed, the next call opens a new one.
   */
  companion?(): Promise<Db>;
}
