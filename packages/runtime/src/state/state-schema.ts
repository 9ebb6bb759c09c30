import type { Db } from '../db/db.ts';

/** JSON columns: JSONB locally; Redshift has no JSON type (and TEXT there is VARCHAR(256)). */
const json = (db: Db) => (db.kind === 'redshift' ? 'VARCHAR(65535)' : 'JSONB');

/**
 * The state mvkit keeps in the target, schema `mvkit`. Tables named mvkit.ivm_* belong to the
 * local incremental engine, not to this module.
 */
export function stateDdl(db: Db): string[] {
  const j = json(db);
  return [
    'CREATE SCHEMA IF NOT EXISTS mvkit',
    `CREATE TABLE IF NOT EXISTS mvkit.deployed_nodes (name VARCHAR(127) PRIMARY KEY, kind VARCHAR(8) NOT NULL, role VARCHAR(32) NOT NULL, fingerprint VARCHAR(64) NOT NULL, physical ${j} NOT NULL, definition ${j} NOT NULL, deployed_at TIMESTAMPTZ NOT NULL, apply_id VARCHAR(64))`,
    `CREATE TABLE IF NOT EXISTS mvkit.applies (id VARCHAR(64) PRIMARY KEY, who VARCHAR(256) NOT NULL, started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ, status VARCHAR(16) NOT NULL, stages ${j} NOT NULL, progress INT NOT NULL, error VARCHAR(4096))`,
    'CREATE TABLE IF NOT EXISTS mvkit.apply_lock (id INT PRIMARY KEY, apply_id VARCHAR(64) NOT NULL, who VARCHAR(256) NOT NULL, host VARCHAR(256) NOT NULL, pid INT NOT NULL, backend_pid INT, since TIMESTAMPTZ NOT NULL)',
    'CREATE TABLE IF NOT EXISTS mvkit.refresh_history (node VARCHAR(127) NOT NULL, mode VARCHAR(16) NOT NULL, rows BIGINT, duration_ms BIGINT, at TIMESTAMPTZ NOT NULL, detail VARCHAR(1024))',
  ];
}

export async function ensureStateSchema(db: Db): Promise<void> {
  for (const stmt of stateDdl(db)) await db.exec(stmt);
}

/** Whether the state tables exist; `plan` reads state without creating it. */
export async function hasState(db: Db): Promise<boolean> {
  const rows = await db.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'deployed_nodes'");
  return Number(rows[0]?.n ?? 0) > 0;
}

export const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
export const now = () => new Date().toISOString();
