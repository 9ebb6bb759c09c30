import type { ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { now, parseJson } from '../state/state-schema.ts';

/** The environment production is: its views live in the connection's current schema. */
export const PRODUCTION = 'prod';

/**
 * Blue/green state, next to the deploy state in schema mvkit:
 * - versions: every physical version that is complete (built and recorded), with its versioned
 *   node (the engine refreshes and drops it from that, whatever the project says now);
 * - serving: per environment, the version each model's view reads;
 * - switches: every switch of an environment's views (apply, rollback, promote), with the
 *   pointers before and after: rollback reads the last one.
 */
export function versionStateDdl(db: Db): string[] {
  const j = db.kind === 'redshift' ? 'VARCHAR(65535)' : 'JSONB';
  return [
    'CREATE SCHEMA IF NOT EXISTS mvkit',
    `CREATE TABLE IF NOT EXISTS mvkit.versions (physical VARCHAR(127) PRIMARY KEY, model VARCHAR(127) NOT NULL, kind VARCHAR(8) NOT NULL, fingerprint VARCHAR(64) NOT NULL, node ${j} NOT NULL, built_at TIMESTAMPTZ NOT NULL, apply_id VARCHAR(64))`,
    'CREATE TABLE IF NOT EXISTS mvkit.serving (env VARCHAR(127) NOT NULL, model VARCHAR(127) NOT NULL, physical VARCHAR(127) NOT NULL, PRIMARY KEY (env, model))',
    `CREATE TABLE IF NOT EXISTS mvkit.switches (id VARCHAR(64) PRIMARY KEY, env VARCHAR(127) NOT NULL, action VARCHAR(16) NOT NULL, at TIMESTAMPTZ NOT NULL, before ${j} NOT NULL, after ${j} NOT NULL, rolled_back BOOLEAN NOT NULL)`,
  ];
}

export async function ensureVersionState(db: Db): Promise<void> {
  for (const s of versionStateDdl(db)) await db.exec(s);
}

export async function hasVersionState(db: Db): Promise<boolean> {
  const rows = await db.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'serving'");
  return Number(rows[0]?.n ?? 0) > 0;
}

export interface Version {
  readonly physical: string;
  readonly model: string;
  readonly node: ManifestNode;
  readonly builtAt: string;
}

export async function readVersions(db: Db): Promise<Map<string, Version>> {
  if (!(await hasVersionState(db))) return new Map();
  const rows = await db.query<{ physical: string; model: string; node: unknown; built_at: Date | string }>('SELECT physical, model, node, built_at FROM mvkit.versions ORDER BY built_at, physical');
  return new Map(rows.map((r) => [r.physical, { physical: r.physical, model: r.model, node: parseJson<ManifestNode>(r.node), builtAt: String(r.built_at) }]));
}

/** `node`: the versioned node (its name is the physical name); `model`: the name it serves under. */
export async function recordVersion(db: Db, node: ManifestNode, model: string, applyId: string): Promise<void> {
  await db.query('DELETE FROM mvkit.versions WHERE physical = $1', [node.name]);
  await db.query('INSERT INTO mvkit.versions (physical, model, kind, fingerprint, node, built_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [node.name, model, node.kind, node.fingerprint, JSON.stringify(node), now(), applyId]);
}

export async function forgetVersion(db: Db, physical: string): Promise<void> {
  await db.query('DELETE FROM mvkit.versions WHERE physical = $1', [physical]);
}

/** model → physical, for one environment. Empty: the environment serves nothing yet. */
export async function readServing(db: Db, env: string): Promise<Map<string, string>> {
  if (!(await hasVersionState(db))) return new Map();
  const rows = await db.query<{ model: string; physical: string }>('SELECT model, physical FROM mvkit.serving WHERE env = $1 ORDER BY model', [env]);
  return new Map(rows.map((r) => [r.model, r.physical]));
}

export async function readAllServing(db: Db): Promise<{ env: string; model: string; physical: string }[]> {
  if (!(await hasVersionState(db))) return [];
  return db.query('SELECT env, model, physical FROM mvkit.serving ORDER BY env, model');
}

export interface Switch {
  readonly id: string;
  readonly env: string;
  readonly action: 'apply' | 'rollback' | 'promote';
  readonly at: string;
  readonly before: Record<string, string | null>;
  readonly after: Record<string, string | null>;
  readonly rolledBack: boolean;
}

export async function readSwitches(db: Db, env?: string): Promise<Switch[]> {
  if (!(await hasVersionState(db))) return [];
  const rows = await db.query<Record<string, unknown>>(`SELECT id, env, action, at, before, after, rolled_back FROM mvkit.switches${env ? ' WHERE env = $1' : ''} ORDER BY at DESC, id DESC`, env ? [env] : []);
  return rows.map((r) => ({
    id: String(r.id), env: String(r.env), action: r.action as Switch['action'], at: r.at instanceof Date ? r.at.toISOString() : String(r.at),
    before: parseJson(r.before), after: parseJson(r.after), rolledBack: r.rolled_back === true || r.rolled_back === 't',
  }));
}
