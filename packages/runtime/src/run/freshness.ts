import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';

/**
 * Where freshness is measured: an event time of a stream, and the top rollup column that shows it
 * (for the platform: message_submissions.submitted_at → MAX(tenant_daily.last_submitted_at)).
 */
export interface FreshnessProbe {
  readonly stream: string;
  readonly node: string;
  readonly column: string;
}

/** The last MV that nothing else materializes from, and its `last_…` timestamp column. */
export function freshnessProbe(manifest: Manifest): FreshnessProbe | undefined {
  const mvs = manifest.nodes.filter((n) => n.kind === 'mv');
  const top = [...mvs].reverse().find((n) => !mvs.some((m) => m.dependsOn.includes(n.name)));
  const column = top?.columns.find((c) => c.name.startsWith('last_') && /^TIMESTAMP/i.test(c.type));
  const stream = manifest.streams.find((s) => column && column.name.endsWith(s.eventTime)) ?? manifest.streams[0];
  return top && column && stream ? { stream: stream.name, node: top.name, column: column.name } : undefined;
}

/** The newest event time visible in the probe's node (ISO 8601), or null when it is empty. */
export async function newestVisible(db: Db, probe: FreshnessProbe): Promise<string | null> {
  const rows = await db.query<{ t: string | null }>(`SELECT to_char(MAX(${probe.column}), 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS t FROM ${probe.node}`);
  return rows[0]?.t ? `${rows[0].t}Z` : null;
}

export const RUN_BATCHES_DDL = `CREATE SCHEMA IF NOT EXISTS mvkit;
CREATE TABLE IF NOT EXISTS mvkit.run_batches (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  finished_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  files INTEGER NOT NULL,
  rows_loaded INTEGER NOT NULL,
  rows_rejected INTEGER NOT NULL,
  load_ms INTEGER NOT NULL,
  refresh_ms INTEGER NOT NULL,
  newest_event_at TIMESTAMP,
  visible_at TIMESTAMP,
  freshness_ms INTEGER
);`;
