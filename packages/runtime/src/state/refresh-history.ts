import type { Db } from '../db/db.ts';
import type { RefreshMode } from '../engines/engine.ts';
import { now } from './state-schema.ts';

export interface RefreshRecord {
  readonly node: string;
  readonly mode: RefreshMode;
  readonly rows: number | null;
  readonly durationMs: number | null;
  readonly at: string;
  readonly detail: string | null;
}

export async function recordRefresh(db: Db, r: Omit<RefreshRecord, 'at'> & { at?: string }): Promise<void> {
  await db.query('INSERT INTO mvkit.refresh_history (node, mode, rows, duration_ms, at, detail) VALUES ($1, $2, $3, $4, $5, $6)', [r.node, r.mode, r.rows, r.durationMs === null ? null : Math.round(r.durationMs), r.at ?? now(), r.detail?.slice(0, 1000) ?? null]);
}

/**
 * The history rows of one refresh command. Local targets: one INSERT of every row, whatever
 * their number. Redshift: a statement per row, as each MV's refresh there is a statement of its
 * own anyway (and its statement sequence is pinned by the golden tests).
 */
export async function recordRefreshes(db: Db, records: readonly (Omit<RefreshRecord, 'at'> & { at?: string })[]): Promise<void> {
  if (db.kind === 'redshift') {
    for (const r of records) await recordRefresh(db, r);
    return;
  }
  if (!records.length) return;
  const at = now();
  // Arrays, one per column: six parameters, whatever the number of rows.
  await db.query(
    'INSERT INTO mvkit.refresh_history (node, mode, rows, duration_ms, at, detail) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::text[])',
    [records.map((r) => r.node), records.map((r) => r.mode), records.map((r) => r.rows), records.map((r) => (r.durationMs === null ? null : Math.round(r.durationMs))), records.map((r) => r.at ?? at), records.map((r) => r.detail?.slice(0, 1000) ?? null)],
  );
}

/** The last refresh of each node. */
export async function lastRefreshes(db: Db): Promise<Map<string, RefreshRecord>> {
  const rows = await db.query<Record<string, unknown>>('SELECT node, mode, rows, duration_ms, at, detail FROM mvkit.refresh_history ORDER BY at');
  const out = new Map<string, RefreshRecord>();
  for (const r of rows) {
    out.set(String(r.node), {
      node: String(r.node), mode: r.mode as RefreshRecord['mode'], rows: r.rows == null ? null : Number(r.rows), durationMs: r.duration_ms == null ? null : Number(r.duration_ms),
      at: r.at instanceof Date ? r.at.toISOString() : String(r.at), detail: (r.detail as string | null) ?? null,
    });
  }
  return out;
}
