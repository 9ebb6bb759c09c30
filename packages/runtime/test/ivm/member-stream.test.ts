import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate, compileProject, enrichment, dimension, stream, streamJoin, t, type Manifest, type Model } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { createNode, installEngine, refreshAll, verify } from '../../src/ivm/index.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';

// Two streams land in one table; an aggregate reads one of them. It must count that stream's
// rows only (its relation carries the discriminator), stay incremental, and its landing table
// must be created before it.
const clicks = stream('clicks', {
  columns: { tenant_id: t.varchar(8), id: t.varchar(16), clicked_at: t.timestamp() },
  key: ['tenant_id', 'id'], tenant: 'tenant_id', eventTime: 'clicked_at',
});
const views = stream('views', {
  columns: { tenant_id: t.varchar(8), id: t.varchar(16), viewed_at: t.timestamp() },
  key: ['tenant_id', 'id'], tenant: 'tenant_id', eventTime: 'viewed_at',
});
// Declared before the stream join, so a graph order by model dependencies alone puts it first.
const clicksHourly = aggregate('clicks_hourly', {
  from: clicks, groupBy: ['tenant_id'], bucket: { name: 'hour', grain: 'hour', column: 'clicked_at' },
  measures: (m) => ({ n: m.count() }),
});
const sessions = streamJoin('sessions', {
  streams: { click: clicks, view: views }, key: ['tenant_id', 'id'], tenant: 'tenant_id', landing: 'session_events',
  pivot: ({ click, view }) => ({ first_click: click.min('clicked_at'), first_view: view.min('viewed_at') }),
});
const models: Model[] = [clicks, views, clicksHourly, sessions];

async function compiled(): Promise<Manifest> {
  const result = await compileProject({ dir: '/', config: { name: 'member_streams' }, models, macros: {}, loadDiagnostics: [] }, 'postgres');
  if (!result.manifest) throw new Error(`does not compile: ${JSON.stringify(result.diagnostics)}`);
  return result.manifest;
}

/** The per-hour count of clicks, written by hand over the landing table. */
const BY_HAND = `SELECT tenant_id, date_trunc('hour', clicked_at) AS hour, count(*)::int AS n FROM session_events
WHERE event_stream = 'clicks' GROUP BY 1, 2 ORDER BY 1, 2`;

async function scenario(db: Db): Promise<void> {
  const manifest = await compiled();
  await installEngine(db);
  // In manifest order, as apply creates them: the landing table must come before the MV.
  for (const n of manifest.nodes) await createNode(db, manifest, n.name);
  const mine = () => db.query(`SELECT tenant_id, hour, n::int AS n FROM clicks_hourly ORDER BY 1, 2`);
  const insert = (rows: [string, string, string, string | null, string | null][]) =>
    db.exec(`INSERT INTO session_events (tenant_id, id, event_stream, clicked_at, viewed_at) VALUES ${rows.map((r) => `(${r.map((v) => (v === null ? 'NULL' : `'${v}'`)).join(', ')})`).join(', ')}`);
  await insert([
    ['t1', 'a', 'clicks', '2026-01-01 10:05:00', null],
    ['t1', 'a', 'views', null, '2026-01-01 10:04:00'],
    ['t1', 'b', 'views', null, '2026-01-01 11:00:00'],
    ['t2', 'c', 'clicks', '2026-01-01 10:59:59.5', null],
  ]);
  let results = await refreshAll(db, manifest);
  expect(results.find((r) => r.node === 'clicks_hourly')?.mode).toBe('incremental');
  expect(await mine()).toEqual(await db.query(BY_HAND));
  await insert([
    ['t1', 'd', 'clicks', '2026-01-01 10:30:00', null],
    ['t1', 'e', 'views', null, '2026-01-01 10:30:00'],
    ['t2', 'f', 'views', null, '2026-01-01 12:00:00'],
  ]);
  results = await refreshAll(db, manifest);
  expect(results.find((r) => r.node === 'clicks_hourly')?.mode).toBe('incremental');
  const byHand = await db.query(BY_HAND);
  expect(byHand).toEqual([
    { tenant_id: 't1', hour: new Date('2026-01-01T10:00:00Z'), n: 2 },
    { tenant_id: 't2', hour: new Date('2026-01-01T10:00:00Z'), n: 1 },
  ]);
  expect(await mine()).toEqual(byHand);
  expect((await verify(db, manifest)).every((v) => v.equal)).toBe(true);
}

describe('an aggregate over a stream that lands with others in a stream join', () => {
  it('compiles with its landing table first and a WHERE on the discriminator (Postgres and Redshift SQL)', async () => {
    const manifest = await compiled();
    const names = manifest.nodes.map((n) => n.name);
    expect(names.indexOf('session_events')).toBeLessThan(names.indexOf('clicks_hourly'));
    expect(manifest.nodes.find((n) => n.name === 'clicks_hourly')!.sql).toContain("WHERE event_stream = 'clicks'");
    const rs = await compileProject({ dir: '/', config: { name: 'member_streams' }, models, macros: {}, loadDiagnostics: [] }, 'redshift');
    expect(rs.manifest!.nodes.find((n) => n.name === 'clicks_hourly')!.sql).toContain("FROM session_events\nWHERE event_stream = 'clicks'");
    // Incremental on Redshift too: the eligibility analyzer has nothing to say about it.
    expect(rs.diagnostics.filter((d) => d.model === 'clicks_hourly')).toEqual([]);
  });

  it('an enrichment of a member stream reads its rows only', async () => {
    const stores = dimension('stores', { columns: { tenant_id: t.varchar(8), name: t.varchar(16) }, key: ['tenant_id'], tenant: 'tenant_id' });
    const e = enrichment('clicks_named', { from: clicks, joins: (j) => [j({ dimension: stores, on: { tenant_id: 'tenant_id' }, columns: ['name'] })] });
    const result = await compileProject({ dir: '/', config: { name: 'member_streams' }, models: [...models, stores, e], macros: {}, loadDiagnostics: [] }, 'postgres');
    expect(result.manifest!.nodes.find((n) => n.name === 'clicks_named')!.sql).toContain("FROM session_events AS i\nJOIN stores AS d1 ON d1.tenant_id = i.tenant_id\nWHERE i.event_stream = 'clicks'");
  });

  it('counts only its stream, incrementally, on PGlite', async () => {
    const db = await openPglite();
    try {
      await scenario(db);
    } finally {
      await db.close();
    }
  });

  describe('on native Postgres', () => {
    let server: PostgresServer;
    beforeAll(async () => {
      server = await startPostgres();
    });
    afterAll(async () => {
      await server?.stop();
    });
    it('counts only its stream, incrementally', async () => {
      const db = await openPostgres(await server.createDatabase('member_streams'));
      try {
        await scenario(db);
      } finally {
        await db.close();
      }
    });
  });
});
