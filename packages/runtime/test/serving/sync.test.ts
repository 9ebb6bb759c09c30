import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedNodes, SERVING_SCHEMA, type Manifest } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { logTable } from '../../src/ivm/catalog.ts';
import { deployOperational } from '../../src/serving/operational-plan.ts';
import { syncServed, type SyncResult } from '../../src/serving/sync.ts';
import { platformManifest } from '../platform/helpers.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { deployPlatform, rowsOf, runBatch, workload } from './workload.ts';

let manifest: Manifest;
let server: PostgresServer;
beforeAll(async () => {
  [manifest, server] = await Promise.all([platformManifest(), startPostgres()]);
}, 180_000);
afterAll(async () => { await server?.stop(); });

/** Every served model's operational table against the served relation on the local engine. */
async function expectInSync(local: Db, op: Db): Promise<void> {
  for (const { node } of servedNodes(manifest)) {
    const cols = node.columns.map((c) => c.name);
    const want = await rowsOf(local, node.name, cols);
    expect(want.length, `${node.name} has rows`).toBeGreaterThan(0);
    expect(await rowsOf(op, `${SERVING_SCHEMA}.${node.name}`, cols), node.name).toEqual(want);
  }
}

const INJECTED = 'injected failure before the operational COMMIT';

type Open = (name: string) => Promise<Db>;

function suite(label: string, open: () => Open) {
  describe(`sync on ${label}`, () => {
    it('after random batches (inserts, late events, dimension changes), the operational tables equal the served relations; a sync killed before its commit and rerun gives the same; a second sync changes nothing', async () => {
      const o = open();
      const local = await o('sync_local');
      // Two operational databases fed from one engine: one synced without failures, one whose syncs fail at random and are rerun.
      const steady = await o('sync_op_steady');
      const crashy = await o('sync_op_crashy');
      try {
        await deployPlatform(local, manifest);
        for (const op of [steady, crashy]) await deployOperational(op, manifest, 'mvkit_app');
        const w = workload(24);
        let failures = 0;
        for (let b = 1; b <= 8; b++) {
          await runBatch(local, manifest, w);
          // The steady one skips a sync now and then: several refreshes' log entries in one sync.
          if (b % 3 !== 2) await syncServed(local, steady, manifest);
          const before = await rowsOf(crashy, `${SERVING_SCHEMA}.campaign_daily_metrics`, ['*']);
          const [stateBefore] = await crashy.query(`SELECT json_agg(s ORDER BY model)::text AS s FROM (SELECT model, generation, position FROM ${SERVING_SCHEMA}.sync_state) s`);
          if (w.rand() < 0.6) {
            failures++;
            const victim = servedNodes(manifest)[b % 3]!.node.name;
            await expect(syncServed(local, crashy, manifest, { beforeCommit: async (m) => { if (m === victim) throw new Error(INJECTED); } })).rejects.toThrow(INJECTED);
            // The failed model's rows and position are as before (one transaction); a model synced before it in the same run is not.
            const [stateAfter] = await crashy.query(`SELECT json_agg(s ORDER BY model)::text AS s FROM (SELECT model, generation, position FROM ${SERVING_SCHEMA}.sync_state) s WHERE model = $1`, [victim]);
            const [victimBefore] = await crashy.query(`SELECT json_agg(s ORDER BY model)::text AS s FROM json_to_recordset($1::json) AS s(model text, generation text, position bigint) WHERE model = $2`, [(stateBefore as { s: string | null }).s ?? '[]', victim]);
            expect(stateAfter).toEqual(victimBefore);
            if (victim === 'campaign_daily_metrics') expect(await rowsOf(crashy, `${SERVING_SCHEMA}.campaign_daily_metrics`, ['*'])).toEqual(before);
          }
          await syncServed(local, crashy, manifest);
          await expectInSync(local, crashy);
        }
        expect(failures).toBeGreaterThan(0);
        await syncServed(local, steady, manifest);
        await expectInSync(local, steady);
        // Sync twice: nothing to do, nothing changes.
        const snapshot = await Promise.all(servedNodes(manifest).map(({ node }) => rowsOf(steady, `${SERVING_SCHEMA}.${node.name}`, ['*'])));
        const again: SyncResult[] = await syncServed(local, steady, manifest);
        expect(again.map((r) => r.mode)).toEqual(servedNodes(manifest).map(() => 'unchanged'));
        expect(await Promise.all(servedNodes(manifest).map(({ node }) => rowsOf(steady, `${SERVING_SCHEMA}.${node.name}`, ['*'])))).toEqual(snapshot);
        // Both operational databases hold the same rows at the same positions.
        const positions = (db: Db) => db.query(`SELECT model, position FROM ${SERVING_SCHEMA}.sync_state ORDER BY model`);
        expect(await positions(crashy)).toEqual(await positions(steady));
      } finally {
        for (const d of [local, steady, crashy]) await d.close();
      }
    }, 600_000);

    it('is incremental: only the keys the source log changed are rewritten, and the logs are trimmed once synced', async () => {
      const o = open();
      const local = await o('sync_inc_local');
      const op = await o('sync_inc_op');
      try {
        await deployPlatform(local, manifest);
        await deployOperational(op, manifest, 'mvkit_app');
        const w = workload(7);
        await runBatch(local, manifest, w, 60);
        const first = await syncServed(local, op, manifest);
        expect(first.map((r) => r.mode)).toEqual(servedNodes(manifest).map(() => 'full'));
        // The sources of served views have no MV consumers: their logs exist only for sync, and are emptied after it.
        for (const s of ['tenant_daily', 'tenant_channel_daily']) {
          expect((await local.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${logTable(s)}`))[0]!.n, s).toBe(0);
        }
        // One new message for one tenant on one day: one row of tenant_daily_metrics changes.
        await local.exec(`INSERT INTO message_events (tenant_id, message_id, event_stream, campaign_id, channel_id, recipient_country, submitted_at) VALUES ('t2', 'extra', 'message_submissions', 'c1', 'sms', 'US', '2026-11-01 10:00:00')`);
        const { refreshDeployment } = await import('../../src/refresh/refresh.ts');
        const { engineFor } = await import('../../src/engines/open-engine.ts');
        await refreshDeployment(local, await engineFor(local), manifest);
        const second = await syncServed(local, op, manifest);
        const daily = second.find((r) => r.model === 'tenant_daily_metrics')!;
        expect(daily.mode).toBe('incremental');
        expect(daily.upserted).toBe(1);
        expect(daily.deleted).toBe(0);
        await expectInSync(local, op);
      } finally {
        await local.close();
        await op.close();
      }
    }, 600_000);
  });
}

suite('PGlite', () => async () => openPglite());
suite('native Postgres', () => async (name) => openPostgres(await server.createDatabase(name)));
