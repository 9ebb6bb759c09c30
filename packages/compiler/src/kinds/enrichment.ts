import type { ExprNode } from '../expr.ts';
import { attrs } from '../emit/physical.ts';
import { col, relationNodeOf, renderQuery } from '../emit/select.ts';
import type { ModelGraph } from '../graph.ts';
import { join, projection, relation, select, type OutputNode } from '../ir/select-node.ts';
import { selectNode, type CheckContext, type KindHandler, type ModelOf } from './kind-handler.ts';

type Enrichment = ModelOf<'enrichment'>;

function enrichmentSelect(m: Enrichment, graph: ModelGraph) {
  const joins = m.joins.map((j) => {
    const on = j.on.map(([dc, ic]): ExprNode => ({ kind: 'binary', op: '=', left: col(dc, j.alias), right: col(ic, 'i') }));
    return join(relation(j.dimension.name, j.alias), on.reduce((a, b) => ({ kind: 'binary', op: 'AND', left: a, right: b })));
  });
  const outs: OutputNode[] = Object.keys(m.from.columns).map((c) => projection(c, col(c, 'i')));
  for (const j of m.joins) for (const [out, c] of j.carry) outs.push(projection(out, col(c, j.alias)));
  for (const d of m.derive) outs.push(projection(d.name, d.expr));
  return select(relationNodeOf(graph, m.from.name, 'i'), joins, m.where, outs, false);
}

/**
 * Every output column of an enrichment has one source: the input, one join's carried column, or
 * one derived expression. Two sources of one name would be a database error at apply.
 */
function outputClashes(m: Enrichment, ctx: CheckContext): void {
  const sources = new Map<string, string>();
  const add = (name: string, source: string, fix: string) => {
    const prior = sources.get(name);
    if (prior === undefined) sources.set(name, source);
    else ctx.err('duplicate-column', `output column "${name}" of "${m.name}" comes from both ${prior} and ${source}`, fix);
  };
  for (const c of Object.keys(m.from.columns)) add(c, `the input "${m.from.name}"`, '');
  for (const j of m.joins) {
    for (const [name, c] of j.carry) {
      add(name, `the join with "${j.dimension.name}" (${j.dimension.name}.${c})`,
        `rename the carried column: columns: { ${j.dimension.name}_${c}: '${c}' } in the join with "${j.dimension.name}"`);
    }
  }
  for (const d of m.derive) add(d.name, `the derived column "${d.name}"`, 'give the derived column another name');
}

/** Inner joins of an input with dimensions on their keys: one MV with a row per input row. */
export const enrichmentKind: KindHandler<Enrichment> = {
  refs: (m) => [m.from, ...m.joins.map((j) => j.dimension)],
  tenant: (m) => m.tenant,
  materialized: () => true,
  physical(m, graph, lookups) {
    const up = graph.models.get(m.from.name);
    const inherited = up ? lookups.physicalOf(up) : null;
    return attrs({ distKey: inherited?.distKey ?? null, sortKey: inherited?.sortKey ?? [] }, m.physical);
  },
  select: (m, graph) => enrichmentSelect(m, graph),
  key: (m, lookups) => lookups.keyOf(m.from),
  compile(m, ctx) {
    const q = enrichmentSelect(m, ctx.graph);
    ctx.node(selectNode(m, ctx, q, renderQuery(q, ctx.dialect), { kind: 'mv', key: ctx.lookups.keyOf(m), tenant: m.tenant }));
  },
  check(m, ctx) {
    for (const j of m.joins) {
      const dim = j.dimension;
      for (const [dc, ic] of j.on) {
        ctx.need(dim.columns, [dc], 'join column', `dimension "${dim.name}"`);
        ctx.need(m.from.columns, [ic], 'join column', `"${m.from.name}"`);
        const a = dim.columns[dc]?.base;
        const b = m.from.columns[ic]?.base;
        if (a && b && a !== b) ctx.err('type-mismatch', `join compares ${dim.name}.${dc} (${a}) with ${m.from.name}.${ic} (${b})`, 'join columns of the same type');
      }
      const onCols = j.on.map(([dc]) => dc);
      if (dim.key.some((k) => !onCols.includes(k))) {
        ctx.err('join-not-on-key', `the join with "${dim.name}" does not cover its key (${dim.key.join(', ')}): input rows would be duplicated`, `join on every key column of "${dim.name}"`);
      }
      ctx.need(dim.columns, j.columns, 'column', `dimension "${dim.name}"`);
    }
    outputClashes(m, ctx);
    ctx.exprs([...m.derive.map((x) => x.expr), ...(m.where ? [m.where] : [])]);
  },
};
