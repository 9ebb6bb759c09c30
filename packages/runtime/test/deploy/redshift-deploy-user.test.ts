import { describe, expect, it } from 'vitest';
import { applyDeployment, planDeployment } from '../../src/apply/apply.ts';
import { flagOf, redshiftEngine, refreshModeOf } from '../../src/engines/redshift-engine.ts';
import { LockError } from '../../src/errors.ts';
import { deployedNodeOf } from '../../src/plan/build-plan.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { deploymentStatus } from '../../src/status/status.ts';
import { acquireApplyLock, applyLockState } from '../../src/state/apply-lock.ts';
import { compileFixture } from './helpers.ts';
import { recordingDb } from './recording-db.ts';

/*
 * What a regular (non-superuser) deploy user meets on Redshift. The recording connection refuses
 * superuser-only relations (SVV_TABLE_INFO: https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_TABLE_INFO.html)
 * and shows only its own sessions (https://docs.aws.amazon.com/redshift/latest/dg/r_STV_SESSIONS.html).
 */
const engine = redshiftEngine();
const redshift = () => compileFixture([], 'redshift');
const deployedBase = async () => (await redshift()).nodes.map((n) => deployedNodeOf(n));

describe('Redshift as a regular deploy user', () => {
  it('plans without a superuser-only view: row counts come from pg_class', async () => {
    const db = recordingDb({ deployed: await deployedBase(), tableRows: { events: 1200, mv_tbl__events_hourly__0: 48 } });
    const rows = await engine.rowCounts(db, ['events', 'events_hourly', 'kinds']);
    expect([...rows]).toEqual([['events', 1200], ['events_hourly', 48]]);
    await planDeployment(db, engine, await redshift());
    expect(db.log.join('\n')).not.toMatch(/svv_table_info|stv_tbl_perm/i);
  });

  it('the apply lock: another database user\'s unexpired lease holds, its sessions being invisible', async () => {
    const db = recordingDb({ deployed: await deployedBase(), lease: { apply_id: 'a-other', db_user: 'ci_deployer', backend_pid: 999, expired: false }, sessions: [1073] });
    const error = await acquireApplyLock(db, 'a-mine').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockError);
    expect((error as LockError).message).toContain('database user ci_deployer');
    expect((error as LockError).hint).toContain('lease runs until');
    expect((await applyLockState(db)).live).toBe(true);
  });

  it('the apply lock: another user\'s expired lease is taken over', async () => {
    const db = recordingDb({ deployed: await deployedBase(), lease: { apply_id: 'a-other', db_user: 'ci_deployer', backend_pid: 999, expired: true } });
    await acquireApplyLock(db, 'a-mine');
    expect(db.log.some((l) => l.startsWith('INSERT INTO mvkit.apply_lease'))).toBe(true);
  });

  it('the apply lock: the same user\'s holder is live exactly while its session is', async () => {
    const gone = recordingDb({ deployed: await deployedBase(), lease: { apply_id: 'a-old', db_user: 'mvkit_deployer', backend_pid: 999, expired: false }, sessions: [1073] });
    await acquireApplyLock(gone, 'a-mine');
    const live = recordingDb({ deployed: await deployedBase(), lease: { apply_id: 'a-old', db_user: 'mvkit_deployer', backend_pid: 999, expired: true }, sessions: [1073, 999] });
    await expect(acquireApplyLock(live, 'a-mine')).rejects.toBeInstanceOf(LockError);
  });

  it('each applied stage renews the lease', async () => {
    const db = recordingDb({});
    await applyDeployment(db, engine, await redshift());
    const stages = db.log.filter((l) => l.startsWith('INSERT INTO mvkit.deployed_nodes') || l.startsWith('DELETE FROM mvkit.deployed_nodes')).length;
    expect(stages).toBeGreaterThan(0);
    expect(db.log.filter((l) => l.startsWith('UPDATE mvkit.apply_lease')).length).toBeGreaterThanOrEqual(1);
  });
});

describe('Redshift refresh mode (documented SVL_MV_REFRESH_STATUS texts)', () => {
  it.each([
    ['Refresh successfully updated MV incrementally', 'incremental'],
    ['Refresh successfully updated MV incrementally - Stream returned no new data', 'incremental'],
    ['Refresh partially updated MV incrementally up to active transactions', 'incremental'],
    ['Refresh successfully recomputed MV from scratch', 'full'],
    ['MV was already updated', 'unchanged'],
    ['Cascade refresh skipped because materialized view public.events_hourly was not refreshed.', 'skipped'],
    ['Cascade auto refresh failed because materialized view public.events_hourly was not refreshed.', 'failed'],
    ['Refresh failed. Base table column was dropped', 'failed'],
    ['Refresh failed due to an internal error', 'failed'],
    ['Something new', 'unknown'],
  ])('%s → %s', (status, mode) => {
    expect(refreshModeOf(status).mode).toBe(mode);
  });

  it('no history row since the refresh started is unknown, not incremental', async () => {
    expect(refreshModeOf(undefined).mode).toBe('unknown');
    const db = recordingDb({ deployed: await deployedBase(), refreshStatus: (mv) => (mv === 'events_daily' ? null : 'MV was already updated') });
    const results = await refreshDeployment(db, engine, await redshift(), { select: ['events_daily'] });
    expect(results.map((r) => [r.node, r.mode])).toEqual([['events_daily', 'unknown']]);
    const lookup = db.log.find((l) => l.includes('sys_mv_refresh_history'))!;
    // Bounded by the refresh's start, read just before the REFRESH statement.
    expect(lookup).toContain('start_time >= $3');
    expect(lookup).toContain('"2026-11-27 20:50:00"');
    const i = db.log.findIndex((l) => l.includes('GETDATE() AS at'));
    expect(db.log[i + 1]).toMatch(/^REFRESH MATERIALIZED VIEW events_daily/);
  });

  it("SVV_MV_INFO.is_stale 'u' is unknown, not fresh", async () => {
    expect([flagOf('t'), flagOf('f'), flagOf('u'), flagOf(null)]).toEqual([true, false, null, null]);
    const db = recordingDb({ deployed: await deployedBase(), mvInfo: [{ name: 'events_enriched', is_stale: 'u', state: 1, autorefresh: 'f' }] });
    const report = await deploymentStatus(db, engine, await redshift());
    expect(report.nodes.find((n) => n.node === 'events_enriched')!.stale).not.toBe(false);
  });
});
