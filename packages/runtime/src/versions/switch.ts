import { randomUUID } from 'node:crypto';
import type { ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import type { Engine } from '../engines/engine.ts';
import { nodeRecord } from '../ivm/catalog.ts';
import { redshiftPlanSql } from '../plan/plan-sql.ts';
import { now } from '../state/state-schema.ts';
import { PRODUCTION } from './version-state.ts';

/** What one model's view does at a switch. */
export interface ViewSwitch {
  readonly model: string;
  /** The version served before; null: none (a new model); LEGACY: the unversioned relation of before blue/green. */
  readonly from: string | null;
  /** The version served after; null: the model is gone, its view is dropped. */
  readonly to: string | null;
  /** replace: CREATE OR REPLACE VIEW (same columns); recreate: DROP + CREATE (the column list changes, or a relation of another kind is replaced). */
  readonly how: 'create' | 'replace' | 'recreate' | 'drop';
  /** `from` LEGACY: what the unversioned relation is (an MV, or a view). */
  readonly legacyKind?: 'mv' | 'view';
}

/** `from` of a model served by its unversioned relation (a project deployed before blue/green). */
export const LEGACY = '';

/** The schema an environment's views live in: production's is the connection's; another's is its name. */
export const viewSchema = (env: string): string | null => (env === PRODUCTION ? null : env);

const qualified = (schema: string | null, name: string) => (schema ? `${schema}.${name}` : name);

/** How a view moves from one version to another: OR REPLACE keeps it (and what users built on it) when the columns stay. */
export function howToSwitch(from: ManifestNode | null | typeof LEGACY, to: ManifestNode | null): ViewSwitch['how'] {
  if (!to) return 'drop';
  if (from === null) return 'create';
  if (from === LEGACY) return 'recreate';
  const same = from.columns.length === to.columns.length && from.columns.every((c, i) => c.name === to.columns[i]!.name && c.type === to.columns[i]!.type);
  return same ? 'replace' : 'recreate';
}

/**
 * The statements of a switch, in order: legacy relations dropped (consumers first: a legacy view
 * reads a legacy MV), then each view dropped, replaced or created. `legacyDrops`: per legacy
 * model, the statements that drop it. Physical versions are qualified with `physicalSchema`.
 */
export function switchStatements(env: string, physicalSchema: string, switches: readonly ViewSwitch[], nodes: ReadonlyMap<string, ManifestNode>, legacyDrops: ReadonlyMap<string, readonly string[]>): string[] {
  const schema = viewSchema(env);
  const out: string[] = [];
  if (schema) out.push(`CREATE SCHEMA IF NOT EXISTS ${schema};`);
  for (const s of [...switches].reverse()) {
    if (s.from === LEGACY) out.push(...(legacyDrops.get(s.model) ?? []));
    else if (s.how === 'drop' || s.how === 'recreate') out.push(`DROP VIEW IF EXISTS ${qualified(schema, s.model)};`);
  }
  for (const s of switches) {
    if (!s.to) continue;
    const node = nodes.get(s.to)!;
    const body = `SELECT ${node.columns.map((c) => c.name).join(', ')} FROM ${physicalSchema}.${s.to}`;
    out.push(`CREATE ${s.how === 'replace' ? 'OR REPLACE ' : ''}VIEW ${qualified(schema, s.model)} AS ${body};`);
  }
  return out;
}

/**
 * The statements that drop a model's unversioned relation: the local engine's recorded drop
 * statements (its storage, log and capture objects), or Redshift's DROP.
 */
export async function legacyDropStatements(db: Db, engine: Engine, model: string, kind: ManifestNode['kind']): Promise<string[]> {
  if (engine.kind === 'redshift') return redshiftPlanSql.drop({ name: model, kind } as never);
  const rec = await nodeRecord(db, model);
  return rec ? rec.drop_sql : [`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS ${model};`];
}

export async function currentSchema(db: Db): Promise<string> {
  const [r] = await db.query<{ s: string }>('SELECT current_schema() AS s');
  return r?.s ?? 'public';
}

export interface SwitchInput {
  readonly env: string;
  readonly action: 'apply' | 'rollback' | 'promote';
  readonly switches: readonly ViewSwitch[];
  /** Versioned nodes by physical name (every `to`). */
  readonly nodes: ReadonlyMap<string, ManifestNode>;
  /** Legacy models: the statements that drop each. */
  readonly legacyDrops: ReadonlyMap<string, readonly string[]>;
  /** Runs inside the switch's transaction, last (marks a rolled-back switch, records progress). */
  readonly alsoInTransaction?: (tx: Db) => Promise<void>;
}

/**
 * Switches the views of an environment in ONE transaction, with the serving pointers and a row of
 * switch history: readers see all views before or all after. Returns the switch's id.
 */
export async function runSwitch(db: Db, input: SwitchInput): Promise<{ id: string; statements: string[] }> {
  const id = randomUUID();
  const physicalSchema = await currentSchema(db);
  const statements = switchStatements(input.env, physicalSchema, input.switches, input.nodes, input.legacyDrops);
  const before = Object.fromEntries(input.switches.map((s) => [s.model, s.from]));
  const after = Object.fromEntries(input.switches.map((s) => [s.model, s.to]));
  const run = () => db.transaction(async (tx) => {
    if (db.kind === 'postgres') await lockViews(tx, viewSchema(input.env), input.switches.map((s) => s.model));
    for (const s of statements) await tx.exec(s);
    for (const s of input.switches) {
      if (s.from === LEGACY) {
        // The unversioned relation is gone with its engine records and its deploy state.
        await tx.query('DELETE FROM mvkit.deployed_nodes WHERE name = $1', [s.model]);
        if (db.kind !== 'redshift') {
          await tx.query('DELETE FROM mvkit.ivm_watermarks WHERE consumer = $1 OR input = $1', [s.model]);
          await tx.query('DELETE FROM mvkit.ivm_nodes WHERE name = $1', [s.model]);
        }
      }
      await tx.query('DELETE FROM mvkit.serving WHERE env = $1 AND model = $2', [input.env, s.model]);
      if (s.to) await tx.query('INSERT INTO mvkit.serving (env, model, physical) VALUES ($1, $2, $3)', [input.env, s.model, s.to]);
    }
    await tx.query('INSERT INTO mvkit.switches (id, env, action, at, before, after, rolled_back) VALUES ($1, $2, $3, $4, $5, $6, false)',
      [id, input.env, input.action, now(), JSON.stringify(before), JSON.stringify(after)]);
    await input.alsoInTransaction?.(tx);
  });
  await withLockRetries(db, run);
  return { id, statements };
}

/** Postgres' lock_timeout error. */
const LOCK_TIMEOUT = '55P03';
/** Below Postgres' default deadlock_timeout (1 s): in a lock cycle with a reader, the switch gives up first, never the reader. */
const SWITCH_LOCK_TIMEOUT_MS = 200;

/**
 * Takes every relation the switch replaces at once, before any DDL. A reader holds its relations
 * while it waits for the next; should it wait on one the switch holds, the switch's short
 * lock_timeout ends the switch's transaction before Postgres' deadlock detector (which aborts the
 * process that finds the cycle, after deadlock_timeout) could pick the reader.
 */
async function lockViews(tx: Db, schema: string | null, models: readonly string[]): Promise<void> {
  await tx.exec(`SET LOCAL lock_timeout = '${SWITCH_LOCK_TIMEOUT_MS}ms'`);
  const names = models.map((m) => (schema ? `${schema}.${m}` : m));
  const rows = await tx.query<{ r: string | null }>('SELECT to_regclass(n)::text AS r FROM unnest($1::text[]) n', [names]);
  const existing = rows.map((r) => r.r).filter((r): r is string => !!r);
  if (existing.length) await tx.exec(`LOCK TABLE ${existing.join(', ')} IN ACCESS EXCLUSIVE MODE`);
}

/** Retries a switch that gave up on a lock (nothing of it committed), for up to a minute. */
async function withLockRetries(db: Db, run: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 0; ; attempt++) {
    try {
      await run();
      return;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== LOCK_TIMEOUT || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, Math.min(500, 20 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random())));
    }
  }
}
