import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDeployment, planDeployment } from '../../src/apply/apply.ts';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import type { Engine } from '../../src/engines/engine.ts';
import { verify } from '../../src/ivm/verify.ts';
import { loadLanding } from '../../src/load/index.ts';
import { renderPlan } from '../../src/plan/render-plan.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { startPostgres, type PostgresServer } from '../../src/testing/postgres-server.ts';
import type { FixtureFlag } from './fixtures/shop/models/shop.ts';
import { compileFixture } from './helpers.ts';

/**
 * Upgrades of a deployed project with landing files loaded: the events stay, or, when a table
 * really is recreated, its landing files load again. Data goes in through `load`, as in use.
 */
let server: PostgresServer;
let dbCount = 0;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => { await server?.stop(); });

const ENGINES = {
  pglite: async () => openPglite(),
  postgres: async () => openPostgres(await server.createDatabase(`upgrades_${process.pid}_${++dbCount}`)),
} as const;

const ndjson = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** 20 events over two kinds and three tenants; the kinds dimension; and a landing directory holding them. */
function landingWithBatch(): string {
  const landing = join(mkdtempSync(join(tmpdir(), 'mvkit-upgrades-')), 'landing');
  const dir = join(landing, '2026-11-01T00-00-00Z_0001');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kinds.ndjson'), ndjson([
    { op: 'insert', kind: 'buy', label: 'Purchase', note: null },
    { op: 'insert', kind: 'view', label: 'Page view', note: 'n' },
  ]));
  writeFileSync(join(dir, 'events.ndjson'), ndjson(Array.from({ length: 20 }, (_, i) => ({
    tenant_id: `t${i % 3}`, event_id: `e${i}`, kind: i % 4 === 0 ? 'buy' : 'view', amount: i, at: `2026-11-0${1 + (i % 3)}T0${i % 10}:15:00Z`,
  }))));
  return landing;
}

function addBatch(landing: string, name: string, files: Record<string, readonly object[]>): void {
  const dir = join(landing, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, rows] of Object.entries(files)) writeFileSync(join(dir, file), ndjson(rows));
}

describe.each(Object.keys(ENGINES) as (keyof typeof ENGINES)[])('upgrades on %s', (kind) => {
  let db: Db;
  let engine: Engine;
  /** One landing directory, loaded from by every step in turn. */
  let landing: string;
  const manifest = (flags: FixtureFlag[] = []) => compileFixture(flags, 'postgres');
  const apply = async (flags: FixtureFlag[] = [], allowDestructive = false) => applyDeployment(db, engine, await manifest(flags), { allowDestructive });
  const load = async (landing: string, flags: FixtureFlag[] = []) => loadLanding(db, await manifest(flags), { landing });
  const count = async (table: string) => (await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`))[0]!.n;
  /** Refreshes, then every MV must equal its recomputation from the tables. */
  const refreshAndVerify = async (flags: FixtureFlag[] = []) => {
    await refreshDeployment(db, engine, await manifest(flags));
    expect((await verify(db, await manifest(flags))).filter((r) => !r.equal).map((r) => r.node)).toEqual([]);
  };

  beforeAll(async () => { db = await ENGINES[kind](); engine = await engineFor(db); });
  afterAll(async () => { await db?.close(); });

  it('a landing VARCHAR widened with events loaded (VARCHAR(16) → VARCHAR(32)) is altered in place: every event stays, longer values load', async () => {
    await apply();
    landing = landingWithBatch();
    expect((await load(landing)).rowsLoaded).toBe(22);
    await refreshAndVerify();

    const p = await planDeployment(db, engine, await manifest(['widen']));
    expect(p.destructive).toEqual([]);
    expect(p.stages.filter((s) => s.kind === 'table').map((s) => [s.action, s.node])).toEqual([['retype-columns', 'events'], ['retype-columns', 'kinds']]);
    expect(p.stages.find((s) => s.node === 'events')!.sql).toEqual(['ALTER TABLE events ALTER COLUMN kind TYPE VARCHAR(32);']);
    // The dimension's change log holds a copy of the column: it is widened with the table.
    expect(p.stages.find((s) => s.node === 'kinds')!.sql).toEqual(['ALTER TABLE kinds ALTER COLUMN label TYPE VARCHAR(128);', 'ALTER TABLE mvkit.ivm_log_kinds ALTER COLUMN label TYPE VARCHAR(128);']);
    expect(renderPlan(p)).toContain('= alter events (alter column kind type VARCHAR(16) → VARCHAR(32), in place)');
    await apply(['widen']);
    expect(await count('events')).toBe(20);
    expect((await planDeployment(db, engine, await manifest(['widen']))).stages).toEqual([]);

    // Values the old columns refused: a 20-character kind (no kinds row: it stays out of the join)
    // and a 100-character label, captured through the widened change log into the MVs.
    const long = 'L'.repeat(100);
    addBatch(landing, '2026-11-02T00-00-00Z_0002', {
      'events.ndjson': [
        { tenant_id: 't0', event_id: 'e100', kind: 'subscription_renewal', amount: 5, at: '2026-11-02T10:00:00Z' },
        { tenant_id: 't1', event_id: 'e101', kind: 'buy', amount: 7, at: '2026-11-02T11:00:00Z' },
      ],
      'kinds.ndjson': [{ op: 'update', kind: 'buy', label: long, note: null }],
    });
    const second = await load(landing, ['widen']);
    expect([second.filesLoaded, second.rowsLoaded, second.rowsRejected]).toEqual([2, 3, 0]);
    expect(await count('events')).toBe(22);
    expect(await db.query("SELECT kind FROM events WHERE event_id = 'e100'")).toEqual([{ kind: 'subscription_renewal' }]);
    await refreshAndVerify(['widen']);
    // Every event whose kind is a row of kinds is counted: the 20 first and e101.
    expect((await db.query<{ n: number }>('SELECT SUM(n)::int AS n FROM tenant_daily'))[0]!.n).toBe(21);
    expect((await db.query<{ label: string }>('SELECT DISTINCT label FROM events_daily ORDER BY label')).map((r) => r.label)).toEqual([long, 'Page view']);
  });

  it('a stream removed (apply --allow-destructive), restored and applied again gets its landing files loaded again', async () => {
    const p = await planDeployment(db, engine, await manifest(['widen', 'noevents']));
    await apply(['widen', 'noevents'], true);
    expect(await db.query("SELECT path FROM mvkit.loaded_files WHERE feed = 'events'")).toEqual([]);
    expect((await db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM mvkit.loaded_files WHERE feed = 'kinds'"))[0]!.n).toBe(2);

    await apply(['widen']);
    expect(await count('events')).toBe(0);
    const s = await load(landing, ['widen']);
    expect(s.files.filter((f) => f.status === 'loaded').map((f) => f.path)).toEqual(['2026-11-01T00-00-00Z_0001/events.ndjson', '2026-11-02T00-00-00Z_0002/events.ndjson']);
    expect(s.warnings).toEqual([]);
    expect(await count('events')).toBe(22);
    await refreshAndVerify(['widen']);
    expect((await db.query<{ n: number }>('SELECT SUM(n)::int AS n FROM tenant_daily'))[0]!.n).toBe(21);
    // The plan had said so: two files of feed events were recorded, the first batch's and the second's.
    expect(p.stages.find((x) => x.action === 'drop' && x.node === 'events')!.fileRecords).toEqual({ feeds: ['events'], files: 2 });
    expect(renderPlan(p)).toContain('- drop events (removed from the project) — DESTRUCTIVE: drops table events with ~22 rows — its 2 files recorded as loaded are forgotten: they load again if events returns');
  });

  it('load says why a table is empty when files of its feeds are recorded as loaded, and the fix it names loads them again', async () => {
    // Its rows gone with the records kept, as an older mvkit left a recreated table.
    await db.exec('DELETE FROM events');
    const s = await load(landing, ['widen']);
    expect(s.filesLoaded).toBe(0);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toContain('events has no rows, yet 2 file(s) of its feed(s) events are recorded as loaded (22 row(s))');
    const fix = /DELETE FROM mvkit\.loaded_files WHERE feed IN \('events'\);/.exec(s.warnings[0]!)![0];
    await db.exec(fix);
    const again = await load(landing, ['widen']);
    expect([again.filesLoaded, again.rowsLoaded, again.warnings]).toEqual([2, 22, []]);
    expect(await count('events')).toBe(22);
  });

  it('a landing table really recreated (INTEGER → BIGINT, apply --allow-destructive) gets its landing files loaded again', async () => {
    const flags: FixtureFlag[] = ['widen', 'bigamount'];
    const p = await planDeployment(db, engine, await manifest(flags));
    await expect(apply(flags)).rejects.toThrow(/drops table events with ~22 rows/);
    await apply(flags, true);
    expect(await count('events')).toBe(0);
    const s = await load(landing, flags);
    expect([s.filesLoaded, s.rowsLoaded, s.warnings]).toEqual([2, 22, []]);
    expect(await count('events')).toBe(22);
    await refreshAndVerify(flags);
    expect((await db.query<{ n: number }>('SELECT SUM(n)::int AS n FROM tenant_daily'))[0]!.n).toBe(21);
    expect(renderPlan(p)).toContain('~ rebuild events (column amount retyped: INTEGER → BIGINT) — DESTRUCTIVE: drops table events with ~22 rows — 2 files will be reloaded (mvkit load)');
  });
});
