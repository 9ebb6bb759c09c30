import type { Manifest } from '@mvkit/compiler';
import type { Db } from '@mvkit/runtime';
import { deployAndRunBatches, type BatchReport, type BatchRunOptions, type DemoProgress } from '@mvkit/runtime/run/index.ts';
import { writeBatch } from './cdc-files.ts';
import { generateSample, type GenerateSampleOptions } from './generate-sample.ts';

export interface DashboardRow {
  readonly tenant_id: string;
  readonly tenant_name: string | null;
  readonly channel_id: string;
  readonly day: string;
  readonly submitted: number;
  readonly sent: number;
  readonly delivered: number;
  readonly read: number;
  readonly failed: number;
  readonly delivery_rate: number | null;
  readonly read_rate: number | null;
  readonly failure_rate: number | null;
  readonly latency_p50_s: number | null;
  readonly latency_p90_s: number | null;
}

/** The per-tenant dashboard, straight from the serving view tenant_channel_metrics. */
export async function readDashboard(db: Db): Promise<DashboardRow[]> {
  const rows = await db.query<DashboardRow>(`SELECT m.tenant_id, t.tenant_name, m.channel_id, to_char(m.day, 'YYYY-MM-DD') AS day,
      m.submitted::float8 AS submitted, m.sent::float8 AS sent, m.delivered::float8 AS delivered, m.read::float8 AS read, m.failed::float8 AS failed,
      m.delivery_rate, m.read_rate, m.failure_rate, m.latency_p50_s::float8 AS latency_p50_s, m.latency_p90_s::float8 AS latency_p90_s
    FROM tenant_channel_metrics AS m LEFT JOIN tenants AS t ON t.tenant_id = m.tenant_id
    ORDER BY m.tenant_id, m.day, m.channel_id`);
  return rows;
}

export type { DemoProgress };

export interface DemoOptions extends GenerateSampleOptions, BatchRunOptions {}

export interface DemoResult {
  readonly batches: readonly BatchReport[];
  readonly dashboard: readonly DashboardRow[];
  readonly records: number;
  readonly wallMs: number;
}

/**
 * The messaging platform end to end on one connection, with its realistic traffic: deploy (mvkit apply), then a day of traffic batch by
 * batch, each loaded and refreshed (mvkit refresh), then the dashboard. The caller opens (and
 * wipes) the database.
 */
export async function runDemo(db: Db, manifest: Manifest, options: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const batches = generateSample(options);
  const { reports, records } = await deployAndRunBatches(db, manifest, batches, (landing, b) => writeBatch(landing, b, 'mixed'), options);
  return { batches: reports, dashboard: await readDashboard(db), records, wallMs: performance.now() - started };
}
