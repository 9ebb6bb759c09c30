import type { Db } from '../db/db.ts';
import { now, parseJson } from './state-schema.ts';

export interface ApplyRecord {
  readonly id: string;
  readonly who: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  readonly stages: unknown;
  readonly progress: number;
  readonly error: string | null;
}

export async function startApply(db: Db, id: string, who: string, stages: unknown): Promise<void> {
  // An apply that still says `running` was killed: its lock is gone, since we hold it now.
  await db.query("UPDATE mvkit.applies SET status = 'interrupted', finished_at = $1 WHERE status = 'running'", [now()]);
  await db.query("INSERT INTO mvkit.applies (id, who, started_at, status, stages, progress) VALUES ($1, $2, $3, 'running', $4, 0)", [id, who, now(), JSON.stringify(stages)]);
}

export async function recordProgress(db: Db, id: string, done: number): Promise<void> {
  await db.query('UPDATE mvkit.applies SET progress = $1 WHERE id = $2', [done, id]);
}

export async function finishApply(db: Db, id: string, status: 'succeeded' | 'failed', error?: string): Promise<void> {
  await db.query('UPDATE mvkit.applies SET status = $1, finished_at = $2, error = $3 WHERE id = $4', [status, now(), error?.slice(0, 4000) ?? null, id]);
}

export async function readApplies(db: Db, limit = 10): Promise<ApplyRecord[]> {
  const rows = await db.query<Record<string, unknown>>(`SELECT id, who, started_at, finished_at, status, stages, progress, error FROM mvkit.applies ORDER BY started_at DESC LIMIT ${Math.floor(limit)}`);
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));
  return rows.map((r) => ({
    id: String(r.id), who: String(r.who), startedAt: iso(r.started_at)!, finishedAt: iso(r.finished_at), status: r.status as ApplyRecord['status'],
    stages: parseJson(r.stages), progress: Number(r.progress), error: (r.error as string | null) ?? null,
  }));
}
