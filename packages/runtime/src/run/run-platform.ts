import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import type { Engine, RefreshOutcome } from '../engines/engine.ts';
import { loadLanding, type LoadSummary } from '../load/load-landing.ts';
import { refreshDeployment, type RefreshCommandOptions } from '../refresh/refresh.ts';
import { syncServed, type SyncResult } from '../serving/sync.ts';
import { freshnessProbe, newestVisible, RUN_BATCHES_DDL, type FreshnessProbe } from './freshness.ts';

export interface LevelTiming {
  readonly level: number;
  readonly nodes: readonly string[];
  readonly durationMs: number;
  readonly rowsChanged: number;
}

export interface BatchReport {
  readonly batch: number;
  readonly load: Pick<LoadSummary, 'filesLoaded' | 'rowsLoaded' | 'rowsRejected' | 'durationMs' | 'rejects'>;
  readonly refresh: { readonly results: readonly RefreshOutcome[]; readonly levels: readonly LevelTiming[]; readonly durationMs: number };
  /** The newest event (probe stream's event time) loaded and not yet seen in the top rollup, if any. */
  readonly newestEventAt: string | null;
  /** When the top rollup showed it: the end of this batch's refresh. */
  readonly visibleAt: string | null;
  /** visibleAt − newestEventAt, ms: how old the newest event was when the dashboards could see it. */
  readonly freshnessMs: number | null;
  /** The sync into the operational database after the refresh (when the runner has one). */
  readonly sync?: { readonly results: readonly SyncResult[]; readonly durationMs: number };
}

/** How each batch refreshes: as `mvkit refresh` does (progress, threads). */
export type BatchRefreshOptions = Pick<RefreshCommandOptions, 'threads' | 'trace'>;

export interface RunOptions {
  readonly landing: string;
  readonly refresh?: BatchRefreshOptions;
  /** Seconds between the starts of two batches. */
  readonly intervalS?: number;
  /** Stop after this many batches (default: until the signal aborts). */
  readonly batches?: number;
  /** Aborting ends the loop after the current batch. */
  readonly signal?: AbortSignal;
  readonly onBatch?: (r: BatchReport) => void | Promise<void>;
  /** Called before each batch: a generator can drop files here (the demo and the benchmark). */
  readonly beforeBatch?: (batch: number) => void | Promise<void>;
  /** The operational database: each batch ends with `mvkit sync` into it. */
  readonly syncTo?: Db;
}

/** A node's level: tables 0, each MV one more than its deepest input (the order a refresh walks). */
export function nodeLevels(manifest: Manifest): Map<string, number> {
  const level = new Map<string, number>();
  for (const n of manifest.nodes) level.set(n.name, n.dependsOn.length ? 1 + Math.max(...n.dependsOn.map((d) => level.get(d) ?? 0)) : 0);
  return level;
}

function levelsOf(manifest: Manifest, results: readonly RefreshOutcome[]): LevelTiming[] {
  const level = nodeLevels(manifest);
  const by = new Map<number, { nodes: string[]; durationMs: number; rowsChanged: number }>();
  for (const r of results) {
    const l = level.get(r.node) ?? 0;
    const e = by.get(l) ?? { nodes: [], durationMs: 0, rowsChanged: 0 };
    e.nodes.push(r.node);
    e.durationMs += r.durationMs ?? 0;
    e.rowsChanged += r.rows ?? 0;
    by.set(l, e);
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([lvl, e]) => ({ level: lvl, ...e }));
}

/**
 * Load → refresh → freshness, one batch. The refresh is `mvkit refresh`'s: the target's engine,
 * the deployed nodes checked against the project, each refresh recorded in mvkit.refresh_history. `pending` carries the newest loaded event that the top rollup
 * did not show yet (its refresh may land in a later batch).
 */
export class PlatformRunner {
  private pending: string | null = null;
  private batch = 0;
  private readonly probe: FreshnessProbe | undefined;

  constructor(private readonly db: Db, private readonly manifest: Manifest, private readonly engine: Engine, private readonly landing: string, private readonly refreshOptions: BatchRefreshOptions = {}, private readonly syncTo?: Db) {
    this.probe = freshnessProbe(manifest);
  }

  async runBatch(): Promise<BatchReport> {
    if (this.batch === 0) await this.db.exec(RUN_BATCHES_DDL);
    const batch = ++this.batch;
    const load = await loadLanding(this.db, this.manifest, { landing: this.landing });
    const loadedNewest = this.probe ? load.newestEventAt[this.probe.stream] : undefined;
    if (loadedNewest && (!this.pending || loadedNewest > this.pending)) this.pending = loadedNewest;
    const t0 = performance.now();
    const results = await refreshDeployment(this.db, this.engine, this.manifest, this.refreshOptions);
    const refreshMs = performance.now() - t0;
    const visibleAtMs = Date.now();
    let newestEventAt: string | null = null;
    let visibleAt: string | null = null;
    let freshnessMs: number | null = null;
    if (this.probe && this.pending) {
      const shown = await newestVisible(this.db, this.probe);
      if (shown && shown >= this.pending) {
        newestEventAt = this.pending;
        visibleAt = new Date(visibleAtMs).toISOString();
        freshnessMs = visibleAtMs - Date.parse(this.pending);
        this.pending = null;
      }
    }
    let sync: BatchReport['sync'];
    if (this.syncTo) {
      const s0 = performance.now();
      const results = await syncServed(this.db, this.syncTo, this.manifest);
      sync = { results, durationMs: performance.now() - s0 };
    }
    await this.db.query(
      'INSERT INTO mvkit.run_batches (files, rows_loaded, rows_rejected, load_ms, refresh_ms, newest_event_at, visible_at, freshness_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [load.filesLoaded, load.rowsLoaded, load.rowsRejected, load.durationMs, Math.round(refreshMs), newestEventAt?.replace('Z', '') ?? null, visibleAt?.replace('Z', '') ?? null, freshnessMs === null ? null : Math.round(freshnessMs)],
    );
    return {
      batch,
      load: { filesLoaded: load.filesLoaded, rowsLoaded: load.rowsLoaded, rowsRejected: load.rowsRejected, durationMs: load.durationMs, rejects: load.rejects },
      refresh: { results, levels: levelsOf(this.manifest, results), durationMs: refreshMs },
      newestEventAt, visibleAt, freshnessMs,
      ...(sync ? { sync } : {}),
    };
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs batches every `intervalS` seconds until `batches` are done or the signal aborts (after the current batch). */
export async function runPlatform(db: Db, manifest: Manifest, engine: Engine, options: RunOptions): Promise<BatchReport[]> {
  const runner = new PlatformRunner(db, manifest, engine, options.landing, options.refresh, options.syncTo);
  const reports: BatchReport[] = [];
  const intervalMs = (options.intervalS ?? 5) * 1000;
  for (let i = 1; options.batches === undefined || i <= options.batches; i++) {
    if (options.signal?.aborted) break;
    const started = performance.now();
    await options.beforeBatch?.(i);
    const r = await runner.runBatch();
    reports.push(r);
    await options.onBatch?.(r);
    if (options.batches !== undefined && i >= options.batches) break;
    await sleep(intervalMs - (performance.now() - started), options.signal);
  }
  return reports;
}
