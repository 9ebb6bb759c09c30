import type { MeasureSpec } from '../dsl/model.ts';
import { attrs } from '../emit/physical.ts';
import { argNotNull, col, dslAggregate, relationNodeOf, renderQuery } from '../emit/select.ts';
import type { ModelGraph } from '../graph.ts';
import { projection, select, type OutputNode } from '../ir/select-node.ts';
import type { PhysicalAttributes } from '../manifest.ts';
import { selectNode, type KindHandler, type ModelOf } from './kind-handler.ts';

type Grouped = ModelOf<'aggregate'> | ModelOf<'rollup'>;

/** The select of an aggregate or a rollup: group columns, the time bucket, the measures. */
export function groupedSelect(m: Grouped, graph: ModelGraph) {
  const outs: OutputNode[] = m.groupBy.map((g) => projection(g, col(g)));
  if (m.bucket) outs.push(projection(m.bucket.name, { kind: 'dateTrunc', grain: m.bucket.grain, arg: col(m.bucket.column) }));
  for (const s of m.measures) outs.push(dslAggregate(s.name, s.fn, s.arg, s.filter, argNotNull(m, s as MeasureSpec)));
  return select(relationNodeOf(graph, m.from.name, null), [], m.kind === 'aggregate' ? m.where : null, outs, true);
}

export const groupedKey = (m: Grouped): readonly string[] => [...m.groupBy, ...(m.bucket ? [m.bucket.name] : [])];

export function groupedPhysical(m: Grouped): PhysicalAttributes {
  const sort = [m.tenant, m.bucket?.name, ...m.groupBy].filter((c, i, a): c is string => !!c && a.indexOf(c) === i);
  return attrs({ distStyle: 'even', sortKey: sort }, m.physical);
}

/** Measures grouped by columns of an input and an optional time bucket: one MV. */
export const aggregateKind: KindHandler<ModelOf<'aggregate'>> = {
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
    ctx.need(m.from.columns, m.groupBy, 'group-by column', `"${m.from.name}"`);
    if (m.bucket) {
      ctx.need(m.from.columns, [m.bucket.column], 'bucket column', `"${m.from.name}"`);
      const b = m.from.columns[m.bucket.column]?.base;
      if (b && b !== 'timestamp' && b !== 'date') ctx.err('type-mismatch', `bucket column "${m.bucket.column}" is ${b}, not a timestamp`, 'bucket a timestamp or date column');
    }
    for (const s of m.measures) {
      if (s.fn === 'sum' && s.arg?.kind === 'column') {
        const b = m.from.columns[s.arg.name]?.base;
        if (b && b !== 'number') ctx.err('type-mismatch', `measure "${s.name}" sums "${s.arg.name}", which is ${b}`, 'sum a numeric column, or count it with countIf');
      }
      if ((s.fn === 'min' || s.fn === 'max') && s.type.base === 'boolean') {
        ctx.err('type-mismatch', `measure "${s.name}" takes the ${s.fn.toUpperCase()} of a boolean, which neither Postgres nor Redshift has`, 'count the rows where it holds instead: m.countIf(<condition>), then compare the count with 0');
      }
      if (s.arg) ctx.exprs([s.arg, ...(s.filter ? [s.filter] : [])]);
    }
  },
};
