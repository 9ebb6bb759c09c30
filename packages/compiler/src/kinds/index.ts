import type { Model, ModelKind } from '../dsl/model.ts';
import type { ModelGraph } from '../graph.ts';
import type { QueryNode } from '../ir/select-node.ts';
import type { PhysicalAttributes } from '../manifest.ts';
import { aggregateKind } from './aggregate.ts';
import { dimensionKind } from './dimension.ts';
import { enrichmentKind } from './enrichment.ts';
import type { KindHandler, Lookups, ModelOf } from './kind-handler.ts';
import { rollupKind } from './rollup.ts';
import { sqlKind } from './sql.ts';
import { streamJoinKind } from './stream-join.ts';
import { streamKind } from './stream.ts';
import { viewKind } from './view.ts';

/** Every model kind's handler. A kind added to the Model union fails to type-check here until it has one. */
export const KINDS: { readonly [K in ModelKind]: KindHandler<ModelOf<K>> } = {
  stream: streamKind,
  dimension: dimensionKind,
  streamJoin: streamJoinKind,
  enrichment: enrichmentKind,
  aggregate: aggregateKind,
  rollup: rollupKind,
  view: viewKind,
  sql: sqlKind,
};

/** The handler of a model's kind. */
export function handlerOf<M extends Model>(m: M): KindHandler<M> {
  return KINDS[m.kind] as unknown as KindHandler<M>;
}

const lookupsOfGraph = new WeakMap<ModelGraph, Lookups>();

/** The questions one kind asks about another, answered by the other's handler; one object per graph. */
export function lookups(graph: ModelGraph): Lookups {
  const known = lookupsOfGraph.get(graph);
  if (known) return known;
  const l: Lookups = {
    physicalOf: (m) => handlerOf(m).physical(m, graph, l, false),
    tenantOf: (m) => handlerOf(m).tenant(m, l),
    keyOf: (m) => handlerOf(m).key(m, l),
  };
  lookupsOfGraph.set(graph, l);
  return l;
}

/** The lookups of an empty graph: what a kind knows of a model alone. */
let noGraphLookups: Lookups | undefined;

export function physicalOf(m: Model, graph: ModelGraph, landing = false): PhysicalAttributes {
  return handlerOf(m).physical(m, graph, lookups(graph), landing);
}

/** The tenant column of a model's rows (a view's is its input's). Needs no graph. */
export function tenantOf(m: Model): string | null {
  noGraphLookups ??= lookups({ models: new Map(), deps: new Map(), order: [], landedIn: new Map(), macros: {}, diagnostics: [] });
  return handlerOf(m).tenant(m, noGraphLookups);
}

/** The tree of a model's one select; null for a table. */
export function selectOf(m: Model, graph: ModelGraph): QueryNode | null {
  return handlerOf(m).select(m, graph);
}

export function directRefs(m: Model, macros: Readonly<Record<string, string>>): (Model | string)[] {
  return handlerOf(m).refs(m, macros);
}
