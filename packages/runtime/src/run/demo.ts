import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest, Model } from '@mvkit/compiler';
import { applyDeployment } from '../apply/apply.ts';
import type { Db } from '../db/db.ts';
import { engineFor } from '../engines/open-engine.ts';
import { q } from '../load/feeds.ts';
import { writeProjectBatches } from '../sample/project-files.ts';
import { generateProjectSample, type ProjectSampleOptions } from '../sample/project-sample.ts';
import { projectShape } from '../sample/project-shape.ts';
import { PlatformRunner, type BatchRefreshOptions, type BatchReport } from './run-platform.ts';

export type DemoProgress =
  | { readonly kind: 'deployed'; readonly stages: number; readonly nodes: number; readonly durationMs: number }
  | { readonly kind: 'batch'; readonly name: string; readonly index: number; readonly total: number; readonly report: BatchReport };

export interface DemoOptions extends Partial<ProjectSampleOptions>, BatchRunOptions {
  /** Rows shown per serving view. */
  readonly previewRows?: number;
}

/** The first rows of a relation the project serves (its views, else its last MVs). */
export interface DemoPreview {
  readonly name: string;
  readonly rows: readonly Record<string, unknown>[];
  readonly total: number;
}

export interface DemoResult {
  readonly batches: readonly BatchReport[];
  readonly previews: readonly DemoPreview[];
  readonly records: number;
  readonly wallMs: number;
}

/** What the project serves: its views, or the MVs no other node reads when it has none. */
function served(manifest: Manifest): string[] {
  const views = manifest.nodes.filter((n) => n.kind === 'view').map((n) => n.name);
  if (views.length) return views;
  const read = new Set(manifest.nodes.flatMap((n) => n.dependsOn));
  return manifest.nodes.filter((n) => n.kind === 'mv' && !read.has(n.name)).map((n) => n.name);
}

/** What deployAndRunBatches needs: where to land the files, whom to tell, how to refresh. */
export interface BatchRunOptions {
  /** Scratch folder: the landing files go to <dir>/landing; wiped at start. */
  readonly dir: string;
  readonly onProgress?: (p: DemoProgress) => void;
  readonly refresh?: BatchRefreshOptions;
}

/**
 * Deploys the manifest (mvkit apply), then writes each batch into <dir>/landing and loads and
 * refreshes it (mvkit load, mvkit refresh), reporting each step: the loop of every demo, whatever
 * generates its batches.
 */
export async function deployAndRunBatches<B extends { readonly name: string }>(
  db: Db, manifest: Manifest, batches: readonly B[], write: (landing: string, batch: B) => void, options: BatchRunOptions,
): Promise<{ readonly reports: readonly BatchReport[]; readonly records: number }> {
  const landing = join(options.dir, 'landing');
  rmSync(landing, { recursive: true, force: true });
  mkdirSync(landing, { recursive: true });
  const engine = await engineFor(db);
  const t0 = performance.now();
  const applied = await applyDeployment(db, engine, manifest);
  options.onProgress?.({ kind: 'deployed', stages: applied.plan.stages.length, nodes: manifest.nodes.length, durationMs: performance.now() - t0 });
  const runner = new PlatformRunner(db, manifest, engine, landing, options.refresh);
  const reports: BatchReport[] = [];
  let records = 0;
  for (const [i, b] of batches.entries()) {
    write(landing, b);
    const report = await runner.runBatch();
    records += report.load.rowsLoaded;
    reports.push(report);
    options.onProgress?.({ kind: 'batch', name: b.name, index: i, total: batches.length, report });
  }
  return { reports, records };
}

/**
 * Any project end to end on one connection: deploy (mvkit apply), then synthetic data from its models
 * (mvkit generate) batch by batch, each loaded and refreshed (mvkit load, mvkit refresh), then the first
 * rows of what it serves. The caller opens (and wipes) the database.
 */
export async function runProjectDemo(db: Db, manifest: Manifest, models: Iterable<Model>, options: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const batches = generateProjectSample(projectShape(manifest, models), options);
  const { reports, records } = await deployAndRunBatches(db, manifest, batches, (landing, b) => writeProjectBatches(landing, [b]), options);
  const previews: DemoPreview[] = [];
  for (const name of served(manifest)) {
    const node = manifest.nodes.find((n) => n.name === name)!;
    const order = node.columns.map((_, i) => i + 1).join(', ');
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM ${q(name)} ORDER BY ${order} LIMIT ${options.previewRows ?? 8}`);
    const total = await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${q(name)}`);
    previews.push({ name, rows, total: total[0]?.n ?? 0 });
  }
  return { batches: reports, previews, records, wallMs: performance.now() - started };
}
