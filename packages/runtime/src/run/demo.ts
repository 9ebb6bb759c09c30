import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@mvkit/compiler';
import { applyDeployment } from '../apply/apply.ts';
import type { Db } from '../db/db.ts';
import { engineFor } from '../engines/open-engine.ts';
import { writeBatch } from '../sample/cdc-files.ts';
import { generateSample, type GenerateSampleOptions } from '../sample/generate-sample.ts';
import { PlatformRunner, type BatchRefreshOptions, type BatchReport } from './run-platform.ts';

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

export type DemoProgress =
  | { readonly kind: 'deployed'; readonly stages: number; readonly nodes: number; readonly durationMs: number }
  | { readonly kind: 'batch'; readonly name: string; readonly index: number; readonly total: number; readonly report: BatchReport };

export interface DemoOptions extends GenerateSampleOptions {
  /** Scratch folder: the landing files go to <dir>/landing; wiped at start. */
  readonly dir: string;
  readonly onProgress?: (p: DemoProgress) => void;
  readonly refresh?: BatchRefreshOptions;
}

export interface DemoResult {
  readonly batches: readonly BatchReport[];
  readonly dashboard: readonly DashboardRow[];
  readonly records: number;
  readonly wallMs: number;
}

/**
 * The platform end to end on one connection: deploy (mvkit apply), then a day of traffic batch by
 * batch, each loaded and refreshed (mvkit refresh), then the dashboard. The caller opens (and
 * wipes) the database.
 */
export async function runDemo(db: Db, manifest: Manifest, options: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const landing = join(options.dir, 'landing');
  rmSync(landing, { recursive: true, force: true });
  mkdirSync(landing, { recursive: true });
  const engine = await engineFor(db);
  const t0 = performance.now();
  const applied = await applyDeployment(db, engine, manifest);
  options.onProgress?.({ kind: 'deployed', stages: applied.plan.stages.length, nodes: manifest.nodes.length, durationMs: performance.now() - t0 });
  const batches = generateSample(options);
  const runner = new PlatformRunner(db, manifest, engine, landing, options.refresh);
  const reports: BatchReport[] = [];
  let records = 0;
  for (const [i, b] of batches.entries()) {
    writeBatch(landing, b, 'mixed');
    const report = await runner.runBatch();
    records += report.load.rowsLoaded;
    reports.push(report);
    options.onProgress?.({ kind: 'batch', name: b.name, index: i, total: batches.length, report });
  }
  return { batches: reports, dashboard: await readDashboard(db), records, wallMs: performance.now() - started };
}
