import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { applyDeployment } from '../../src/apply/apply.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { applyBlueGreen } from '../../src/versions/blue-green.ts';
import { servedManifest } from '../../src/versions/served.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { CHAIN_READ, compileVariant, DAILY_V2, expectedTotals, HOURLY_V2, loadEvents, loadKinds } from './fixture.ts';

let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => { await server?.stop(); });

const EVENTS = 4000;

interface Reads { results: string[]; errors: string[] }

/** One chain read: the six sums as one string, or the error. */
async function readChain(db: Db, reads: Reads): Promise<void> {
  try {
    const [r] = await db.query<Record<string, string | number>>(CHAIN_READ);
    reads.results.push(['hourly_n', 'hourly_amount', 'daily_n', 'daily_amount', 'view_n', 'view_amount'].map((k) => Number(r![k])).join(','));
  } catch (e) {
    reads.errors.push((e as Error).message);
  }
}

/** A reader that reads the chain again and again until stopped. */
function readerLoop(db: Db): { reads: Reads; stop: () => Promise<void> } {
  const reads: Reads = { results: [], errors: [] };
  let running = true;
  const done = (async () => {
    while (running) await readChain(db, reads);
  })();
  return { reads, stop: async () => { running = false; await done; } };
}

/** Rows of a relation that the reference does not have, and the other way round (should be none). */
async function difference(db: Db, relation: string, reference: string, columns: string): Promise<number> {
  const [r] = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM (((SELECT ${columns} FROM ${relation}) EXCEPT ALL (SELECT ${columns} FROM (${reference}) x)) UNION ALL ((SELECT ${columns} FROM (${reference}) x) EXCEPT ALL (SELECT ${columns} FROM ${relation}))) d`);
  return Number(r?.n);
}

/**
 * Deploys v1 the ordinary way (unversioned, as a project deployed before blue/green), loads data,
 * moves it to blue/green (the upgrade), then applies v2 blue/green while `reader` reads the chain.
 */
async function scenario(db: Db, reader: Db | 'interleaved'): Promise<void> {
  const engine = await engineFor(db);
  const v1 = await compileVariant('v1');
  await applyDeployment(db, engine, v1);
  await loadKinds(db);
  await loadEvents(db, 0, EVENTS);
  await engine.refresh(db, v1, {});
  const { v1: old, v2: next } = expectedTotals(EVENTS);
  const oldRead = [old.n, old.amount, old.n, old.amount, old.n, old.amount].join(',');
  const newRead = [next.n, next.amount, next.n, next.amount, next.n, next.amount].join(',');
  expect(old.amount).not.toBe(next.amount);

  // The upgrade: the unversioned relations are replaced by views over versions, same numbers.
  const stageReads: Reads = { results: [], errors: [] };
  const readDb = reader === 'interleaved' ? db : reader;
  const loop1 = readerLoop(readDb);
  await applyBlueGreen(db, engine, v1, { afterStage: () => readChain(readDb, stageReads) });
  await loop1.stop();
  expect(loop1.reads.errors).toEqual([]);
  expect(new Set(loop1.reads.results)).toEqual(new Set([oldRead]));

  // The logic change, blue/green, readers reading all along.
  const loop2 = readerLoop(readDb);
  const result = await applyBlueGreen(db, engine, await compileVariant('v2'), { afterStage: () => readChain(readDb, stageReads) });
  await loop2.stop();
  expect(result.plan.build.map((b) => b.model)).toEqual(['events_hourly', 'events_daily', 'tenant_daily', 'tenant_daily_view']);
  expect(result.plan.switch.find((s) => s.model === 'events_hourly')?.how).toBe('recreate');
  expect(result.plan.switch.find((s) => s.model === 'events_daily')?.how).toBe('replace');
  expect(stageReads.errors).toEqual([]);
  expect(loop2.reads.errors).toEqual([]);
  // Every read is the whole old chain or the whole new one: never a mix, never empty.
  const seen = new Set([...loop2.reads.results, ...stageReads.results]);
  expect([...seen].every((r) => r === oldRead || r === newRead), [...seen].join(' | ')).toBe(true);
  expect(loop2.reads.results.length).toBeGreaterThan(3);
  expect(loop2.reads.results.at(-1)).toBe(newRead);

  // The four views were last written by one transaction (the catalog rows of their rewrite rules share their xmin).
  const [tx] = await db.query<{ n: number | string }>(`SELECT COUNT(DISTINCT r.xmin::text) AS n FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1::text[])`, [['events_hourly', 'events_daily', 'tenant_daily', 'tenant_daily_view']]);
  expect(Number(tx!.n)).toBe(1);

  // After the switch: the serving relations equal the new logic recomputed by hand.
  expect(await difference(db, 'events_hourly', HOURLY_V2, 'tenant_id, label, hour, n, amount, max_amount')).toBe(0);
  expect(await difference(db, 'events_daily', DAILY_V2, 'tenant_id, label, day, n, amount')).toBe(0);
  // New data flows through refresh of the served versions (the engine addresses physical names).
  await loadEvents(db, EVENTS, 500);
  await engine.refresh(db, await servedManifest(db, await compileVariant('v2')), {});
  expect(await difference(db, 'events_hourly', HOURLY_V2, 'tenant_id, label, hour, n, amount, max_amount')).toBe(0);
  expect(await difference(db, 'events_daily', DAILY_V2, 'tenant_id, label, day, n, amount')).toBe(0);
}

describe('blue/green apply: readers never see a missing, empty or mixed chain', () => {
  it('PGlite (one instance: the reader loop interleaves with the apply statement by statement, and reads after each stage)', async () => {
    const db = await openPglite();
    await scenario(db, 'interleaved');
    await db.close();
  }, 240_000);

  it('native Postgres (the reader on a second connection)', async () => {
    const url = await server.createDatabase(`bg_readers_${process.pid}`);
    const db = await openPostgres(url);
    const reader = await openPostgres(url);
    await scenario(db, reader);
    await reader.close();
    await db.close();
  }, 240_000);
});
