import { sqlModelSelect } from '../analyzer/select-parts.ts';
import { attrs } from '../emit/physical.ts';
import { relationColumns, sqlTextOf } from '../emit/select.ts';
import { sqlRefNames, type ModelGraph } from '../graph.ts';
import { selectNode, type KindHandler, type ModelOf } from './kind-handler.ts';

type Sql = ModelOf<'sql'>;

/** A SQL MV's tree, read from its rendered text; null for a SQL view (not maintained). */
function sqlSelect(m: Sql, graph: ModelGraph) {
  if (m.materialized !== 'mv') return null;
  return sqlModelSelect(sqlTextOf(m, graph), Object.keys(m.columns), { columnsOf: (r) => relationColumns(graph, r) });
}

/** A model written in SQL (with macros and refs): an MV or a view; its text is emitted as written. */
export const sqlKind: KindHandler<Sql> = {
  refs: (m, macros) => [...m.refs, ...sqlRefNames(m, macros)],
  tenant: (m) => m.tenant,
  materialized: (m) => m.materialized === 'mv',
  physical: (m) => attrs({}, m.physical),
  select: (m, graph) => sqlSelect(m, graph),
  key: () => null,
  compile(m, ctx) {
    ctx.node(selectNode(m, ctx, sqlSelect(m, ctx.graph), sqlTextOf(m, ctx.graph), { kind: m.materialized === 'mv' ? 'mv' : 'view', key: null, tenant: m.tenant }));
  },
  check: () => undefined,
};
