/** A connection to a target. One connection: a transaction holds it until it ends. */
export interface Db {
  readonly kind: 'pglite' | 'postgres' | 'redshift';
  /** Rows of one statement, with $1.. parameters. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements, no parameters, no rows. */
  exec(sql: string): Promise<void>;
  /** Several statements, no parameters, in one round trip: the rows of the last one. */
  script<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** BEGIN .. COMMIT, ROLLBACK when fn throws. Not reentrant. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
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
