import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { applyDeployment, planDeployment } from '../../src/apply/apply.ts';
import { redshiftEngine, refreshModeOf } from '../../src/engines/redshift-engine.ts';
import { postDeployTruth } from '../../src/engines/redshift-truth.ts';
import { acquireApplyLock, applyLockState } from '../../src/state/apply-lock.ts';
import { redshiftStreamingDdl, redshiftStreamSelect } from '../../../compiler/src/emit/redshift-streaming.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { deploymentStatus } from '../../src/status/status.ts';
import { compileFixture } from './helpers.ts';
import type { FixtureFlag } from './fixtures/shop/models/shop.ts';

/**
 * The tier that runs against a real cluster: set MVKIT_REDSHIFT_URL to a SCRATCH database
 * (postgres://user:password@cluster:5439/db). Without it these tests are reported as skipped.
 * The fixture goes into a fresh schema, dropped at the end; the rows it adds to mvkit.* are removed.
 */
const url = process.env.MVKIT_REDSHIFT_URL;
const steps = (stages: readonly { action: string; node: string }[]) => stages.map((s) => `${s.action} ${s.node}`);

describe.skipIf(!url)('Redshift cluster (MVKIT_REDSHIFT_URL)', () => {
  const schema = `mvkit_test_${Date.now()}`;
  const engine = redshiftEngine();
  let db: Db;
  const manifest = (flags: FixtureFlag[] = []) => compileFixture(flags, 'redshift');

  beforeAll(async () => {
    db = await openPostgres(url!, 'redshift');
    await db.exec(`CREATE SCHEMA ${schema}`);
    await db.exec(`SET search_path TO ${schema}`);
  });
  afterAll(async () => {
    if (!db) return;
    const names = (await manifest(['measure'])).nodes.map((n) => `'${n.name}'`).join(', ');
    await db.exec(`DELETE FROM mvkit.deployed_nodes WHERE name IN (${names})`).catch(() => undefined);
    await db.exec(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await db.close();
  });

  it('applies the fixture, then plans nothing; a changed MV rebuilds its chain; a sort key alters in place', async () => {
    await applyDeployment(db, engine, await manifest());
    expect((await planDeployment(db, engine, await manifest())).stages).toEqual([]);
    await db.exec("INSERT INTO kinds (kind, label, note) VALUES ('buy', 'Purchase', NULL)");
    await db.exec("INSERT INTO events (tenant_id, event_id, kind, amount, at) VALUES ('t1', 'e1', 'buy', 5, '2026-11-01 10:00:00'), ('t1', 'e2', 'buy', 7, '2026-11-01 11:00:00')");
    const rebuild = await planDeployment(db, engine, await manifest(['measure']));
    expect(steps(rebuild.stages)).toEqual(['drop tenant_daily_view', 'drop tenant_daily', 'drop events_daily', 'drop events_hourly', 'create events_hourly', 'create events_daily', 'create tenant_daily', 'create tenant_daily_view']);
    await applyDeployment(db, engine, await manifest(['measure']));
    const alter = await planDeployment(db, engine, await manifest(['measure', 'sortkey']));
    expect(steps(alter.stages)).toEqual(['alter events_daily']);
    expect(alter.stages[0]!.sql).toEqual(['ALTER MATERIALIZED VIEW events_daily ALTER SORTKEY (day, tenant_id);']);
    await applyDeployment(db, engine, await manifest(['measure', 'sortkey']));
    expect((await planDeployment(db, engine, await manifest(['measure', 'sortkey']))).stages).toEqual([]);
  });

  it('refreshes in dependency order, reads SYS_MV_REFRESH_HISTORY, and reports SVV_MV_INFO state', async () => {
    const m = await manifest(['measure', 'sortkey']);
    const results = await refreshDeployment(db, engine, m);
    expect(results.map((r) => r.node)).toEqual(['events_enriched', 'events_hourly', 'events_daily', 'tenant_daily']);
    // Each outcome is one of the documented status texts, read from this refresh's own history row.
    expect(results.filter((r) => r.mode === 'unknown')).toEqual([]);
    const [total] = await db.query<{ n: number }>('SELECT SUM(n) AS n FROM tenant_daily');
    expect(Number(total!.n)).toBe(2);
    const status = await deploymentStatus(db, engine, m);
    expect(status.nodes.filter((n) => n.kind === 'mv').every((n) => n.engineState !== null)).toBe(true);
  });

  it('as the deploy user: row counts from pg_class, the lease lock, and Redshift agreeing with the analyzer', async () => {
    const m = await manifest(['measure', 'sortkey']);
    const rows = await engine.rowCounts(db, m.nodes.filter((n) => n.kind !== 'view').map((n) => n.name));
    expect([...rows.keys()].sort()).toEqual(m.nodes.filter((n) => n.kind !== 'view').map((n) => n.name).sort());
    const release = await acquireApplyLock(db, 'live-lease-test');
    try {
      expect((await applyLockState(db)).live).toBe(true);
    } finally {
      await release();
    }
    expect((await applyLockState(db)).live).toBe(false);
    // The fixture's MVs are all predicted incremental: Redshift's state must say the same.
    expect((await postDeployTruth(db, engine, m, { requireIncremental: true })).filter((f) => f.severity !== 'note')).toEqual([]);
  });
});

/*
 * Streaming ingestion against a real stream: also set MVKIT_REDSHIFT_KINESIS_STREAM (a Kinesis stream of
 * JSON page views) and MVKIT_REDSHIFT_STREAMING_ROLE (the IAM role Redshift reads it with). Skipped otherwise.
 */
const kinesis = process.env.MVKIT_REDSHIFT_KINESIS_STREAM;
const role = process.env.MVKIT_REDSHIFT_STREAMING_ROLE;
describe.skipIf(!url || !kinesis || !role)('Redshift streaming ingestion (MVKIT_REDSHIFT_URL + MVKIT_REDSHIFT_KINESIS_STREAM + MVKIT_REDSHIFT_STREAMING_ROLE)', () => {
  it('creates the external schema and the streaming MV, refreshes it, and drops it', async () => {
    const schema = `mvkit_stream_${Date.now()}`;
    const db = await openPostgres(url!, 'redshift');
    try {
      await db.exec(`CREATE SCHEMA ${schema}`);
      await db.exec(`SET search_path TO ${schema}`);
      const columns = [{ name: 'tenant_id', type: 'VARCHAR(32)', nullable: false }, { name: 'viewed_at', type: 'TIMESTAMP', nullable: false }];
      const source = { kinesis: { stream: kinesis!, iamRole: role! } };
      const sql = redshiftStreamSelect('live_views', columns, source);
      for (const stmt of redshiftStreamingDdl({ name: 'live_views', kind: 'table', role: 'stream', model: 'live_views', file: 'live', line: 1, columns, dependsOn: [], fingerprint: '', key: null, tenant: 'tenant_id', eventTime: 'viewed_at', appendOnly: true, physical: { distStyle: null, distKey: null, sortKey: [], autoRefresh: true, backup: true }, sql, select: null, ddl: [], streamSource: source })) await db.exec(stmt);
      await db.exec('REFRESH MATERIALIZED VIEW live_views');
      const [h] = await db.query<{ status: string }>("SELECT status FROM sys_mv_refresh_history WHERE mv_name = 'live_views' ORDER BY start_time DESC LIMIT 1");
      expect(['incremental', 'full', 'unchanged']).toContain(refreshModeOf(h?.status).mode);
    } finally {
      await db.exec('DROP MATERIALIZED VIEW IF EXISTS live_views').catch(() => undefined);
      await db.exec(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      await db.exec('DROP SCHEMA IF EXISTS live_views_source').catch(() => undefined);
      await db.close();
    }
  });
});
