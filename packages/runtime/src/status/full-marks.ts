import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { quote } from '../ivm/catalog.ts';
import { externalHighMarks } from '../ivm/marks.ts';
import type { InputRef } from '../ivm/node-plan.ts';

/**
 * The engine keeps no watermarks for an MV it recomputes in full, so whether its inputs changed
 * since its last refresh is not recorded there. Here it is: per such MV, the high mark of each
 * table it reads (directly or through views) as read just before a refresh that recomputed it,
 * with the creation time of both (a node recreated starts over: its numbers restart). An MV
 * whose tables hold nothing past these marks, and whose MV inputs were not refreshed since
 * (their last mvkit.ivm_refreshes id is the mark: an MV input changes only by a refresh, and an
 * MV's log is not written for a consumer without watermarks), has nothing to recompute.
 */
const TABLE = 'mvkit.full_refresh_marks';
const DDL = `CREATE TABLE IF NOT EXISTS ${TABLE} (consumer text NOT NULL, input text NOT NULL, mark bigint NOT NULL, consumer_created text NOT NULL, input_created text NOT NULL, PRIMARY KEY (consumer, input))`;

export interface FullMark {
  consumer: string;
  input: string;
  mark: number | string;
  consumer_created: string;
  input_created: string;
}

/** The capture a recorded MV input is probed with: refreshed since its mark (an id of mvkit.ivm_refreshes). */
export const REFRESHED = 'refreshed';

/** The tables and MVs MV `name` reads, directly or through views: what its marks are of. */
export function markedInputs(manifest: Manifest, name: string, byName = new Map(manifest.nodes.map((n) => [n.name, n]))): string[] {
  const out = new Set<string>();
  const visit = (n: string, seen: Set<string>) => {
    for (const p of byName.get(n)?.dependsOn ?? []) {
      const input = byName.get(p);
      if (!input || seen.has(p)) continue;
      seen.add(p);
      if (input.kind === 'view') visit(p, seen);
      else out.add(p);
    }
  };
  visit(name, new Set());
  return [...out];
}

/** The recorded marks; none when nothing was recorded yet. One query. */
export async function readFullMarks(db: Db): Promise<FullMark[]> {
  const [t] = await db.query<{ r: string | null }>(`SELECT to_regclass('${TABLE}')::text AS r`);
  if (!t?.r) return [];
  return db.query<FullMark>(`SELECT consumer, input, mark, consumer_created, input_created FROM ${TABLE}`);
}

/**
 * Reads the high marks of the tables the full-recompute MVs among `names` read, before their refresh
 * (soundly, as a refresh reads them: see externalHighMarks), and returns what records them once
 * the refresh committed. A mark read before the refresh is at or below what the refresh saw: a
 * row in between is refreshed again next time, never missed.
 */
export async function markFullRefreshes(db: Db, manifest: Manifest, names: readonly string[]): Promise<() => Promise<void>> {
  if (!names.length) return async () => undefined;
  const nodes = await db.query<{ name: string; kind: string; capture: string; layout: string | null; created: string; refreshed: number | string | null }>(
    'SELECT n.name, n.kind, n.capture, n.layout, n.created_at::text AS created, (SELECT max(r.id) FROM mvkit.ivm_refreshes r WHERE r.node = n.name) AS refreshed FROM mvkit.ivm_nodes n');
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const manifestNodes = new Map(manifest.nodes.map((n) => [n.name, n]));
  const tables = new Map<string, string[]>();
  for (const n of names) {
    const t = markedInputs(manifest, n, manifestNodes);
    if (byName.get(n)?.layout === 'full' && t.every((x) => byName.get(x)?.kind === 'mv' || byName.get(x)?.capture === 'seq' || byName.get(x)?.capture === 'log')) tables.set(n, t);
  }
  if (!tables.size) return async () => undefined;
  const inputs = [...new Set([...tables.values()].flat())].filter((x) => byName.get(x)!.kind !== 'mv').map((relation) => ({ relation, capture: byName.get(relation)!.capture, engineWritten: false }) as unknown as InputRef);
  const high = await externalHighMarks(db, inputs);
  return async () => {
    // Each MV's first row (input '') says it was recorded, also when it reads no table.
    const row = (consumer: string, input: string, mark: number, created: string) => `(${quote(consumer)}, ${quote(input)}, ${mark}, ${quote(byName.get(consumer)!.created)}, ${quote(created)})`;
    const rows = [...tables].flatMap(([consumer, ts]) => [row(consumer, '', 0, ''), ...ts.map((input) => row(consumer, input, byName.get(input)!.kind === 'mv' ? Number(byName.get(input)!.refreshed ?? 0) : high.get(input) ?? 0, byName.get(input)!.created))]);
    const consumers = [...tables.keys()].map(quote).join(', ');
    await db.script([
      DDL,
      `DELETE FROM ${TABLE} WHERE consumer IN (${consumers})`,
      ...(rows.length ? [`INSERT INTO ${TABLE} (consumer, input, mark, consumer_created, input_created) VALUES ${rows.join(', ')}`] : []),
    ]);
  };
}
