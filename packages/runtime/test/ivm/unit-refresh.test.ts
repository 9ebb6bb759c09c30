import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Db } from '../../src/db/db.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { refreshAll } from '../../src/ivm/index.ts';
import { applyOp, expectVerified, logEntries, mvNames, platformManifest, runScenario, type Op } from './workload.ts';

let server: PostgresServer;
let manifest: Manifest;
const open: Db[] = [];

beforeAll(async () => {
  manifest = await platformManifest();
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  for (const d of open) await d.close().catch(() => undefined);
  await server?.stop();
});

const seed: Op[] = [
  { op: 'submit', rows: [{ t: 0, m: 0, c: 0, ch: 0, country: 'DE', at: 0 }, { t: 0, m: 1, c: 1, ch: 1, country: 'FR', at: 3600 }, { t: 1, m: 0, c: 2, ch: 2, country: null, at: 90000 }] },
  { op: 'receipt', rows: [{ t: 0, m: 0, status: 1, error: null, at: 5 }] },
  { op: 'refresh', select: ['messages', 'messages_enriched'] },
];
const more: Op[] = [
  { op: 'receipt', rows: [{ t: 0, m: 0, status: 2, error: null, at: 30 }, { t: 0, m: 1, status: 1, error: null, at: 3620 }] },
  { op: 'moveCampaign', c: 1, category: 'otp' },
  { op: 'submit', rows: [{ t: 1, m: 3, c: 0, ch: 1, country: 'FR', at: 7200 }] },
];

/** Everything a refresh writes: every MV's rows, the engine's watermarks, history and logs. */
async function state(db: Db): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const n of manifest.nodes.filter((x) => x.kind === 'mv')) {
    const cols = n.columns.map((c) => c.name).join(', ');
    out[n.name] = await db.query(`SELECT ${cols} FROM ${n.name} ORDER BY ${cols}`);
  }
  out.watermarks = await db.query('SELECT consumer, input, mark FROM mvkit.ivm_watermarks ORDER BY consumer, input');
  out.history = await db.query('SELECT count(*)::int AS n FROM mvkit.ivm_refreshes');
  out.logs = await logEntries(db);
  return out;
}

/** The last MV of the chain refuses every write: its refresh fails after every MV before it has done its work. */
async function breakLast(db: Db, last: string): Promise<void> {
  await db.exec(`CREATE FUNCTION unit_test_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure in %', TG_TABLE_NAME; END $$;
CREATE TRIGGER unit_test_boom BEFORE INSERT OR UPDATE OR DELETE ON ${last} FOR EACH STATEMENT EXECUTE FUNCTION unit_test_boom();`);
}
async function mend(db: Db, last: string): Promise<void> {
  await db.exec(`DROP TRIGGER unit_test_boom ON ${last}; DROP FUNCTION unit_test_boom();`);
}

async function failingLastLeavesPreviousState(db: Db): Promise<void> {
  await runScenario(db, manifest, [], seed);
  for (const o of more) await applyOp(db, o);
  const names = mvNames(manifest);
  // The chain up to tenant_daily: every MV before it has changes to write in this unit.
  const chain = ['messages', 'messages_enriched', 'delivery_hourly', 'delivery_daily', 'tenant_channel_daily', 'tenant_daily'].filter((n) => names.includes(n));
  const last = chain.at(-1)!;
  const before = await state(db);
  await breakLast(db, last);
  await expect(refreshAll(db, manifest, { select: chain })).rejects.toThrow(/injected failure in tenant_daily/);
  // All or nothing: not one MV, watermark, history row or log entry of the unit committed.
  expect(await state(db)).toEqual(before);
  await mend(db, last);
  const results = await refreshAll(db, manifest, { select: chain });
  expect(results.map((r) => r.node)).toEqual(chain);
  expect(results.find((r) => r.node === 'messages')!.rowsChanged).toBeGreaterThan(0);
  await expectVerified(db, manifest, chain);
}

describe('a chain refreshed as one unit', () => {
  it('a statement failing at the last MV leaves the previous state (PGlite)', async () => {
    const db = await openPglite();
    open.push(db);
    await failingLastLeavesPreviousState(db);
  }, 180_000);

  it('a statement failing at the last MV leaves the previous state, and its locks are released (native Postgres)', async () => {
    const db = await openPostgres(await server.createDatabase('ivm_unit_fail'));
    open.push(db);
    await failingLastLeavesPreviousState(db);
    // No node lock of the units (the failed one, the one after it) is still held by this session.
    const [r] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()");
    expect(r?.n).toBe(0);
  }, 180_000);

  it('group merges run through statements the session prepares once; a failed script that prepared one leaves the next refresh working (native Postgres)', async () => {
    const url = await server.createDatabase('ivm_unit_prepared');
    const first = await openPostgres(url);
    open.push(first);
    await runScenario(first, manifest, [], seed);
    // A new session, whose first refresh fails at its last MV's merge, sent with that merge's PREPARE.
    const db = await openPostgres(url);
    open.push(db);
    for (const o of more) await applyOp(db, o);
    const names = mvNames(manifest);
    const chain = ['messages', 'messages_enriched', 'delivery_hourly', 'delivery_daily', 'tenant_channel_daily', 'tenant_daily'].filter((n) => names.includes(n));
    const last = chain.at(-1)!;
    await breakLast(db, last);
    await expect(refreshAll(db, manifest, { select: chain })).rejects.toThrow(/injected failure/);
    await mend(db, last);
    await refreshAll(db, manifest, { select: chain });
    await expectVerified(db, manifest, chain);
    const prepared = async () => (await db.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE '\\_ivm\\_p\\_%' ORDER BY name")).map((r) => r.name);
    expect((await prepared()).length).toBeGreaterThan(0);
    // The same changes again: the same statements, executed, none prepared anew.
    const seen = await prepared();
    for (const o of more) await applyOp(db, o);
    await refreshAll(db, manifest, { select: chain });
    expect(await prepared()).toEqual(seen);
    await expectVerified(db, manifest, chain);
  }, 180_000);

  it('concurrent callers refreshing overlapping chains while writers commit: each unit is atomic, the result equals the recomputation (native Postgres)', async () => {
    const url = await server.createDatabase('ivm_unit_concurrent');
    const db = await openPostgres(url);
    open.push(db);
    await runScenario(db, manifest, [], seed);
    const callers = [await openPostgres(url), await openPostgres(url), await openPostgres(url)];
    const writer = await openPostgres(url);
    open.push(...callers, writer);
    let done = false;
    const selections = [undefined, ['messages', 'messages_enriched', 'delivery_hourly'], ['delivery_hourly', 'delivery_daily', 'tenant_channel_daily', 'tenant_daily']];
    let refreshes = 0;
    const caller = async (c: Db, k: number) => {
      while (!done) {
        // One caller per node (unit: false) beside the units: all of them take the same node locks.
        await refreshAll(c, manifest, { ...(selections[k] ? { select: selections[k] } : {}), ...(k === 2 && refreshes % 2 ? { unit: false } : {}) });
        refreshes++;
      }
    };
    const writes = async () => {
      for (let i = 0; i < 30 || refreshes < 6; i++) {
        await writer.exec('BEGIN');
        await applyOp(writer, { op: 'submit', rows: [{ t: i % 2, m: 10 + i, c: i % 3, ch: i % 3, country: 'DE', at: i * 600 }] });
        await applyOp(writer, { op: 'receipt', rows: [{ t: i % 2, m: 10 + (i >> 1), status: i % 4, error: null, at: i * 600 + 20 }] });
        if (i % 5 === 0) await applyOp(writer, { op: 'moveCampaign', c: i % 3, category: i % 2 ? 'otp' : 'promo' });
        await writer.exec(i % 7 === 3 ? 'ROLLBACK' : 'COMMIT');
      }
    };
    const running = callers.map((c, k) => caller(c, k));
    await writes();
    done = true;
    await Promise.all(running);
    expect(refreshes).toBeGreaterThanOrEqual(6);
    await refreshAll(db, manifest);
    await expectVerified(db, manifest);
  }, 240_000);

  /** A campaign renamed (a column no aggregate reads): messages_enriched changes, the aggregates over it keep their rows as they were. */
  async function renameLeavesAggregatesUnwritten(db: Db): Promise<void> {
    await runScenario(db, manifest, [], seed);
    await refreshAll(db, manifest);
    const versions = async () => db.query<{ k: string; v: string }>('SELECT _ivm_k AS k, xmin::text AS v FROM delivery_hourly ORDER BY 1');
    const before = await versions();
    expect(before.length).toBeGreaterThan(0);
    // Handed over within one unit of the whole chain.
    await applyOp(db, { op: 'campaign', t: 0, c: 0, name: 1, category: 'promo' });
    const results = await refreshAll(db, manifest);
    expect(results.find((r) => r.node === 'messages_enriched')!.rowsChanged).toBeGreaterThan(0);
    expect(results.find((r) => r.node === 'delivery_hourly')).toMatchObject({ rowsChanged: 0, inputRows: 2 });
    expect(await versions()).toEqual(before);
    await expectVerified(db, manifest);
    // Read from messages_enriched's log by a later refresh: the change's rows are still counted.
    await applyOp(db, { op: 'campaign', t: 0, c: 0, name: 2, category: 'promo' });
    await refreshAll(db, manifest, { select: ['messages', 'messages_enriched'] });
    const [hourly] = await refreshAll(db, manifest, { select: ['delivery_hourly'] });
    expect(hourly).toMatchObject({ node: 'delivery_hourly', rowsChanged: 0, inputRows: 2 });
    expect(await versions()).toEqual(before);
    await refreshAll(db, manifest);
    await expectVerified(db, manifest);
  }

  it('a change to a column an aggregate does not read leaves its groups unwritten (PGlite)', async () => {
    const db = await openPglite();
    open.push(db);
    await renameLeavesAggregatesUnwritten(db);
  }, 120_000);

  it('a change to a column an aggregate does not read leaves its groups unwritten (native Postgres)', async () => {
    const db = await openPostgres(await server.createDatabase('unit_rename'));
    open.push(db);
    await renameLeavesAggregatesUnwritten(db);
  }, 120_000);

  /**
   * A keyed rows MV reports the keys it changed: a message updated (its old and new row), one
   * submitted (a new row only), and one whose campaign was deleted (its old row only: the
   * enrichment's join drops it) make three keys, where counting images would make four; the
   * same as the distinct keys of its log.
   */
  async function countsKeysChanged(db: Db): Promise<void> {
    await runScenario(db, manifest, [], seed);
    await refreshAll(db, manifest);
    const [{ s }] = await db.query<{ s: number }>('SELECT COALESCE(max(_seq), 0)::int AS s FROM mvkit.ivm_log_messages_enriched') as [{ s: number }];
    await applyOp(db, { op: 'receipt', rows: [{ t: 0, m: 0, status: 2, error: null, at: 40 }] });
    await applyOp(db, { op: 'submit', rows: [{ t: 1, m: 3, c: 0, ch: 1, country: 'FR', at: 7200 }] });
    await applyOp(db, { op: 'deleteCampaign', t: 0, c: 1 });
    // delivery_hourly, outside the unit, reads messages_enriched's log: the change is logged.
    const results = await refreshAll(db, manifest, { select: ['messages', 'messages_enriched'] });
    const enriched = results.find((r) => r.node === 'messages_enriched')!;
    expect(enriched.rowsChanged).toBe(3);
    const [{ keys }] = await db.query<{ keys: number }>(`SELECT count(DISTINCT (tenant_id, message_id))::int AS keys FROM mvkit.ivm_log_messages_enriched WHERE _seq > ${s}`) as [{ keys: number }];
    expect(keys).toBe(3);
    await refreshAll(db, manifest);
    await expectVerified(db, manifest);
  }

  it('a keyed rows MV counts the keys it changed, each once whatever images it has (PGlite)', async () => {
    const db = await openPglite();
    open.push(db);
    await countsKeysChanged(db);
  }, 120_000);

  it('a keyed rows MV counts the keys it changed, each once whatever images it has (native Postgres)', async () => {
    const db = await openPostgres(await server.createDatabase('unit_keys_changed'));
    open.push(db);
    await countsKeysChanged(db);
  }, 120_000);

  /**
   * When only the stream changed, messages_enriched's delta is its one changed input's handed-over
   * change joined to the dimensions' tables, and is not grouped again (see consolidatedAsJoined):
   * it must still be exactly the change. A message updated by a receipt gives its old row (-1) and
   * its new row (+1), a message submitted its new row (+1): three distinct rows in the log, two
   * keys changed, and every MV equal to its recomputation.
   */
  async function oneInputChanged(db: Db): Promise<void> {
    // The platform's models alone: messages_enriched is the one reader of messages.
    const manifest = await platformManifest(false);
    await runScenario(db, manifest, [], seed);
    await refreshAll(db, manifest);
    const [{ s }] = await db.query<{ s: number }>('SELECT COALESCE(max(_seq), 0)::int AS s FROM mvkit.ivm_log_messages_enriched') as [{ s: number }];
    await applyOp(db, { op: 'receipt', rows: [{ t: 0, m: 1, status: 1, error: null, at: 3650 }] });
    await applyOp(db, { op: 'submit', rows: [{ t: 1, m: 4, c: 2, ch: 0, country: 'DE', at: 7300 }] });
    const results = await refreshAll(db, manifest, { select: ['messages', 'messages_enriched'] });
    expect(results.find((r) => r.node === 'messages_enriched')).toMatchObject({ rowsChanged: 2 });
    const log = await db.query<{ m: string; w: number; delivered: boolean }>(`SELECT message_id AS m, _w AS w, delivered_at IS NOT NULL AS delivered FROM mvkit.ivm_log_messages_enriched WHERE _seq > ${s} ORDER BY message_id, _w`);
    expect(log).toEqual([{ m: 'm1', w: -1, delivered: false }, { m: 'm1', w: 1, delivered: true }, { m: 'm4', w: 1, delivered: false }]);
    await refreshAll(db, manifest);
    await expectVerified(db, manifest);
  }

  /**
   * A message updated by a receipt whose campaign moves to another category in the same refresh:
   * the messages' change joined to the campaigns' table meets the campaigns' change joined to the
   * messages, and the campaigns' old state, on its key. Consolidated, the terms leave its old row
   * out and its new row in (status and category both new); the campaign's other message changes
   * category only. (Left ungrouped, as a delta of one changed input is, they would give its key
   * rows that cancel each other.)
   */
  async function termsMeet(db: Db): Promise<void> {
    const manifest = await platformManifest(false);
    await runScenario(db, manifest, [], seed);
    await applyOp(db, { op: 'submit', rows: [{ t: 0, m: 5, c: 1, ch: 0, country: 'DE', at: 3700 }] });
    await refreshAll(db, manifest);
    const [{ s }] = await db.query<{ s: number }>('SELECT COALESCE(max(_seq), 0)::int AS s FROM mvkit.ivm_log_messages_enriched') as [{ s: number }];
    await applyOp(db, { op: 'receipt', rows: [{ t: 0, m: 1, status: 1, error: null, at: 3650 }] });
    await applyOp(db, { op: 'moveCampaign', c: 1, category: 'otp' });
    // delivery_hourly, outside the unit, reads messages_enriched's log: the change is logged.
    const results = await refreshAll(db, manifest, { select: ['messages', 'messages_enriched'] });
    expect(results.find((r) => r.node === 'messages_enriched')).toMatchObject({ rowsChanged: 2 });
    const log = await db.query<{ m: string; w: number; delivered: boolean; category: string | null }>(`SELECT message_id AS m, _w AS w, delivered_at IS NOT NULL AS delivered, category FROM mvkit.ivm_log_messages_enriched WHERE _seq > ${s} ORDER BY message_id, _w`);
    // Every campaign is created in category promo (runScenario).
    expect(log).toEqual([
      { m: 'm1', w: -1, delivered: false, category: 'promo' }, { m: 'm1', w: 1, delivered: true, category: 'otp' },
      { m: 'm5', w: -1, delivered: false, category: 'promo' }, { m: 'm5', w: 1, delivered: false, category: 'otp' },
    ]);
    await refreshAll(db, manifest);
    await expectVerified(db, manifest);
  }

  it('a keyed rows MV whose changed inputs meet on a key groups their rows there (PGlite)', async () => {
    const db = await openPglite();
    open.push(db);
    await termsMeet(db);
  }, 120_000);

  it('a keyed rows MV whose changed inputs meet on a key groups their rows there (native Postgres)', async () => {
    const db = await openPostgres(await server.createDatabase('unit_terms_meet'));
    open.push(db);
    await termsMeet(db);
  }, 120_000);

  it('a keyed rows MV whose one changed input is handed over consolidated logs exactly its change (PGlite)', async () => {
    const db = await openPglite();
    open.push(db);
    await oneInputChanged(db);
  }, 120_000);

  it('a keyed rows MV whose one changed input is handed over consolidated logs exactly its change (native Postgres)', async () => {
    const db = await openPostgres(await server.createDatabase('unit_one_input'));
    open.push(db);
    await oneInputChanged(db);
  }, 120_000);

  it('an MV whose every reader is in the unit hands its change over instead of logging it; a reader outside the unit (another selection, a sync consumer) gets the log', async () => {
    const db = await openPglite();
    open.push(db);
    await runScenario(db, manifest, [], seed);
    await refreshAll(db, manifest);
    const chain = ['messages', 'messages_enriched', 'delivery_hourly', 'delivery_daily', 'tenant_channel_daily', 'tenant_daily'].filter((n) => mvNames(manifest).includes(n));
    const marks = async () => Object.fromEntries((await db.query<{ k: string; mark: number }>("SELECT consumer || ' <- ' || input AS k, mark::int AS mark FROM mvkit.ivm_watermarks")).map((r) => [r.k, r.mark]));
    const logged = async () => {
      const out: Record<string, number> = {};
      for (const n of chain) out[n] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mvkit.ivm_log_${n}`))[0]!.n;
      return out;
    };

    // The whole chain as one unit: every MV but the last is read only by the next one, in the unit.
    for (const o of more) await applyOp(db, o);
    const before = await marks();
    const results = await refreshAll(db, manifest);
    expect(results.find((r) => r.node === 'messages')!.rowsChanged).toBeGreaterThan(0);
    expect(results.find((r) => r.node === 'messages_enriched')!.rowsChanged).toBeGreaterThan(0);
    // Nothing was written to any MV's log, and no watermark on an MV moved (the log did not grow).
    expect(await logged()).toEqual(Object.fromEntries(chain.map((n) => [n, 0])));
    const after = await marks();
    for (const [k, m] of Object.entries(after)) if (chain.some((n) => k.endsWith(`<- ${n}`))) expect(m).toBe(before[k]);
    await expectVerified(db, manifest);

    // A selection that leaves messages_enriched's reader out: messages_enriched logs its change,
    // and delivery_hourly, refreshed later on its own, reads it from the log.
    await applyOp(db, { op: 'submit', rows: [{ t: 0, m: 7, c: 1, ch: 0, country: 'US', at: 7300 }] });
    await refreshAll(db, manifest, { select: ['messages', 'messages_enriched'] });
    expect((await logged()).messages_enriched).toBeGreaterThan(0);
    await refreshAll(db, manifest, { select: ['delivery_hourly', 'delivery_daily', 'tenant_channel_daily', 'tenant_daily'] });
    await expectVerified(db, manifest, chain);

    // A reader of delivery_daily's log outside the engine's MVs (sync registers so): it is logged
    // in a unit of the whole chain, and that reader's watermark is left where it was.
    const [{ h }] = (await db.query<{ h: number }>('SELECT COALESCE(max(_seq), 0)::int AS h FROM mvkit.ivm_log_delivery_daily')) as [{ h: number }];
    await db.query("INSERT INTO mvkit.ivm_watermarks (consumer, input, mark) VALUES ('sync:test', 'delivery_daily', $1)", [h]);
    await applyOp(db, { op: 'receipt', rows: [{ t: 0, m: 7, status: 2, error: null, at: 7330 }] });
    await refreshAll(db, manifest);
    const n = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mvkit.ivm_log_delivery_daily WHERE _seq > $1', [h]);
    expect(n[0]!.n).toBeGreaterThan(0);
    expect((await logged()).messages_enriched).toBe(0);
    await expectVerified(db, manifest);
  }, 180_000);
});
