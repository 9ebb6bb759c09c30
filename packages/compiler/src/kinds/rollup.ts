import { renderQuery } from '../emit/select.ts';
import { groupedKey, groupedPhysical, groupedSelect } from './aggregate.ts';
import { selectNode, type KindHandler, type ModelOf } from './kind-handler.ts';

/** An aggregate re-aggregated at a coarser grain (hour → day, campaign → tenant). */
export const rollupKind: KindHandler<ModelOf<'rollup'>> = {
  refs: (m) => [m.from],
  tenant: (m) => m.tenant,
  materialized: () => true,
  physical: (m) => groupedPhysical(m),
  select: (m, graph) => groupedSelect(m, graph),
  key: (m) => groupedKey(m),
  compile(m, ctx) {
    const q = groupedSelect(m, ctx.graph);
    ctx.node(selectNode(m, ctx, q, renderQuery(q, ctx.dialect), { kind: 'mv', key: groupedKey(m), tenant: m.tenant }));
  },
  check(m, ctx) {
    const groups = [...m.from.groupBy, ...(m.from.bucket ? [m.from.bucket.name] : [])];
    for (const g of m.groupBy) if (!groups.includes(g)) ctx.err('unknown-column', `rollup group column "${g}" is not a group column of "${m.from.name}"`, `group columns of "${m.from.name}": ${groups.join(', ')}`);
    if (m.bucket && !groups.includes(m.bucket.column)) ctx.err('unknown-column', `rollup bucket reads "${m.bucket.column}", not a group column of "${m.from.name}"`, 'roll up one of the input\'s time buckets');
    const measures = new Map(m.from.measures.map((x) => [x.name, x]));
    for (const r of m.requested) {
      const x = measures.get(r);
      if (!x) ctx.err('unknown-measure', `rollup "${m.name}" rolls up "${r}", which is not a measure of "${m.from.name}"`, `measures of "${m.from.name}": ${[...measures.keys()].join(', ')}`);
      else if (!x.rollup) ctx.err('non-additive-rollup', `measure "${r}" of "${m.from.name}" cannot be rolled up: ${x.why ?? 'it is not additive'}`, 'compute it in an aggregate at the coarser grain directly, or drop it from the rollup');
    }
  },
};
