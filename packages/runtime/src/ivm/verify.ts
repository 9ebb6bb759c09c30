import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { RefreshError } from '../errors.ts';
import { staleness } from '../status/pending.ts';
import { findNode } from './node-plan.ts';

export interface VerifyResult {
  node: string;
  equal: boolean;
  /** Rows of the recomputation the stored MV lacks (with multiplicity), at most `limit`. */
  missing: Record<string, unknown>[];
  /** Rows the stored MV has beyond the recomputation, at most `limit`. */
  extra: Record<string, unknown>[];
  /** Why the MV is stale (not compared: a refresh comes first), else absent. */
  stale?: string;
}

/**
 * Recomputes every MV from its ONE select and compares it with the maintained table as
 * multisets in both directions, over the declared columns (cast to their declared types, as
 * the storage table holds them). One REPEATABLE READ snapshot per node. An MV with input changes
 * it has not refreshed yet is reported stale instead (not compared), and so is one the engine
 * recomputes in full that differs: a refresh comes first.
 */
export async function verify(db: Db, manifest: Manifest, options: { select?: string[]; limit?: number } = {}): Promise<VerifyResult[]> {
  const names = options.select ?? manifest.nodes.filter((n) => n.kind === 'mv').map((n) => n.name);
  const limit = options.limit ?? 50;
  const out: VerifyResult[] = [];
  for (const name of names) {
    const node = findNode(manifest, name);
    if (node.kind !== 'mv') continue;
    const [exists] = await db.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [name]);
    if (!exists?.r) throw new RefreshError(`${name} does not exist on this target`, { hint: 'run mvkit apply first' });
    const recompute = `SELECT ${node.columns.map((c) => `CAST(q.${c.name} AS ${c.type}) AS ${c.name}`).join(', ')} FROM (${node.sql}) q`;
    const stored = `SELECT ${node.columns.map((c) => c.name).join(', ')} FROM ${name}`;
    const r = await db.transaction(async (tx) => {
      await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      // A stale MV differs from its recomputation until it is refreshed: no comparison, and the
      // check sees the same snapshot as a comparison would (a load may commit meanwhile).
      const s = await staleness(tx, manifest, name);
      if (s.stale) return { missing: [], extra: [], stale: s.stale };
      const missing = await tx.query<Record<string, unknown>>(`(${recompute}) EXCEPT ALL (${stored}) LIMIT ${limit}`);
      const extra = await tx.query<Record<string, unknown>>(`(${stored}) EXCEPT ALL (${recompute}) LIMIT ${limit}`);
      // Recomputed in full by each refresh: a difference only means its inputs changed since.
      if (s.untracked && (missing.length || extra.length)) return { missing, extra, stale: 'refreshed in full, and its inputs changed since its last refresh' };
      return { missing, extra };
    });
    out.push({ node: name, equal: !r.missing.length && !r.extra.length && !r.stale, ...r });
  }
  return out;
}
