import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { applyBlueGreen } from '../../src/versions/blue-green.ts';
import { promote, rollback } from '../../src/versions/rollback.ts';
import { resolvePhysical, servedManifest } from '../../src/versions/served.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { CHAIN_READ, compileVariant, loadEvents, loadKinds } from './fixture.ts';

let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => { await server?.stop(); });

const MODELS = ['events_enriched', 'events_hourly', 'events_daily', 'tenant_daily', 'tenant_daily_view'];

/** From the catalog: the relations each model's view in a schema reads (its rewrite rule's dependencies), as schema.name. */
async function viewReads(db: Db, schema: string): Promise<Record<string, string[]>> {
  const rows = await db.query<{ view: string; reads: string }>(`SELECT v.relname AS view, rn.nspname || '.' || rc.relname AS reads
    FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace JOIN pg_rewrite r ON r.ev_class = v.oid
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid
    JOIN pg_class rc ON rc.oid = d.refobjid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
    WHERE n.nspname = $1 AND v.relkind = 'v' AND v.relname = ANY($2::text[]) GROUP BY 1, 2 ORDER BY 1, 2`, [schema, MODELS]);
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.view] ??= []).push(r.reads);
  return out;
}

/** How many transactions last wrote the rewrite rules of these views: 1 means they switched together. */
async function switchTransactions(db: Db, schema: string, views: readonly string[]): Promise<number> {
  const [r] = await db.query<{ n: number | string }>(`SELECT COUNT(DISTINCT r.xmin::text) AS n FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = ANY($2::text[])`, [schema, [...views]]);
  return Number(r!.n);
}

async function count(db: Db, relation: string): Promise<number> {
  const [r] = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${relation}`);
  return Number(r!.n);
}

async function scenario(db: Db): Promise<void> {
  const engine = await engineFor(db);
  const v1 = await compileVariant('v1');
  await applyBlueGreen(db, engine, v1);
  await loadKinds(db);
  await loadEvents(db, 0, 600);
  await engine.refresh(db, await servedManifest(db, v1), {});
  const [prodBefore] = await db.query(CHAIN_READ);
  const relationsBefore = await count(db, 'mvkit.versions');
  const prodReadsBefore = await viewReads(db, 'public');

  // An environment with one changed model (tenant_daily, grouped by tenant only in v3).
  const env = await applyBlueGreen(db, engine, await compileVariant('v3'), { env: 'dev' });
  expect(env.plan.tables.stages).toEqual([]);
  expect(env.plan.build.map((b) => b.model)).toEqual(['tenant_daily', 'tenant_daily_view']);
  expect(await count(db, 'mvkit.versions')).toBe(relationsBefore + 2);
  const devReads = await viewReads(db, 'dev');
  const prodReads = await viewReads(db, 'public');
  expect(prodReads).toEqual(prodReadsBefore);
  // Unchanged models: dev's views read the very relations production's views read.
  for (const m of ['events_enriched', 'events_hourly', 'events_daily']) {
    expect(devReads[m]).toEqual(prodReads[m]);
    expect(devReads[m]![0]).toBe(`public.${await resolvePhysical(db, m)}`);
  }
  // The changed one and the one built on it: versions of their own, which production does not read.
  for (const m of ['tenant_daily', 'tenant_daily_view']) {
    expect(devReads[m]).toHaveLength(1);
    expect(devReads[m]![0]).toBe(`public.${await resolvePhysical(db, m, 'dev')}`);
    expect(Object.values(prodReads).flat()).not.toContain(devReads[m]![0]);
  }
  expect(await count(db, 'dev.tenant_daily')).toBe(3);
  expect(await count(db, 'tenant_daily')).toBeGreaterThan(3);
  const [prodAfterEnv] = await db.query(CHAIN_READ);
  expect(prodAfterEnv).toEqual(prodBefore);

  // Promote: production's views take dev's versions, in one transaction.
  const promoted = await promote(db, engine, 'dev');
  expect(promoted.switch.map((s) => s.model)).toEqual(['tenant_daily', 'tenant_daily_view']);
  expect(await viewReads(db, 'public')).toEqual(await viewReads(db, 'dev'));
  expect(await switchTransactions(db, 'public', promoted.switch.map((s) => s.model))).toBe(1);
  expect(await count(db, 'tenant_daily')).toBe(3);
  expect((await db.query("SELECT action FROM mvkit.switches WHERE env = 'prod' ORDER BY at DESC LIMIT 1"))[0]).toEqual({ action: 'promote' });

  // And back: rollback undoes the promote.
  await rollback(db, engine, v1);
  expect(await viewReads(db, 'public')).toEqual(prodReadsBefore);
  expect(await count(db, 'tenant_daily')).toBeGreaterThan(3);
  expect(MODELS.every((m) => prodReadsBefore[m])).toBe(true);
}

describe('environments', () => {
  it('native Postgres: an environment with one changed model reads production\'s versions for the rest (pg_depend); promote switches in one transaction (pg_rewrite xmin)', async () => {
    const db = await openPostgres(await server.createDatabase(`bg_env_${process.pid}`));
    await scenario(db);
    await db.close();
  }, 300_000);

  it('PGlite: the same', async () => {
    const db = await openPglite();
    await scenario(db);
    await db.close();
  }, 300_000);
});
