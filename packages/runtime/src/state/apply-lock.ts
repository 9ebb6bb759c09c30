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
  const lease = await readLease(db);
  return { live: lease ? await leaseLive(db, lease, await whoAmIOnRedshift(db)) : false, holder: h };
}

/*
 * Redshift has no advisory locks, and STV_SESSIONS shows a regular user only the sessions of its own
 * database user (https://docs.aws.amazon.com/redshift/latest/dg/r_STV_SESSIONS.html). So the holder
 * row carries a lease: the holder's database user and session, and an expiry the apply renews at
 * every stage. A holder of the same user (or any holder, seen by a superuser) is live while its
 * session is; a holder of another user, whose session we cannot see, while its lease runs.
 */
/** How long a Redshift apply lease lasts without a renewal: longer than any one stage should take. */
export const LEASE_SECONDS = 3600;
const LEASE_DDL = 'CREATE TABLE IF NOT EXISTS mvkit.apply_lease (id INT PRIMARY KEY, apply_id VARCHAR(64) NOT NULL, db_user VARCHAR(128) NOT NULL, backend_pid INT NOT NULL, expires_at TIMESTAMP NOT NULL)';

interface Lease { applyId: string; dbUser: string; backendPid: number; expiresAt: string; expired: boolean }
interface Me { pid: number; dbUser: string; superuser: boolean }

async function readLease(db: Db): Promise<Lease | undefined> {
  // Checked, not caught: inside a transaction a failed query would abort it.
  const [t] = await db.query<{ r: string | null }>("SELECT COUNT(*) AS r FROM pg_tables WHERE schemaname = 'mvkit' AND tablename = 'apply_lease'");
  if (!Number(t?.r)) return undefined;
  const [r] = await db.query<Record<string, unknown>>('SELECT apply_id, TRIM(db_user) AS db_user, backend_pid, expires_at, CASE WHEN expires_at < GETDATE() THEN 1 ELSE 0 END AS expired FROM mvkit.apply_lease WHERE id = 1');
  if (!r) return undefined;
  const at = r.expires_at instanceof Date ? r.expires_at.toISOString() : String(r.expires_at);
  return { applyId: String(r.apply_id), dbUser: String(r.db_user), backendPid: Number(r.backend_pid), expiresAt: at, expired: Number(r.expired) === 1 };
}

async function whoAmIOnRedshift(db: Db): Promise<Me> {
  const [r] = await db.query<{ pid: number; db_user: string; superuser: unknown }>('SELECT pg_backend_pid() AS pid, TRIM(usename) AS db_user, usesuper AS superuser FROM pg_user WHERE usename = current_user');
  return { pid: Number(r?.pid), dbUser: String(r?.db_user ?? ''), superuser: r?.superuser === true || r?.superuser === 't' };
}

async function leaseLive(db: Db, lease: Lease, me: Me): Promise<boolean> {
  if (lease.backendPid === me.pid) return true;
  if (lease.dbUser === me.dbUser || me.superuser) {
    return (await db.query('SELECT process FROM stv_sessions WHERE process = $1', [lease.backendPid])).length > 0;
  }
  return !lease.expired;
}

function redshiftLockError(h: Holder | undefined, lease: Lease, me: Me): LockError {
  const e = lockError(h);
  if (lease.dbUser === me.dbUser || me.superuser) return e;
  return new LockError(`${e.message}, database user ${lease.dbUser}`, {
    hint: `Redshift shows a regular user only its own sessions, so mvkit cannot tell whether that apply is still alive: its lease runs until ${lease.expiresAt} UTC (renewed at each stage). Wait for it, or, if you know it is gone, DELETE FROM mvkit.apply_lease and apply again`,
  });
}

/** Extends a Redshift apply's lease (each stage calls it with its state row); a no-op elsewhere. */
export async function renewApplyLock(db: Db, applyId: string): Promise<void> {
  if (db.kind !== 'redshift') return;
  await db.query(`UPDATE mvkit.apply_lease SET expires_at = DATEADD(second, ${LEASE_SECONDS}, GETDATE()) WHERE apply_id = $1`, [applyId]);
}

/**
 * Takes the apply lock or fails at once with who holds it. It lives as long as the session
 * that took it, so a killed apply frees it:
 * - postgres: a session advisory lock (released when the connection closes);
 * - pglite: the data directory's lock (db/dir-lock.ts) keeps every other process out while this
 *   one has it open; within the process, a set of held connections; a holder row whose process is
 *   gone (a killed apply) is stale;
 * - redshift: no advisory locks; a lease row (database user, session, expiry renewed per stage):
 *   see the comment on LEASE_SECONDS.
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
  await db.exec(LEASE_DDL);
  // LOCK serializes two acquisitions (it waits only for the other's few statements here).
  await db.transaction(async (tx) => {
    await tx.exec('LOCK mvkit.apply_lock');
    const me = await whoAmIOnRedshift(tx);
    const lease = await readLease(tx);
    if (lease && lease.backendPid !== me.pid && (await leaseLive(tx, lease, me))) throw redshiftLockError(await holder(tx), lease, me);
    await writeHolder(tx, applyId, me.pid);
    await tx.query('DELETE FROM mvkit.apply_lease WHERE id = 1');
    await tx.query(`INSERT INTO mvkit.apply_lease (id, apply_id, db_user, backend_pid, expires_at) VALUES (1, $1, $2, $3, DATEADD(second, ${LEASE_SECONDS}, GETDATE()))`, [applyId, me.dbUser, me.pid]);
  });
  return async () => {
    await db.query('DELETE FROM mvkit.apply_lease WHERE apply_id = $1', [applyId]);
    await db.query('DELETE FROM mvkit.apply_lock WHERE apply_id = $1', [applyId]);
  };
}
