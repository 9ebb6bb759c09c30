import type { Db } from '../db/db.ts';
import { now } from '../state/state-schema.ts';

/** One assertion run: `fail` when its query found offending rows (`failingRows` of them, `sample` the first). */
export interface AssertionResult {
  readonly id: string;
  readonly model: string;
  readonly kind: string;
  readonly level: 'error' | 'warn';
  readonly description: string;
  readonly status: 'pass' | 'fail';
  readonly failingRows: number;
  readonly sample: readonly Record<string, unknown>[];
  readonly durationMs: number;
  /** The command that ran it: refresh, run or check. */
  readonly command: string;
  readonly at: string;
}

/**
 * Results of assertion runs, kept in the state schema beside the refresh history (one row per
 * run of an assertion; `status` shows the last of each). VARCHAR for the sample: Redshift has no JSON type.
 */
const DDL = 'CREATE TABLE IF NOT EXISTS mvkit.assertion_results (assertion VARCHAR(255) NOT NULL, model VARCHAR(127) NOT NULL, kind VARCHAR(32) NOT NULL, level VARCHAR(8) NOT NULL, description VARCHAR(1024) NOT NULL, status VARCHAR(8) NOT NULL, failing_rows BIGINT NOT NULL, sample VARCHAR(65535), duration_ms BIGINT NOT NULL, command VARCHAR(16) NOT NULL, at TIMESTAMPTZ NOT NULL)';

export async function ensureAssertionResults(db: Db): Promise<void> {
  await db.exec('CREATE SCHEMA IF NOT EXISTS mvkit');
  await db.exec(DDL);
}

export async function recordAssertionResults(db: Db, results: readonly AssertionResult[]): Promise<void> {
  if (!results.length) return;
  await ensureAssertionResults(db);
  for (const r of results) {
    await db.query(
      'INSERT INTO mvkit.assertion_results (assertion, model, kind, level, description, status, failing_rows, sample, duration_ms, command, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [r.id, r.model, r.kind, r.level, r.description.slice(0, 1024), r.status, r.failingRows, JSON.stringify(r.sample).slice(0, 65535), Math.round(r.durationMs), r.command, r.at ?? now()],
    );
  }
}

/** The last result of each assertion, by id; empty when none ever ran here. */
export async function lastAssertionResults(db: Db): Promise<AssertionResult[]> {
  const [t] = await db.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'assertion_results'");
  if (!Number(t?.n)) return [];
  const rows = await db.query<Record<string, unknown>>('SELECT assertion, model, kind, level, description, status, failing_rows, sample, duration_ms, command, at FROM mvkit.assertion_results ORDER BY at');
  const last = new Map<string, AssertionResult>();
  for (const r of rows) {
    let sample: Record<string, unknown>[] = [];
    try { sample = JSON.parse(String(r.sample ?? '[]')) as Record<string, unknown>[]; } catch { /* cut at 64 KB: shown without its sample */ }
    last.set(String(r.assertion), {
      id: String(r.assertion), model: String(r.model), kind: String(r.kind), level: r.level as AssertionResult['level'], description: String(r.description),
      status: r.status as AssertionResult['status'], failingRows: Number(r.failing_rows), sample, durationMs: Number(r.duration_ms), command: String(r.command),
      at: r.at instanceof Date ? r.at.toISOString() : String(r.at),
    });
  }
  return [...last.values()];
}
