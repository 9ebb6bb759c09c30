import { hostname } from 'node:os';
import { afterCommitSql, sqlOf, type Db, type Statement, type TransactionOptions } from '../../src/db/db.ts';
import type { DeployedNode } from '../../src/plan/plan-types.ts';
import { whoAmI } from '../../src/state/apply-lock.ts';

/** Catalog rows a Redshift cluster would return to the statements mvkit sends. */
export interface Canned {
  /** mvkit.deployed_nodes; undefined: the state schema does not exist yet. */
  readonly deployed?: readonly DeployedNode[];
  /** pg_class.reltuples: table or MV storage table (mv_tbl__<name>__0) → rows. */
  readonly tableRows?: Readonly<Record<string, number>>;
  /** SYS_MV_REFRESH_HISTORY.status of the refresh per MV; null: no row since the refresh started. */
  readonly refreshStatus?: (mv: string) => string | null;
  /** SVV_MV_INFO rows. */
  readonly mvInfo?: readonly { name: string; is_stale: string; state: number; autorefresh: string }[];
  /** mvkit.apply_lease row left by another apply; undefined: none. */
  readonly lease?: { apply_id: string; db_user: string; backend_pid: number; expired: boolean };
  /** Session ids STV_SESSIONS returns: a regular user sees only its own database user's sessions. */
  readonly sessions?: readonly number[];
}

/** The deploy user the recording connection logs in as: a regular user, not a superuser. */
export const DEPLOY_USER = 'mvkit_deployer';

/** Relations only a superuser can read (https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_TABLE_INFO.html, r_STV_TBL_PERM.html). */
const SUPERUSER_ONLY = /\b(svv_table_info|stv_tbl_perm|stv_blocklist)\b/i;

/**
 * ONLY for the Redshift statement golden tests (Redshift cannot run here): a connection that
 * records every statement and answers catalog queries with canned rows. Everything else in
 * the deploy tests runs against real PGlite and Postgres.
 */
export function recordingDb(canned: Canned): Db & { readonly log: string[] } {
  const log: string[] = [];
  let state = canned.deployed !== undefined;
  const norm = (v: unknown): unknown => {
    if (typeof v !== 'string') return v === process.pid ? '<pid>' : v;
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(v)) return '<apply-id>';
    if (/^\d{4}-\d\d-\d\dT/.test(v)) return '<now>';
    if (v === whoAmI()) return '<user@host>';
    if (v === hostname()) return '<host>';
    if (v.startsWith('{') || v.startsWith('[')) return '<json>';
    return v;
  };
  const record = (sql: string, params: readonly unknown[] = []) => {
    const s = sql.trim().endsWith(';') ? sql.trim() : `${sql.trim()};`;
    log.push(params.length ? `${s}\n-- params: ${JSON.stringify(params.map(norm))}` : s);
  };
  const answer = (sql: string, params: readonly unknown[]): Record<string, unknown>[] => {
    if (SUPERUSER_ONLY.test(sql)) throw new Error(`permission denied for relation ${SUPERUSER_ONLY.exec(sql)![1]!.toLowerCase()}`);
    if (/FROM pg_tables.*apply_lease/.test(sql)) return [{ r: state && canned.lease ? 1 : 0 }];
    if (/FROM pg_tables/.test(sql)) return [{ n: state ? 1 : 0 }];
    if (/FROM mvkit\.apply_lease/.test(sql)) return canned.lease ? [{ ...canned.lease, expires_at: '2026-11-27 21:00:00', expired: canned.lease.expired ? 1 : 0 }] : [];
    if (/FROM pg_user/.test(sql)) return [{ pid: 1073, db_user: DEPLOY_USER, superuser: false }];
    if (/FROM stv_sessions/.test(sql)) return (canned.sessions ?? [1073]).includes(Number(params[0])) ? [{ process: params[0] }] : [];
    if (/GETDATE\(\) AS at/.test(sql)) return [{ at: '2026-11-27 20:50:00' }];
    if (/FROM mvkit\.deployed_nodes/.test(sql)) {
      return (canned.deployed ?? []).map((d) => ({ ...d, physical: JSON.stringify(d.physical), definition: JSON.stringify(d.definition), deployed_at: '2026-11-27 20:00:00' }));
    }
    if (/pg_backend_pid/.test(sql)) return [{ pid: 1073 }];
    if (/current_schema\(\)/.test(sql)) return [{ schema: 'public' }];
    if (/FROM pg_class/.test(sql)) return Object.entries(canned.tableRows ?? {}).map(([name, n]) => ({ name, n }));
    if (/sys_mv_refresh_history/.test(sql)) {
      const status = canned.refreshStatus ? canned.refreshStatus(String(params[1])) : 'Refresh successfully updated MV incrementally';
      return status === null ? [] : [{ status, duration: 2_500_000 }];
    }
    if (/svv_mv_info/.test(sql)) return [...(canned.mvInfo ?? [])];
    if (/SELECT MAX\(/.test(sql)) return [{ newest: new Date('2026-11-27T20:55:00Z') }];
    return [];
  };
  const db: Db & { log: string[] } = {
    kind: 'redshift',
    log,
    async query<T>(statement: Statement, params: readonly unknown[] = []) {
      const sql = sqlOf(statement);
      record(sql, params);
      if (/CREATE TABLE IF NOT EXISTS mvkit\.deployed_nodes/.test(sql)) state = true;
      return answer(sql, params) as T[];
    },
    async exec(sql: string) {
      record(sql);
      if (/CREATE TABLE IF NOT EXISTS mvkit\.deployed_nodes/.test(sql)) state = true;
    },
    async script<T>(statements: readonly Statement[]) {
      const sql = statements.map(sqlOf).join(';\n');
      record(sql);
      return answer(sql, []) as T[];
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>, options: TransactionOptions = {}) {
      record('BEGIN');
      const out = await fn(db);
      if (options.finish) record(options.finish());
      record('COMMIT');
      const after = afterCommitSql(options);
      if (after) record(after);
      return out;
    },
    async close() {},
  };
  return db;
}
