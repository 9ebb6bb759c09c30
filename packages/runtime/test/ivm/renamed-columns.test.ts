import { describe, expect, it } from 'vitest';
import { dimension, enrichment, t } from '@mvkit/compiler';
import { refreshAll, verify } from '../../src/ivm/index.ts';
import { pgliteProject } from './workload.ts';

describe('carried columns renamed in enrichment joins, on the local engine', () => {
  it('two dimensions\' `name` carried as tenant_name and store_name, maintained incrementally', async () => {
    const tenants = dimension('tenants', { columns: { tenant_id: t.varchar(8), name: t.varchar(32) }, key: ['tenant_id'], tenant: 'tenant_id' });
    const stores = dimension('stores', { columns: { tenant_id: t.varchar(8), store_id: t.varchar(8), name: t.varchar(32) }, key: ['tenant_id', 'store_id'], tenant: 'tenant_id' });
    const visits = dimension('visits', { columns: { tenant_id: t.varchar(8), visit_id: t.varchar(8), store_id: t.varchar(8) }, key: ['tenant_id', 'visit_id'], tenant: 'tenant_id' });
    const named = enrichment('visits_named', {
      from: visits,
      joins: (j) => [
        j({ dimension: tenants, on: { tenant_id: 'tenant_id' }, columns: { tenant_name: 'name' } }),
        j({ dimension: stores, on: { tenant_id: 'tenant_id', store_id: 'store_id' }, columns: { store_name: 'name' } }),
      ],
    });
    const { db, manifest } = await pgliteProject('renamed', [tenants, stores, visits, named]);
    try {
      await db.exec(`INSERT INTO tenants VALUES ('t1', 'Acme'); INSERT INTO stores VALUES ('t1', 's1', 'Berlin'), ('t1', 's2', 'Lyon');
        INSERT INTO visits VALUES ('t1', 'v1', 's1'), ('t1', 'v2', 's2')`);
      await refreshAll(db, manifest);
      await db.exec(`UPDATE stores SET name = 'Paris' WHERE store_id = 's2'`);
      const [r] = await refreshAll(db, manifest);
      expect(r?.mode).toBe('incremental');
      expect(await db.query('SELECT visit_id, tenant_name, store_name FROM visits_named ORDER BY visit_id')).toEqual([
        { visit_id: 'v1', tenant_name: 'Acme', store_name: 'Berlin' },
        { visit_id: 'v2', tenant_name: 'Acme', store_name: 'Paris' },
      ]);
      expect((await verify(db, manifest)).every((v) => v.equal)).toBe(true);
    } finally {
      await db.close();
    }
  });
});
