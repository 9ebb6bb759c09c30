import { hostname, userInfo } from 'node:os';
import type { Db } from '../db/db.ts';
import { LockError } from '../errors.ts';
import { ensureStateSchema, now } from './state-schema.ts';

export interface Holder {
  readonly applyId: string;
  readonly who: string;
  readonly host: string;
  readonly pid: number;
  readonly since: string;
}

/** user@host, for the lock and mvkit.applies. */
export function whoAmI(): string {
  let user = 'unknown';
  try { user = userInfo().username; } catch { /* no passwd entry in some containers */ }
  return `${user}@${hostname()}`;
}

/** A key for pg_advisory_lock: "mvkit" in ASCII. */
const ADVISORY_KEY = 0x6d766b6974;
const heldInProcess = new Set<unknown>();

function lockError(h: Holder | undefined): LockError {
  const by = h ? `${h.who} pid ${h.pid} since ${h.since} (apply ${h.applyId})` : 'another session';
  return new LockError(`another apply is running on this target: held by ${by}`, {
    hint: 'wait for it to finish and run apply again; the lock is freed when the holder ends, even if it is killed',
  });
}

async function holder(db: Db): Promise<Holder | undefined> {
  const rows = await db.query<Record<string, unknown>>('SELECT apply_id, who, host, pid, since FROM mvkit.apply_lock WHERE id = 1').catch(() => []);
  const r = rows[0];
  if (!r) return undefined;
  return { applyId: String(r.apply_id), who: String(r.who), host: String(r.host), pid: Number(r.pid), since: r.since instanceof Date ? r.since.toISOString() : String(r.since) };
}

async function writeHolder(db: Db, applyId: string, backendPid: number | null): Promise<void> {
  await db.query('DELETE FROM mvkit.apply_lock WHERE id = 1');
  await db.query('INSERT INTO mvkit.apply_lock (id, apply_id, who, host, pid, backend_pid, since) VALUES (1, $1, $2, $3, $4, $5, $6)', [applyId, whoAmI(), hostname(), process.pid, backendPid, now()]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether an apply holds the lock right now, and the holder it recorded. A `running` apply whose
 * lock is not held was killed: the next apply marks it interrupted and finishes its work.
 */
export async function applyLockState(db: Db): Promise<{ live: boolean; holder: Holder | undefined }> {
  const h = await holder(db);
  if (db.kind === 'postgres') {
    // The session advisory lock of acquireApplyLock, as pg_locks shows a bigint key: high and low 32 bits.
    const [r] = await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ${Math.floor(ADVISORY_KEY / 2 ** 32)} AND objid = ${ADVISORY_KEY % 2 ** 32} AND objsubid = 1`);
    return { live: Number(r?.n) > 0, holder: h };
  }
  if (db.kind === 'pglite') {
    // A data directory is open in one process at a time (db/dir-lock.ts): only this one can be applying.
    return { live: heldInProcess.has((db as { pglite?: unknown }).pglite ?? db), holder: h };
  }
  const pid = (await db.query<{ backend_pid: number | null }>('SELECT backend_pid FROM mvkit.apply_lock WHERE id = 1').catch(() => []))[0]?.backend_pid;
  const live = pid != null && (await db.query('SELECT process FROM stv_sessions WHERE process = $1', [pid])).length > 0;
  return { live, holder: h };
}

/**
 * Takes the apply lock or fails at once with who holds it. It lives as long as the session
 * that took it, so a killed apply frees it:
 * - postgres: a session advisory lock (released when the connection closes);
 * - pglite: the data directory's lock (db/dir-lock.ts) keeps every other process out while this
 *   one has it open; within the process, a set of held connections; a holder row whose process is
 *   gone (a killed apply) is stale;
 * - redshift: no advisory locks; a holder row whose session is gone (STV_SESSIONS) is stale.
 * Creates the state schema once it holds the lock. Returns the release function.
 */
export async function acquireApplyLock(db: Db, applyId: string): Promise<() => Promise<void>> {
  if (db.kind === 'postgres') {
    const [r] = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [ADVISORY_KEY]);
    if (!r?.ok) throw lockError(await holder(db));
    await ensureStateSchema(db);
    await writeHolder(db, applyId, null);
    return async () => {
      await db.query('DELETE FROM mvkit.apply_lock WHERE apply_id = $1', [applyId]);
      await db.query('SELECT pg_advisory_unlock($1)', [ADVISORY_KEY]);
    };
  }
  if (db.kind === 'pglite') {
    const key = (db as { pglite?: unknown }).pglite ?? db;
    if (heldInProcess.has(key)) throw lockError(await holder(db));
    heldInProcess.add(key);
    try {
      await ensureStateSchema(db);
      const h = await holder(db);
      if (h && h.host === hostname() && h.pid !== process.pid && alive(h.pid)) throw lockError(h);
      await writeHolder(db, applyId, null);
    } catch (e) {
      heldInProcess.delete(key);
      throw e;
    }
    return async () => {
      heldInProcess.delete(key);
      await db.query('DELETE FROM mvkit.apply_lock WHERE apply_id = $1', [applyId]);
    };
  }
  await ensureStateSchema(db);
  // LOCK serializes two acquisitions (it waits only for the other's few statements here).
  await db.transaction(async (tx) => {
    await tx.exec('LOCK mvkit.apply_lock');
    const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const rows = await tx.query<{ backend_pid: number | null }>('SELECT backend_pid FROM mvkit.apply_lock WHERE id = 1');
    const held = rows[0]?.backend_pid;
    if (held != null && held !== me?.pid) {
      const live = await tx.query('SELECT process FROM stv_sessions WHERE process = $1', [held]);
      if (live.length) throw lockError(await holder(tx));
    }
    await writeHolder(tx, applyId, me?.pid ?? null);
  });
  return async () => {
    await db.query('DELETE FROM mvkit.apply_lock WHERE apply_id = $1', [applyId]);
  };
}
