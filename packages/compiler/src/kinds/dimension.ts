import { attrs } from '../emit/physical.ts';
import { manifestColumns, type KindHandler, type ModelOf } from './kind-handler.ts';

/** Master data: a mutable keyed table (CDC), copied to every node on Redshift. */
export const dimensionKind: KindHandler<ModelOf<'dimension'>> = {
  refs: () => [],
  tenant: (m) => m.tenant,
  materialized: () => false,
  physical: (m) => attrs({ distStyle: 'all', sortKey: m.key }, m.physical),
  select: () => null,
  key: (m) => m.key,
  compile(m, ctx) {
    ctx.node({
      name: m.name, kind: 'table', role: 'dimension', model: m.name, ...ctx.loc, columns: manifestColumns(m.columns, m.key), dependsOn: [], key: m.key, tenant: m.tenant,
      eventTime: null, appendOnly: false, physical: ctx.lookups.physicalOf(m), sql: null, select: null,
    });
  },
  check(m, ctx) {
    ctx.need(m.columns, m.key, 'key column', `dimension "${m.name}"`);
    if (m.tenant) ctx.need(m.columns, [m.tenant], 'tenant column', `dimension "${m.name}"`);
  },
};
