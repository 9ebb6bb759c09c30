import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { sqlOf, type Db, type Statement, type TransactionOptions } from '../../src/db/db.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { refreshAll } from '../../src/ivm/index.ts';
import { findNode, planNode } from '../../src/ivm/node-plan.ts';
import { tempName } from '../../src/ivm/temp.ts';
import { applyOp, expectVerified, logEntries, platformManifest, runScenario, type Op } from './workload.ts';

let server: PostgresServer;
let manifest: Manifest;
const open: Db[] = [];

beforeAll(async () => {
  // The root project's chain alone (no fixtures): every MV's change is handed over to the next one, or not logged.
  manifest = await platformManifest(false);
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  for (const d of open) await d.close().catch(() => undefined);
  await server?.stop();
});

/** Where a statement was sent: on the connection, in a transaction, with the COMMIT (before it, or after it). */
type Sent = { where: 'connection' | 'transaction' | 'finish' | 'afterCommit'; sql: string };

/**
 * The connection as it is, recording what the engine sends through it: each call (one round
 * trip on native Postgres) with its statements, and the statements a transaction sends with its
 * COMMIT (on native Postgres in the COMMIT's round trip).
 */
function recorded(db: Db): { db: Db; sent: Sent[] } {
  const sent: Sent[] = [];
  // One wrapper per connection, used for everything: the engine keeps what it knows of a
  // session (its temp tables, its prepared statements) per connection object.
  const wrap = (d: Db, where: Sent['where']): Db => ({
    ...d,
    query: (sql: Statement, params?: readonly unknown[]) => { sent.push({ where, sql: sqlOf(sql) }); return d.query(sql, params); },
    exec: (sql: string) => { sent.push({ where, sql }); return d.exec(sql); },
    script: (statements: readonly Statement[]) => { sent.push({ where, sql: statements.map(sqlOf).join(';\n') }); return d.script(statements); },
    transaction: <T>(fn: (tx: Db) => Promise<T>, options: TransactionOptions = {}) => d.transaction((tx) => fn(wrap(tx, 'transaction')), {
      ...(options.finish ? { finish: () => { const s = options.finish!(); sent.push({ where: 'finish', sql: s }); return s; } } : {}),
      ...(options.afterCommit ? { afterCommit: () => { const s = typeof options.afterCommit === 'function' ? options.afterCommit() : (options.afterCommit ?? ''); if (s) sent.push({ where: 'afterCommit', sql: s }); return s; } } : {}),
    }),
  });
  return { db: wrap(db, 'connection'), sent };
}

const seed: Op[] = [
  { op: 'submit', rows: [{ t: 0, m: 0, c: 0, ch: 0, country: 'DE', at: 0 }, { t: 0, m: 1, c: 1, ch: 1, country: 'FR', at: 3600 }, { t: 1, m: 0, c: 2, ch: 2, country: null, at: 90000 }] },
  { op: 'receipt', rows: [{ t: 0, m: 0, status: 1, error: null, at: 5 }] },
];
const events: Op[] = [
  { op: 'receipt', rows: [{ t: 0, m: 0, status: 2, error: null, at: 30 }, { t: 0, m: 1, status: 1, error: null, at: 3620 }] },
  { op: 'submit', rows: [{ t: 1, m: 3, c: 0, ch: 1, country: 'FR', at: 7200 }] },
];
const trims = (s: Sent) => /DELETE FROM mvkit\.ivm_log_|\$ivm_trim\$/.test(s.sql);

async function sendsOnlyTheTrimsNeeded(conn: Db): Promise<void> {
  const r = recorded(conn);
  const db = r.db;
  await runScenario(db, manifest, [], seed);
  const native = db.kind !== 'pglite';

  // New events only: no log holds anything to trim (the dimensions did not change, the MVs'
  // changes are handed over within the unit), so no trim is sent at all.
  for (const o of events) await applyOp(db, o);
  r.sent.length = 0;
  const results = await refreshAll(db, manifest);
  expect(results.find((x) => x.node === 'messages')!.rowsChanged).toBeGreaterThan(0);
  expect(r.sent.filter(trims)).toEqual([]);
  // PGlite has one session: no node lock is taken or released.
  if (!native) expect(r.sent.filter((s) => /pg_advisory_(un)?lock\(/.test(s.sql))).toEqual([]);
  // Whether the dimensions' logs hold changes past their high marks is read with the
  // watermarks: with nothing to copy, messages_enriched sends no probe of its own.
  expect(r.sent.filter((s) => / AS b\d+\b/.test(s.sql))).toEqual([]);
  // A node's statements do not turn sorting on only to turn it off again.
  expect(r.sent.filter((s) => /enable_sort = on;\s*SET LOCAL enable_sort = off/.test(s.sql))).toEqual([]);
  await expectVerified(db, manifest);
  expect(await logEntries(db)).toEqual({});

  // A dimension changed: its log is trimmed with the unit's COMMIT (behind it, in its round trip,
  // on native Postgres; before it, in the same transaction, on PGlite), not in a round trip of its own.
  await applyOp(db, { op: 'moveCampaign', c: 1, category: 'otp' });
  await applyOp(db, { op: 'submit', rows: [{ t: 0, m: 4, c: 1, ch: 0, country: 'DE', at: 7300 }] });
  expect(Object.keys(await logEntries(db))).toEqual(['ivm_log_campaigns']);
  r.sent.length = 0;
  await refreshAll(db, manifest);
  expect(r.sent.filter(trims).map((s) => s.where)).toEqual([native ? 'afterCommit' : 'finish']);
  expect(r.sent.filter(trims)[0]!.sql).toContain('ivm_log_campaigns');
  expect(await logEntries(db)).toEqual({});
  await expectVerified(db, manifest);
}

describe('the statements of a refresh of the chain', () => {
  it('trim only logs that hold something to trim, with the COMMIT; no locks on PGlite (PGlite)', async () => {
    const db = await openPglite();
    open.push(db);
    await sendsOnlyTheTrimsNeeded(db);
  }, 120_000);

  it('trim only logs that hold something to trim, with the COMMIT (native Postgres)', async () => {
    const db = await openPostgres(await server.createDatabase('ivm_statements'));
    open.push(db);
    await sendsOnlyTheTrimsNeeded(db);
  }, 120_000);

  it('entries a trim had to leave (its node locked by another session) are trimmed by a later refresh that finds them (native Postgres)', async () => {
    const url = await server.createDatabase('ivm_statements_left');
    const conn = await openPostgres(url);
    const other = await openPostgres(url);
    open.push(conn, other);
    const r = recorded(conn);
    const db = r.db;
    await runScenario(db, manifest, [], seed);
    // Another engine session holds the campaigns' node lock (createNode does, while it reads the log).
    await other.query("SELECT pg_advisory_lock(hashtextextended('mvkit.ivm:' || 'campaigns', 0))");
    await applyOp(db, { op: 'moveCampaign', c: 0, category: 'otp' });
    await refreshAll(db, manifest);
    expect(Object.keys(await logEntries(db))).toEqual(['ivm_log_campaigns']);
    await other.query("SELECT pg_advisory_unlock(hashtextextended('mvkit.ivm:' || 'campaigns', 0))");
    // No watermark on the campaigns' log moves in this refresh: it is trimmed because its
    // snapshot sees entries every consumer has passed.
    await applyOp(db, events[0]!);
    r.sent.length = 0;
    await refreshAll(db, manifest);
    expect(r.sent.filter(trims).map((s) => s.where)).toEqual(['afterCommit']);
    expect(await logEntries(db)).toEqual({});
    await expectVerified(db, manifest);
  }, 120_000);

  it('an MV whose log nothing reads any more has the entries left in it trimmed (PGlite)', async () => {
    const conn = await openPglite();
    open.push(conn);
    const r = recorded(conn);
    const db = r.db;
    await runScenario(db, manifest, [], seed);
    // A reader outside the engine's MVs (as sync registers) makes tenant_daily log its changes.
    await db.query("INSERT INTO mvkit.ivm_watermarks (consumer, input, mark) VALUES ('sync:test', 'tenant_daily', 0)");
    await applyOp(db, events[1]!);
    await refreshAll(db, manifest);
    expect(Object.keys(await logEntries(db))).toEqual(['ivm_log_tenant_daily']);
    // The reader goes (without trimming): the next refresh, whatever it changes, empties the log.
    await db.query("DELETE FROM mvkit.ivm_watermarks WHERE consumer = 'sync:test'");
    r.sent.length = 0;
    await refreshAll(db, manifest);
    expect(r.sent.filter(trims).map((s) => s.where)).toEqual(['finish']);
    expect(await logEntries(db)).toEqual({});
  }, 120_000);
});

/** The name of a session temp table of an MV (`role`: 'h' its handed-over change, 'd' its delta). */
function tempOf(role: string, name: string): string {
  const plan = planNode(manifest, findNode(manifest, name));
  return tempName(role, name, [plan.node, plan.inputs]);
}

const exists = async (db: Db, table: string) => (await db.query<{ t: string | null }>(`SELECT to_regclass('pg_temp.${table}')::text AS t`))[0]!.t !== null;

async function chainFillsTheNextDelta(db: Db): Promise<void> {
  await runScenario(db, manifest, [], seed);
  // With m0 (delivered after 5 s), m6 in hour 0 delivered after 20 s, and m5 in hour 1 of the
  // same day (same campaign, channel and country) after 40 s: one day of delivery_daily from two
  // hours, its maximum latency m5's.
  await applyOp(db, { op: 'submit', rows: [{ t: 0, m: 6, c: 0, ch: 0, country: 'DE', at: 100 }, { t: 0, m: 5, c: 0, ch: 0, country: 'DE', at: 3600 }] });
  await applyOp(db, { op: 'receipt', rows: [{ t: 0, m: 6, status: 1, error: null, at: 120 }, { t: 0, m: 5, status: 1, error: null, at: 3640 }] });
  await refreshAll(db, manifest);
  const day = async () => (await db.query<{ latency_max_s: number }>("SELECT latency_max_s FROM delivery_daily WHERE tenant_id = 't1' AND campaign_id = 'c1'"));
  expect((await day()).map((r) => Number(r.latency_max_s))).toEqual([40]);

  // A campaign moved (groups deleted and created down the chain) and an earlier delivery of m5:
  // its latency falls to 10 s, so hour 1's maximum (40) is deleted and recomputed (10), and then
  // the day's (40 → 20, m6's, from hour 0): the merge of each level goes to its second round
  // trip, the day's over a delta table the hour's merge filled.
  await applyOp(db, { op: 'moveCampaign', c: 1, category: 'otp' });
  await applyOp(db, { op: 'receipt', rows: [{ t: 0, m: 5, status: 1, error: null, at: 3610 }] });
  const results = await refreshAll(db, manifest);
  expect(results.find((r) => r.node === 'delivery_daily')!.rowsChanged).toBeGreaterThan(0);
  expect((await day()).map((r) => Number(r.latency_max_s))).toEqual([20]);
  await expectVerified(db, manifest);

  // Each group store of the chain handed its change to the next one's delta table, written by
  // its merge: none of them wrote a table of its change (messages, whose reader joins, did).
  expect(await exists(db, tempOf('h', 'messages'))).toBe(true);
  for (const n of ['delivery_hourly', 'delivery_daily', 'tenant_channel_daily']) expect(await exists(db, tempOf('h', n)), n).toBe(false);
  for (const n of ['delivery_daily', 'tenant_channel_daily', 'tenant_daily']) expect(await exists(db, tempOf('d', n)), n).toBe(true);
}

describe('a chain of group stores', () => {
  it("each merge fills the next MV's delta table, extremes recomputed on both sides of a link (PGlite)", async () => {
    const db = await openPglite();
    open.push(db);
    await chainFillsTheNextDelta(db);
  }, 120_000);

  it("each merge fills the next MV's delta table, extremes recomputed on both sides of a link (native Postgres)", async () => {
    const db = await openPostgres(await server.createDatabase('ivm_chain_fill'));
    open.push(db);
    await chainFillsTheNextDelta(db);
  }, 120_000);
});
