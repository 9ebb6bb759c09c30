import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileProject, loadProject } from '@mvkit/compiler';
import { describe, expect, it } from 'vitest';
import { applyDeployment } from '../../src/apply/apply.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { loadLanding } from '../../src/load/index.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { deploymentStatus } from '../../src/status/status.ts';
import { tempDir } from '../platform/helpers.ts';

const QUICKSTART = resolve(import.meta.dirname, '../../../../examples/quickstart');

describe('status: staleness flows downstream', () => {
  it('refreshing only the first MV of a chain leaves every MV after it stale, naming the upstream MV', async () => {
    const r = await compileProject(await loadProject(QUICKSTART), 'postgres');
    const manifest = r.manifest!;
    const db = await openPglite();
    try {
      const engine = await engineFor(db);
      await applyDeployment(db, engine, manifest);
      await refreshDeployment(db, engine, manifest);
      const landing = join(tempDir('status-chain'), 'landing');
      mkdirSync(landing, { recursive: true });
      writeFileSync(join(landing, 'stores.1.ndjson'), '{"op":"insert","tenant_id":"t1","store_id":"s1","city":"Oslo"}\n');
      writeFileSync(join(landing, 'orders.1.ndjson'), '{"tenant_id":"t1","order_id":"o1","store_id":"s1","amount_cents":500,"refunded":false,"placed_at":"2026-01-01T10:00:00Z"}\n');
      const loaded = await loadLanding(db, manifest, { landing });
      expect(loaded.rowsRejected, JSON.stringify(loaded)).toBe(0);

      // Before any refresh: the first MV is stale on its own account, the others because of it.
      const before = await deploymentStatus(db, engine, manifest);
      const at = (report: typeof before, name: string) => report.nodes.find((n) => n.node === name)!;
      // orders_by_store, an enrichment of the keyless orders stream, is maintained incrementally
      // (as a multiset): its watermarks count the two loaded rows (one store, one order).
      expect(at(before, 'orders_by_store')).toMatchObject({ stale: true, staleUpstream: null, staleness: '2 input change(s) since the watermark' });
      expect(at(before, 'sales_hourly')).toMatchObject({ stale: true, staleUpstream: 'orders_by_store' });
      expect(at(before, 'sales_daily')).toMatchObject({
        stale: true, staleUpstream: 'orders_by_store',
        staleness: 'upstream orders_by_store (via sales_hourly) is stale: 2 input change(s) since the watermark',
      });

      await refreshDeployment(db, engine, manifest, { select: ['orders_by_store'] });
      const report = JSON.parse(JSON.stringify(await deploymentStatus(db, engine, manifest))) as typeof before;
      expect(at(report, 'orders_by_store')).toMatchObject({ stale: false, staleUpstream: null });
      // sales_hourly reads orders_by_store's new row without having folded it in.
      expect(at(report, 'sales_hourly')).toMatchObject({ stale: true, staleUpstream: null });
      expect(at(report, 'sales_hourly').staleness).toMatch(/input change/);
      // sales_daily's own input (sales_hourly) has not changed: it is stale only through sales_hourly.
      expect(at(report, 'sales_daily')).toMatchObject({ stale: true, staleUpstream: 'sales_hourly' });
      expect(at(report, 'sales_daily').staleness).toMatch(/^upstream sales_hourly is stale: \d+ input change/);

      await refreshDeployment(db, engine, manifest, { select: ['sales_hourly'] });
      const after = await deploymentStatus(db, engine, manifest);
      expect(at(after, 'sales_hourly')).toMatchObject({ stale: false, staleUpstream: null });
      expect(at(after, 'sales_daily')).toMatchObject({ stale: true, staleUpstream: null });
      await refreshDeployment(db, engine, manifest);
      const fresh = await deploymentStatus(db, engine, manifest);
      expect(fresh.nodes.filter((n) => n.kind === 'mv').map((n) => [n.node, n.stale])).toEqual([
        ['orders_by_store', false], ['sales_hourly', false], ['sales_daily', false],
      ]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
