import { attrs } from '../emit/physical.ts';
import { redshiftFederatedSelect } from '../emit/redshift-federated.ts';
import { manifestColumns, type CheckContext, type KindHandler, type ModelOf } from './kind-handler.ts';

/** Master data: a mutable keyed table (CDC), copied to every node on Redshift. */
export const dimensionKind: KindHandler<ModelOf<'dimension'>> = {
  refs: () => [],
  tenant: (m) => m.tenant,
  materialized: () => false,
  physical: (m) => attrs({ distStyle: 'all', sortKey: m.key }, m.physical),
  select: () => null,
  key: (m) => m.key,
  compile(m, ctx) {
    const columns = manifestColumns(m.columns, m.key);
    // On Redshift a dimension with a source is an MV over a federated table; its SELECT is the node's SQL.
    const federated = m.source && ctx.dialect.name === 'redshift' ? { dimensionSource: m.source } : {};
    ctx.node({
      name: m.name, kind: 'table', role: 'dimension', model: m.name, ...ctx.loc, columns, dependsOn: [], key: m.key, tenant: m.tenant,
      eventTime: null, appendOnly: false, physical: ctx.lookups.physicalOf(m), sql: m.source && federated.dimensionSource ? redshiftFederatedSelect(m.name, columns, m.source) : null, select: null, ...federated,
      // Present only when declared, so manifests of projects that do not use it are unchanged.
      ...(m.softDelete ? { softDelete: m.softDelete } : {}),
    });
  },
  check(m, ctx) {
    ctx.need(m.columns, m.key, 'key column', `dimension "${m.name}"`);
    if (m.tenant) ctx.need(m.columns, [m.tenant], 'tenant column', `dimension "${m.name}"`);
    if (m.softDelete !== undefined) checkSoftDelete(m, ctx);
  },
};

function checkSoftDelete(m: ModelOf<'dimension'>, ctx: CheckContext): void {
  const col = m.softDelete as string;
  const fix = `declare a column such as deleted_at: t.timestamp() in dimension('${m.name}', …) and name it in onDelete: { keep: 'deleted_at' }`;
  const type = m.columns[col];
  if (!type) ctx.err('unknown-column', `onDelete keeps deleted rows in column "${col}", which dimension "${m.name}" does not have`, fix);
  else if (type.base !== 'timestamp') ctx.err('type-mismatch', `onDelete column "${col}" of dimension "${m.name}" is ${type.base}, not a timestamp`, fix);
  else if (m.key.includes(col)) ctx.err('type-mismatch', `onDelete column "${col}" of dimension "${m.name}" is a key column: it must be nullable`, fix);
}
