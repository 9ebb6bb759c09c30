import { attrs } from '../emit/physical.ts';
import { relationNodeOf, renderQuery } from '../emit/select.ts';
import type { ModelGraph } from '../graph.ts';
import { projection, select } from '../ir/select-node.ts';
import { selectNode, type KindHandler, type ModelOf } from './kind-handler.ts';

type View = ModelOf<'view'>;

const viewSelect = (m: View, graph: ModelGraph) => select(relationNodeOf(graph, m.from.name, null), [], m.where, m.select.map((s) => projection(s.name, s.expr)), false);

/** A serving view: expressions over one model, not materialized. */
export const viewKind: KindHandler<View> = {
  refs: (m) => [m.from],
  tenant: (m, lookups) => lookups.tenantOf(m.from),
  materialized: () => false,
  physical: () => attrs({}, {}),
  select: (m, graph) => viewSelect(m, graph),
  key: () => null,
  compile(m, ctx) {
    const q = viewSelect(m, ctx.graph);
    ctx.node(selectNode(m, ctx, q, renderQuery(q, ctx.dialect), { kind: 'view', key: null, tenant: null }));
  },
  check: () => undefined,
};
