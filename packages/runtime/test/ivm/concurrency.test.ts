import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Db } from '../../src/db/db.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { refreshAll } from '../../src/ivm/index.ts';
import { tryNodeLock, unlockNode } from '../../src/ivm/catalog.ts';
import { refreshNode } from '../../src/ivm/refresh.ts';
import { applyOp, expectVerified, platformManifest, runScenario, type Op } from './workload.ts';

let server: PostgresServer;
let url: string;
let db: Db;
let manifest: Manifest;
const extra: Db[] = [];
const connect = async () => {
  const c = await openPostgres(url);
  extra.push(c);
  return c;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  manifest = await platformManifest();
  server = await startPostgres();
  url = await server.createDatabase('ivm_concurrency');
  db = await openPostgres(url);
});
afterAll(async () => {
  for (const c of extra) await c.close().catch(() => undefined);
  await db?.close();
  await server?.stop();
});

const submit = (m: number, at: number): Op => ({ op: 'submit', rows: [{ t: 0, m, c: 0, ch: 0, country: 'DE', at }] });
const receipt = (m: number, at: number): Op => ({ op: 'receipt', rows: [{ t: 0, m, status: 1, error: null, at }] });

/** Waits until some session is blocked on a lock (the refresh waiting out an in-flight writer). */
async function waitForLockWait(observer: Db): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [r] = await observer.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()");
    if ((r?.n ?? 0) > 0) return;
    await sleep(10);
  }
  throw new Error('no session ever waited for a lock');
}

describe('incremental engine under concurrent writers (native Postgres)', () => {
  it('a row whose lower sequence number commits after a higher one is not skipped', async () => {
    await runScenario(db, manifest, [], [submit(0, 0), { op: 'refresh', select: ['messages'] }]);
    const [t1, t2, observer] = [await connect(), await connect(), await connect()];
    await t1.exec('BEGIN');
    await applyOp(t1, submit(1, 3600)); // draws the lower sequence number, commits last
    await t2.exec('BEGIN');
    await applyOp(t2, receipt(1, 3604));
    await applyOp(t2, receipt(0, 10));
    await t2.exec('COMMIT');
    // Dimension writes out of order too: the lower log number commits last.
    await t1.query("UPDATE campaigns SET category = 'otp' WHERE campaign_id = 'c1'");
    await t2.exec('BEGIN');
    await t2.query("UPDATE campaigns SET campaign_name = 'renamed' WHERE campaign_id = 'c2'");
    await t2.exec('COMMIT');

    const refresh = refreshAll(db, manifest);
    await waitForLockWait(observer);
    await t1.exec('COMMIT');
    await refresh;
    await expectVerified(db, manifest);
    expect((await db.query("SELECT DISTINCT category FROM messages_enriched WHERE tenant_id = 't1'")).map((r) => r.category)).toEqual(['otp']);
    const rows = await db.query<{ message_id: string; submitted_at: Date | null; delivered_at: Date | null }>("SELECT message_id, submitted_at, delivered_at FROM messages WHERE tenant_id = 't1' ORDER BY message_id");
    expect(rows.map((r) => [r.message_id, !!r.submitted_at, !!r.delivered_at])).toEqual([['m0', true, true], ['m1', true, true]]);
  });

  it('dimension changes committed after the high mark was read are left for the next refresh', async () => {
    await runScenario(db, manifest, [], [submit(0, 0), submit(1, 3600), { op: 'refresh', select: ['messages'] }]);
    const w = await connect();
    let fired = 0;
    const afterHighMarks = async (node: string) => {
      if (node !== 'messages_enriched' && node !== 'x_join_agg') return;
      fired++;
      if (node === 'x_join_agg') {
        // MIN/MAX recomputation over a join reads the dimension at the high mark while the snapshot holds a later change.
        await w.query("UPDATE campaigns SET campaign_name = 'zzz-late' WHERE campaign_id = 'c1'");
        return;
      }
      // Commits past the high mark before the refresh's snapshot: the snapshot sees it, the delta must not.
      await w.query("UPDATE campaigns SET category = 'late' WHERE campaign_id = 'c1'");
      await w.query("DELETE FROM channels WHERE channel_id = 'wa'");
      await w.query("INSERT INTO message_events (tenant_id, message_id, event_stream, status, event_at) VALUES ('t1', 'm0', 'delivery_receipts', 'delivered', '2026-03-01 00:00:09')");
    };
    await applyOp(db, { op: 'moveCampaign', c: 0, category: 'otp' });
    await applyOp(db, receipt(1, 3610));
    const [r] = await refreshAll(db, manifest, { select: ['messages', 'messages_enriched', 'delivery_hourly', 'x_join_agg'], afterHighMarks }).then((rs) => rs.filter((x) => x.node === 'messages_enriched'));
    expect(fired).toBe(2);
    expect(await db.query("SELECT 1 FROM x_join_agg WHERE max_name = 'zzz-late'")).toEqual([]);
    expect(r?.mode).toBe('incremental');
    // Consistent at the high mark: the 'otp' move is in, the 'late' one is not yet.
    expect((await db.query("SELECT DISTINCT category FROM messages_enriched WHERE campaign_id = 'c1'")).map((x) => x.category)).toEqual(['otp']);
    await refreshAll(db, manifest);
    await expectVerified(db, manifest);
    expect((await db.query("SELECT DISTINCT category FROM messages_enriched WHERE campaign_id = 'c1'")).map((x) => x.category)).toEqual(['late']);
    expect((await db.query("SELECT 1 FROM x_join_agg WHERE max_name = 'zzz-late'")).length).toBeGreaterThan(0);
  });

  it('writers committing, rolling back and updating dimensions while refreshes run: a final refresh equals the recomputation', async () => {
    await runScenario(db, manifest, [], [submit(0, 0), { op: 'refresh', select: ['messages'] }]);
    let done = false;
    let refreshes = 0;
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const writer = async (w: Db, k: number) => {
      // Until several refreshes have overlapped with the writes.
      for (let i = 0; i < 40 || refreshes < 3; i++) {
        await w.exec('BEGIN');
        for (let j = 0; j <= rnd(3); j++) {
          const m = rnd(6);
          await applyOp(w, rnd(2) ? { op: 'submit', rows: [{ t: rnd(2), m, c: rnd(3), ch: rnd(3), country: 'FR', at: rnd(3) * 3600 + k }] } : { op: 'receipt', rows: [{ t: rnd(2), m, status: rnd(4), error: null, at: rnd(3) * 3600 + 30 + k }] });
        }
        await sleep(rnd(15));
        await w.exec(rnd(5) === 0 ? 'ROLLBACK' : 'COMMIT');
      }
    };
    const dimWriter = async (w: Db) => {
      for (let i = 0; i < 15; i++) {
        await w.exec('BEGIN');
        await applyOp(w, { op: 'moveCampaign', c: rnd(3), category: ['promo', 'otp', null][rnd(3)]! });
        if (rnd(4) === 0) await applyOp(w, { op: 'deleteChannel', ch: rnd(3) });
        else await applyOp(w, { op: 'channel', ch: rnd(3), name: rnd(2) });
        await sleep(rnd(20));
        await w.exec('COMMIT');
      }
    };
    const refresher = async () => {
      while (!done) {
        await refreshAll(db, manifest);
        refreshes++;
      }
      return refreshes;
    };
    const ws = [await connect(), await connect(), await connect(), await connect()];
    const r = refresher();
    await Promise.all([writer(ws[0]!, 1), writer(ws[1]!, 2), writer(ws[2]!, 3), dimWriter(ws[3]!)]);
    done = true;
    expect(await r).toBeGreaterThanOrEqual(3);
    await refreshAll(db, manifest);
    await expectVerified(db, manifest);
  });
});

describe("a refresh's node lock and bookkeeping (native Postgres)", () => {
  // What another session sees of the node's lock: whether it can take it (and then gives it back).
  const lockFree = async (other: Db, node: string) => {
    const ok = await tryNodeLock(other, node);
    if (ok) await unlockNode(other, node);
    return ok;
  };
  // A refresh of messages while `breakIt` holds fails with `error`; mendIt undoes it either way.
  const failsWhile = async (breakIt: string, mendIt: string, error: RegExp) => {
    await db.exec(breakIt);
    try {
      await expect(refreshNode(db, manifest, 'messages')).rejects.toThrow(error);
    } finally {
      await db.exec(mendIt);
    }
  };
  const mark = async () => Number((await db.query<{ m: number }>("SELECT mark AS m FROM mvkit.ivm_watermarks WHERE consumer = 'messages' AND input = 'message_events'"))[0]?.m);
  const messages = () => db.query('SELECT tenant_id, message_id, receipt_count FROM messages ORDER BY 1, 2');

  it('are released and written with its COMMIT, and a failure there or before it leaves nothing behind', async () => {
    await runScenario(db, manifest, [], [submit(0, 0), { op: 'refresh', select: ['messages'] }]);
    const other = await connect();
    const [seq] = await db.query<{ n: number }>('SELECT max(_ivm_seq)::bigint AS n FROM message_events');
    expect(await mark()).toBe(Number(seq!.n));

    // A refresh that commits: the watermark moves to the new high mark, its history row says what
    // it folded in (one new event: one new group), and another session can take the node's lock.
    await applyOp(db, submit(5, 60));
    const [high] = await db.query<{ n: number }>('SELECT max(_ivm_seq)::bigint AS n FROM message_events');
    const ok = await refreshNode(db, manifest, 'messages');
    expect(ok).toMatchObject({ node: 'messages', mode: 'incremental', rowsChanged: 1 });
    expect(await mark()).toBe(Number(high!.n));
    const [last] = await db.query<{ mode: string; reason: string | null; rows_changed: number; input_rows: number; duration_ms: number }>(
      "SELECT mode, reason, rows_changed, input_rows, duration_ms FROM mvkit.ivm_refreshes WHERE node = 'messages' ORDER BY id DESC LIMIT 1",
    );
    expect(last).toEqual({ mode: 'incremental', reason: null, rows_changed: ok.rowsChanged, input_rows: ok.inputRows, duration_ms: expect.any(Number) });
    expect(await lockFree(other, 'messages')).toBe(true);

    // The history row fails in the COMMIT's round trip: the merge it would have committed with is
    // rolled back (MV, watermark), and the lock is released all the same.
    const before = await messages();
    await applyOp(db, receipt(5, 90));
    await failsWhile("ALTER TABLE mvkit.ivm_refreshes ADD CONSTRAINT test_refuse CHECK (node <> 'messages') NOT VALID", 'ALTER TABLE mvkit.ivm_refreshes DROP CONSTRAINT test_refuse', /test_refuse/);
    expect(await messages()).toEqual(before);
    expect(await mark()).toBe(Number(high!.n));
    expect(await lockFree(other, 'messages')).toBe(true);

    // A failure inside the transaction (the MV's log is missing) releases the lock too.
    await failsWhile('ALTER TABLE mvkit.ivm_log_messages RENAME TO ivm_log_messages_away', 'ALTER TABLE mvkit.ivm_log_messages_away RENAME TO ivm_log_messages', /ivm_log_messages/);
    expect(await messages()).toEqual(before);
    expect(await lockFree(other, 'messages')).toBe(true);

    // Nothing was lost: the next refresh folds the receipt in, and every MV equals its recomputation.
    await refreshAll(db, manifest);
    expect((await messages()).find((m) => m.message_id === 'm5')).toMatchObject({ receipt_count: 1 });
    await expectVerified(db, manifest);
  });
});
