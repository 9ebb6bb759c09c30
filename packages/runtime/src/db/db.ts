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
   * that committed as failed.
   */
  afterCommit?: string;
}

/** A connection to a target. One connection: a transaction holds it until it ends. */
export interface Db {
  readonly kind: 'pglite' | 'postgres' | 'redshift';
  /** Rows of one statement, with $1.. parameters. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements, no parameters, no rows. */
  exec(sql: string): Promise<void>;
  /** Several statements, no parameters, in one round trip: the rows of the last one. */
  script<T = Record<string, unknown>>(sql: string): Promise<T[]>;
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
