import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyDeployment, planDeployment } from '../../src/apply/apply.ts';
import { redshiftEngine } from '../../src/engines/redshift-engine.ts';
import { deployedNodeOf } from '../../src/plan/build-plan.ts';
import { renderPlan } from '../../src/plan/render-plan.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { deploymentStatus } from '../../src/status/status.ts';
import { compileFixture } from './helpers.ts';
import { recordingDb, type Canned } from './recording-db.ts';
import type { FixtureFlag } from './fixtures/shop/models/shop.ts';

const GOLDEN = resolve(import.meta.dirname, 'golden/redshift');

/** Compares with the golden file; UPDATE_GOLDEN=1 (or MVKIT_UPDATE_GOLDEN=1) rewrites it. */
function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  const update = !!(process.env.UPDATE_GOLDEN || process.env.MVKIT_UPDATE_GOLDEN);
  if (update || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    if (!update) throw new Error(`${name} was missing: written, check it in`);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const redshift = (flags: FixtureFlag[] = []) => compileFixture(flags, 'redshift');
const deployedBase = async () => (await redshift()).nodes.map((n) => deployedNodeOf(n));
const ROWS = { events: 1_200_000, kinds: 12, regions: 5, mv_tbl__events_enriched__0: 1_200_000, mv_tbl__events_hourly__0: 48_000, mv_tbl__events_daily__0: 2_100, mv_tbl__tenant_daily__0: 700 };
const engine = redshiftEngine();

async function applyLog(canned: Canned, flags: FixtureFlag[], allowDestructive = false): Promise<string> {
  const db = recordingDb(canned);
  await applyDeployment(db, engine, await redshift(flags), { allowDestructive });
  return db.log.join('\n\n') + '\n';
}

/*
 * The recording connection is a regular (non-superuser) deploy user: a statement on a superuser-only
 * relation (SVV_TABLE_INFO, STV_TBL_PERM) throws there, so these sequences show none is on the path.
 */
describe('Redshift statement sequences (golden)', () => {
  it('apply to an empty cluster: state schema, lock, CREATE in dependency order, a state row per stage', async () => {
    golden('apply-create.sql', await applyLog({}, []));
  });

  it('apply a changed MV: DROP the chain in reverse order, CREATE it in order', async () => {
    golden('apply-rebuild.sql', await applyLog({ deployed: await deployedBase(), tableRows: ROWS }, ['measure']));
  });

  it('apply attribute changes: ALTER MATERIALIZED VIEW in place, outside a transaction block', async () => {
    golden('apply-alter.sql', await applyLog({ deployed: await deployedBase(), tableRows: ROWS }, ['sortkey', 'autorefresh']));
  });

  it('apply column changes: ALTER TABLE ADD COLUMN, and DROP COLUMN with dependents rebuilt', async () => {
    golden('apply-columns.sql', await applyLog({ deployed: await deployedBase(), tableRows: ROWS }, ['column', 'dropcolumn'], true));
  });

  it('apply a longer VARCHAR: ALTER COLUMN TYPE outside a transaction block, the MVs on the table rebuilt around it', async () => {
    golden('apply-widen.sql', await applyLog({ deployed: await deployedBase(), tableRows: ROWS }, ['widen']));
  });

  it('the plan text of a rebuild shows the chain and the rows to recompute', async () => {
    const db = recordingDb({ deployed: await deployedBase(), tableRows: ROWS });
    const plan = await planDeployment(db, engine, await redshift(['measure', 'sortkey', 'noregions']));
    golden('plan.txt', renderPlan(plan, { target: 'redshift' }));
  });

  it('the plan of an in-place ALTER SORTKEY says the MVs built on it recompute fully on their next refresh', async () => {
    const from = (await redshift(['measure'])).nodes.map((n) => deployedNodeOf(n));
    const db = recordingDb({ deployed: from, tableRows: ROWS });
    const plan = await planDeployment(db, engine, await redshift(['measure', 'sortkey']));
    expect(plan.stages.map((s) => `${s.action} ${s.node}`)).toEqual(['alter events_daily']);
    // tenant_daily reads events_daily; events_daily's own readers are the ones that recompute.
    expect(plan.notes).toEqual([expect.stringMatching(/^ALTER SORTKEY of events_daily in place: the next refresh of tenant_daily recomputes it from scratch, once \(https:\/\/docs\.aws\.amazon\.com\/redshift\/latest\/dg\/materialized-view-refresh-sql-command\.html\)/)]);
    golden('plan-sortkey.txt', renderPlan(plan, { target: 'redshift' }));
  });

  it('refresh: REFRESH each MV in dependency order, then its SYS_MV_REFRESH_HISTORY status', async () => {
    const db = recordingDb({ deployed: await deployedBase(), refreshStatus: (mv) => (mv === 'events_daily' ? 'Refresh successfully recomputed MV from scratch' : 'Refresh successfully updated MV incrementally') });
    const results = await refreshDeployment(db, engine, await redshift());
    expect(results.map((r) => [r.node, r.mode, r.durationMs])).toEqual([
      ['events_enriched', 'incremental', 2500], ['events_hourly', 'incremental', 2500], ['events_daily', 'full', 2500], ['tenant_daily', 'incremental', 2500],
    ]);
    golden('refresh.sql', db.log.join('\n\n') + '\n');
  });

  it('refresh --cascade --select events_daily: one REFRESH ... CASCADE on the top-most selected MV', async () => {
    const db = recordingDb({ deployed: await deployedBase() });
    const results = await refreshDeployment(db, engine, await redshift(), { select: ['+events_daily'], cascade: true });
    expect(results.map((r) => r.node)).toEqual(['events_enriched', 'events_hourly', 'events_daily']);
    golden('refresh-cascade.sql', db.log.join('\n\n') + '\n');
  });

  it('status: SVV_MV_INFO for is_stale and state, refresh history, newest events', async () => {
    const db = recordingDb({
      deployed: await deployedBase(),
      mvInfo: [
        { name: 'events_enriched', is_stale: 'f', state: 1, autorefresh: 'f' },
        { name: 'events_hourly', is_stale: 't', state: 1, autorefresh: 'f' },
        { name: 'events_daily', is_stale: 't', state: 101, autorefresh: 'f' },
        { name: 'tenant_daily', is_stale: 'f', state: 0, autorefresh: 'f' },
      ],
    });
    const report = await deploymentStatus(db, engine, await redshift());
    expect(report.nodes.filter((n) => n.kind === 'mv').map((n) => [n.node, n.stale, n.engineState])).toEqual([
      ['events_enriched', false, 'incremental'], ['events_hourly', true, 'incremental'], ['events_daily', true, 'unrefreshable: column dropped'], ['tenant_daily', true, 'full recompute'],
    ]);
    // tenant_daily is not stale by SVV_MV_INFO, but it reads events_daily, which is.
    expect(report.nodes.find((n) => n.node === 'tenant_daily')).toMatchObject({ staleUpstream: 'events_daily', staleness: 'upstream events_daily is stale: inputs changed since the last refresh' });
    expect(report.freshness).toEqual([expect.objectContaining({ stream: 'events', newestEvent: '2026-11-27T20:55:00.000Z' })]);
    golden('status.sql', db.log.join('\n\n') + '\n');
  });
});
