import { describe, expect, it } from 'vitest';
import { compileProject, dimension, enrichment, stream, t, type Model } from '@mvkit/compiler';

const visits = stream('visits', {
  columns: { tenant_id: t.varchar(8), visit_id: t.varchar(16), store_id: t.varchar(8), at: t.timestamp() },
  key: ['tenant_id', 'visit_id'], tenant: 'tenant_id', eventTime: 'at',
});
const tenants = dimension('tenants', { columns: { tenant_id: t.varchar(8), name: t.varchar(32) }, key: ['tenant_id'], tenant: 'tenant_id' });
const stores = dimension('stores', { columns: { tenant_id: t.varchar(8), store_id: t.varchar(8), name: t.varchar(32) }, key: ['tenant_id', 'store_id'], tenant: 'tenant_id' });
const compile = (...models: Model[]) => compileProject({ dir: '/', config: { name: 'p' }, models: [visits, tenants, stores, ...models], macros: {}, loadDiagnostics: [] }, 'redshift');

describe('columns carried by enrichment joins', () => {
  it('two joins carrying one name: a validate error naming both sources and the rename, and nothing compiled', async () => {
    const both = enrichment('visits_named', {
      from: visits,
      joins: (j) => [
        j({ dimension: tenants, on: { tenant_id: 'tenant_id' }, columns: ['name'] }),
        j({ dimension: stores, on: { tenant_id: 'tenant_id', store_id: 'store_id' }, columns: ['name'] }),
      ],
    });
    const r = await compile(both);
    expect(r.ok).toBe(false);
    expect(r.manifest).toBeNull();
    const d = r.diagnostics.filter((x) => x.code === 'duplicate-column');
    expect(d).toEqual([expect.objectContaining({
      severity: 'error', model: 'visits_named', line: both.loc.line,
      message: 'output column "name" of "visits_named" comes from both the join with "tenants" (tenants.name) and the join with "stores" (stores.name)',
      hint: "rename the carried column: columns: { stores_name: 'name' } in the join with \"stores\"",
    })]);
  });

  it('a carried column that has the name of an input column is reported too', async () => {
    const r = await compile(enrichment('visits_again', {
      from: visits, joins: (j) => [j({ dimension: stores, on: { tenant_id: 'tenant_id', store_id: 'store_id' }, columns: ['store_id'] })],
    }));
    expect(r.diagnostics.filter((x) => x.code === 'duplicate-column').map((x) => x.message)).toEqual([
      'output column "store_id" of "visits_again" comes from both the input "visits" and the join with "stores" (stores.store_id)',
    ]);
  });

  it('renamed with { output: column }: compiles, the column typed as in the dimension', async () => {
    const renamed = enrichment('visits_named', {
      from: visits,
      joins: (j) => [
        j({ dimension: tenants, on: { tenant_id: 'tenant_id' }, columns: { tenant_name: 'name' } }),
        j({ dimension: stores, on: { tenant_id: 'tenant_id', store_id: 'store_id' }, columns: { store_name: 'name' } }),
      ],
    });
    const r = await compile(renamed);
    expect(r.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    const node = r.manifest!.nodes.find((n) => n.name === 'visits_named')!;
    expect(node.sql).toContain('  d1.name AS tenant_name,\n  d2.name AS store_name\n');
    expect(node.columns.slice(-2)).toEqual([{ name: 'tenant_name', type: 'VARCHAR(32)', nullable: true }, { name: 'store_name', type: 'VARCHAR(32)', nullable: true }]);
  });
});
