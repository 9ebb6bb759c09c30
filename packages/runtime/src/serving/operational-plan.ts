import { createHash } from 'node:crypto';
import { dropServedTableDdl, servedNodes, servedTableDdl, servingSchemaDdl, SERVING_SCHEMA, type Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';

/** One change of the operational database's schema, as `plan` shows it and `apply` runs it. */
export interface OperationalStage {
  readonly action: 'create' | 'recreate' | 'drop';
  readonly model: string;
  readonly cause: string;
  readonly statements: readonly string[];
}

/** What the operational table's shape depends on (not its rows: a new definition is a full copy, not a new table). */
function shapeFingerprint(n: ReturnType<typeof servedNodes>[number]): string {
  return createHash('sha256').update(JSON.stringify({ columns: n.node.columns, spec: n.spec })).digest('hex').slice(0, 16);
}

/** The served models deployed on the operational database (none before its first apply). */
export async function deployedServed(op: Db): Promise<Map<string, string>> {
  const [r] = await op.query<{ t: string | null }>(`SELECT to_regclass('${SERVING_SCHEMA}.served_models')::text AS t`);
  if (!r?.t) return new Map();
  const rows = await op.query<{ name: string; fingerprint: string }>(`SELECT name, fingerprint FROM ${SERVING_SCHEMA}.served_models`);
  return new Map(rows.map((x) => [x.name, x.fingerprint]));
}

/**
 * The served models against the operational database: tables to create, to recreate (columns,
 * key or tenant column changed: the rows are derived, so the table is rebuilt and copied again by
 * the next sync) and to drop (no longer served). Pure but for reading the deployed catalog.
 */
export async function planOperational(op: Db, manifest: Manifest, appRole: string): Promise<OperationalStage[]> {
  const deployed = await deployedServed(op);
  const out: OperationalStage[] = [];
  for (const n of servedNodes(manifest)) {
    const fp = shapeFingerprint(n);
    const have = deployed.get(n.node.name);
    if (have === fp) continue;
    const record = `INSERT INTO ${SERVING_SCHEMA}.served_models (name, fingerprint, spec) VALUES ('${n.node.name}', '${fp}', '${JSON.stringify(n.spec).replace(/'/g, "''")}'::jsonb) ON CONFLICT (name) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, spec = EXCLUDED.spec, applied_at = now();`;
    const isolation = n.spec.tenant ? `rows isolated by ${n.spec.tenant}` : 'no tenant column: readable by every tenant';
    out.push({
      action: have === undefined ? 'create' : 'recreate',
      model: n.node.name,
      cause: have === undefined ? `newly served (${isolation})` : `its columns, key or tenant changed (${isolation}); rows are copied again by the next sync`,
      statements: [...(have === undefined ? [] : dropServedTableDdl(n.node.name)), ...servedTableDdl(n.node, n.spec, appRole), record],
    });
  }
  const wanted = new Set(servedNodes(manifest).map((n) => n.node.name));
  for (const name of deployed.keys()) {
    if (wanted.has(name)) continue;
    out.push({ action: 'drop', model: name, cause: 'no longer served', statements: [...dropServedTableDdl(name), `DELETE FROM ${SERVING_SCHEMA}.served_models WHERE name = '${name}';`] });
  }
  return out;
}

/** Runs the schema setup (idempotent) and every stage, all in one transaction: readers see the old tables or the new ones. */
export async function applyOperational(op: Db, stages: readonly OperationalStage[], appRole: string): Promise<void> {
  await op.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('mvkit.serving.apply', 0))`);
    for (const s of servingSchemaDdl(appRole)) await tx.exec(s);
    for (const st of stages) for (const s of st.statements) await tx.exec(s);
  });
}

/** Plan and apply together: what `mvkit apply` runs for the operational target. */
export async function deployOperational(op: Db, manifest: Manifest, appRole: string): Promise<OperationalStage[]> {
  const stages = await planOperational(op, manifest, appRole);
  await applyOperational(op, stages, appRole);
  return stages;
}

/** `plan`'s lines for the operational target. */
export function renderOperationalPlan(stages: readonly OperationalStage[], full = false): string {
  if (!stages.length) return 'Operational database: matches the served models.\n';
  const lines = ['Operational database (served models):'];
  for (const s of stages) {
    lines.push(`  ${s.action} ${SERVING_SCHEMA}.${s.model}: ${s.cause}`);
    if (full) for (const q of s.statements) lines.push(q.split('\n').map((l) => `      ${l}`).join('\n'));
  }
  return lines.join('\n') + '\n';
}
