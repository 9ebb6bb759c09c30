import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { applyDeployment } from '../../src/apply/apply.ts';
import { compileFixture, loadData } from '../deploy/helpers.ts';
import { createNode, verify } from '../../src/ivm/index.ts';
import { applyBlueGreen, BlueGreenError } from '../../src/versions/blue-green.ts';
import { janitor, planJanitor, rollback } from '../../src/versions/rollback.ts';
import { servedManifest } from '../../src/versions/served.ts';
import { versionManifest } from '../../src/versions/versioned-manifest.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { CHAIN_READ, compileVariant, expectedTotals, loadEvents, loadKinds } from './fixture.ts';

let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => { await server?.stop(); });
let dbs = 0;
const newPostgres = async () => openPostgres(await server.createDatabase(`bg_life_${process.pid}_${++dbs}`));

const EVENTS = 600;

async function chain(db: Db): Promise<string> {
  const [r] = await db.query<Record<string, string | number>>(CHAIN_READ);
  return Object.values(r!).map(Number).join(',');
}
const totals = (t: { n: number; amount: number }) => [t.n, t.amount, t.n, t.amount, t.n, t.amount].join(',');

async function deployV1(db: Db): Promise<void> {
  const engine = await engineFor(db);
  const v1 = await compileVariant('v1');
  await applyBlueGreen(db, engine, v1);
  await loadKinds(db);
  await loadEvents(db, 0, EVENTS);
  await engine.refresh(db, await servedManifest(db, v1), {});
}

async function refreshServed(db: Db): Promise<void> {
  await (await engineFor(db)).refresh(db, await servedManifest(db, await compileVariant('v1')), {});
}

/** Every served MV equals a recomputation of its select. */
async function verified(db: Db): Promise<boolean> {
  return (await verify(db, await servedManifest(db, await compileVariant('v1')))).every((r) => r.equal);
}

async function rollbackScenario(db: Db): Promise<void> {
  const engine = await engineFor(db);
  await deployV1(db);
  expect(await chain(db)).toBe(totals(expectedTotals(EVENTS).v1));
  await applyBlueGreen(db, engine, await compileVariant('v2'));
  expect(await chain(db)).toBe(totals(expectedTotals(EVENTS).v2));
  // Data keeps arriving under v2; the retained v1 versions are not maintained meanwhile.
  await loadEvents(db, EVENTS, 300);
  await refreshServed(db);
  expect(await chain(db)).toBe(totals(expectedTotals(EVENTS + 300).v2));

  await rollback(db, engine, await compileVariant('v2'));
  // The previous logic's numbers, brought forward to every event loaded since.
  expect(await chain(db)).toBe(totals(expectedTotals(EVENTS + 300).v1));
  expect(await verified(db)).toBe(true);
  await loadEvents(db, EVENTS + 300, 100);
  await refreshServed(db);
  expect(await chain(db)).toBe(totals(expectedTotals(EVENTS + 400).v1));

  // Applying v2 again reuses its retained versions: nothing is built, they are refreshed forward.
  const again = await applyBlueGreen(db, engine, await compileVariant('v2'));
  expect(again.plan.build).toEqual([]);
  expect(again.plan.refresh.length).toBe(3);
  expect(await chain(db)).toBe(totals(expectedTotals(EVENTS + 400).v2));

  // The janitor keeps what the last switch can roll back to; --all drops it.
  const v1Versions = versionManifest(await compileVariant('v1'), engine).nodes.filter((n) => n.kind !== 'table').map((n) => n.name);
  const shared = new Set(versionManifest(await compileVariant('v2'), engine).nodes.map((n) => n.name));
  const onlyV1 = v1Versions.filter((p) => !shared.has(p));
  expect((await planJanitor(db)).drop).toEqual([]);
  const swept = await janitor(db, engine, { all: true });
  expect([...swept.drop].sort()).toEqual([...onlyV1].sort());
  const left = await db.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM pg_class WHERE relname = ANY($1::text[])", [onlyV1]);
  expect(Number(left[0]!.n)).toBe(0);
  expect(await chain(db)).toBe(totals(expectedTotals(EVENTS + 400).v2));
  await expect(rollback(db, engine, await compileVariant('v2'))).rejects.toThrow(/removed by mvkit janitor/);
}

describe('rollback', () => {
  it('PGlite: restores the previous numbers, refreshed forward; v2 again reuses its versions; janitor', async () => {
    const db = await openPglite();
    await rollbackScenario(db);
    await db.close();
  }, 300_000);

  it('native Postgres: the same', async () => {
    const db = await newPostgres();
    await rollbackScenario(db);
    await db.close();
  }, 300_000);
});

/** What a blue/green apply leaves, without times and ids: what is served, the versions, the catalog, the data. */
async function snapshot(db: Db): Promise<unknown> {
  return {
    serving: await db.query('SELECT env, model, physical FROM mvkit.serving ORDER BY env, model'),
    versions: await db.query('SELECT physical, model, kind, fingerprint FROM mvkit.versions ORDER BY physical'),
    relations: await db.query("SELECT relname, relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'mvkit') AND relkind IN ('r', 'v') AND relname NOT IN ('applies', 'apply_lock', 'switches', 'ivm_refreshes') ORDER BY 1"),
    views: await db.query("SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1"),
    ivm: await db.query('SELECT name, kind, layout FROM mvkit.ivm_nodes ORDER BY name'),
    watermarks: await db.query('SELECT consumer, input, mark FROM mvkit.ivm_watermarks ORDER BY consumer, input'),
    chain: await chain(db),
  };
}

class Crash extends Error {}

describe('the first blue/green apply of a project deployed before', () => {
  it('native Postgres: each unversioned relation becomes a view over a version with the same rows; one whose model left the project is dropped', async () => {
    const db = await newPostgres();
    const engine = await engineFor(db);
    const base = await compileFixture();
    await applyDeployment(db, engine, base);
    await loadData(db);
    await engine.refresh(db, base, {});
    const rows = async () => db.query('SELECT tenant_id, day, n, amount FROM tenant_daily ORDER BY 1, 2');
    const before = await rows();
    expect(before.length).toBeGreaterThan(0);
    const up = await applyBlueGreen(db, engine, await compileFixture(['noview']));
    expect(up.plan.switch.find((s) => s.model === 'tenant_daily_view')).toEqual({ model: 'tenant_daily_view', from: '', to: null, how: 'drop', legacyKind: 'view' });
    expect(await rows()).toEqual(before);
    const kinds = await db.query<{ relname: string; relkind: string }>("SELECT relname, relkind FROM pg_class WHERE relname IN ('events_hourly', 'tenant_daily', 'tenant_daily_view') AND relnamespace = current_schema()::regnamespace ORDER BY 1");
    expect(kinds).toEqual([{ relname: 'events_hourly', relkind: 'v' }, { relname: 'tenant_daily', relkind: 'v' }]);
    expect(await db.query("SELECT name FROM mvkit.ivm_nodes WHERE name IN ('events_hourly', 'tenant_daily', 'tenant_daily_view')")).toEqual([]);
    expect((await verify(db, await servedManifest(db, await compileFixture(['noview'])))).every((r) => r.equal)).toBe(true);
    await db.close();
  }, 300_000);
});

describe('a change declared non-breaking', () => {
  it('native Postgres: switches when the sampled rows and the counts agree; stops when they do not', async () => {
    const db = await newPostgres();
    await deployV1(db);
    const engine = await engineFor(db);
    const before = await chain(db);
    const err = await applyBlueGreen(db, engine, await compileVariant('v2'), { nonBreaking: ['events_hourly', 'events_daily'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlueGreenError);
    expect((err as Error).message).toMatch(/^a change declared non-breaking changes the data: events_hourly: \d+ rows before, \d+ after; events_hourly: \d+ of the sampled rows differ/);
    expect(await chain(db)).toBe(before);
    const ok = await applyBlueGreen(db, engine, await compileVariant('v4'), { nonBreaking: ['events_hourly', 'events_daily'] });
    expect(ok.plan.switch.map((s) => s.model)).toEqual(['events_hourly', 'events_daily', 'tenant_daily', 'tenant_daily_view']);
    expect(await chain(db)).toBe(before);
    await db.close();
  }, 300_000);
});

describe('the check before the switch', () => {
  it('native Postgres: a new version that differs from a recomputation of its select stops the apply, production untouched', async () => {
    const db = await newPostgres();
    await deployV1(db);
    const engine = await engineFor(db);
    const before = await chain(db);
    const v2 = await compileVariant('v2');
    const hourly = versionManifest(v2, engine).nodes.find((n) => n.model === 'events_hourly')!.name;
    // Between the refresh and the check, a row of the new events_hourly version goes wrong.
    const err = await applyBlueGreen(db, engine, v2, {
      afterStage: async (_done, _total, stage) => { if (stage === 'refresh new versions') await db.exec(`UPDATE ${hourly} SET amount = amount + 1 WHERE ctid = (SELECT ctid FROM ${hourly} LIMIT 1)`); },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlueGreenError);
    expect((err as Error).message).toMatch(new RegExp(`new versions of ${hourly}(, [a-z_0-9]+)* differ from a recomputation of their select: nothing was switched`));
    expect(await chain(db)).toBe(before);
    expect((await db.query("SELECT action FROM mvkit.switches ORDER BY at")).map((r) => r.action)).toEqual(['apply']);
    await db.close();
  }, 300_000);
});

describe('a crash at each stage of a blue/green apply, then a rerun, ends as an uninterrupted apply', () => {
  it('native Postgres: every stage, and inside a build (the engine committed, the version not recorded)', async () => {
    const clean = await newPostgres();
    await deployV1(clean);
    const full = await applyBlueGreen(clean, await engineFor(clean), await compileVariant('v2'));
    const stages = full.plan.build.length + 3;
    expect(stages).toBe(7);
    const expected = await snapshot(clean);
    await clean.close();
    for (let k = 1; k <= stages; k++) {
      const db = await newPostgres();
      await deployV1(db);
      const engine = await engineFor(db);
      const before = await chain(db);
      const crashed = await applyBlueGreen(db, engine, await compileVariant('v2'), { afterStage: (done) => { if (done === k) throw new Crash(`crash after stage ${k}`); } }).catch((e: unknown) => e);
      expect(crashed).toBeInstanceOf(Crash);
      // Before the switch (the last stage) production is untouched; after it, fully switched.
      expect(await chain(db)).toBe(k < stages ? before : (expected as { chain: string }).chain);
      await applyBlueGreen(db, engine, await compileVariant('v2'));
      expect(await snapshot(db), `crash after stage ${k}`).toEqual(expected);
      await db.close();
    }
    // Inside a build: the engine's create committed, the record of the version did not.
    const db = await newPostgres();
    await deployV1(db);
    const vm = versionManifest(await compileVariant('v2'), await engineFor(db));
    await createNode(db, { ...vm, nodes: [...vm.nodes] }, vm.nodes.find((n) => n.model === 'events_hourly' && n.kind === 'mv')!.name);
    await applyBlueGreen(db, await engineFor(db), await compileVariant('v2'));
    expect(await snapshot(db)).toEqual(expected);
    await db.close();
  }, 600_000);
});
