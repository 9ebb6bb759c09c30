import { handlerOf, physicalOf } from '../kinds/index.ts';
import type { Diagnostic } from '../errors.ts';
import { diag, type ModelGraph } from '../graph.ts';

/** Co-location of joins, and AUTO REFRESH only where Redshift allows it. */
export function physicalPass(graph: ModelGraph): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of graph.models.values()) {
    const p = physicalOf(m, graph);
    if (m.kind === 'enrichment') {
      const input = graph.models.get(m.from.name);
      const ip = input ? physicalOf(input, graph) : null;
      for (const j of m.joins) {
        const dp = physicalOf(j.dimension, graph);
        if (dp.distStyle === 'all') continue;
        const colocated = ip?.distKey && dp.distKey && j.on.some(([dc, ic]) => dc === dp.distKey && ic === ip.distKey);
        if (!colocated) {
          out.push(diag(m, 'join-not-colocated', `the join of "${m.from.name}" (DISTKEY ${ip?.distKey ?? 'none'}) with "${j.dimension.name}" (DISTKEY ${dp.distKey ?? 'none'}) cannot be co-located: rows are redistributed on every refresh`,
            `distribute "${j.dimension.name}" with DISTSTYLE ALL, or both on the join column`, 'warning'));
        }
      }
    }
    const isMv = handlerOf(m).materialized(m);
    if (isMv && p.autoRefresh) {
      const upstreamMv = (graph.deps.get(m.name) ?? []).some((d) => {
        const u = graph.models.get(d);
        return !!u && handlerOf(u).materialized(u);
      });
      if (upstreamMv) out.push(diag(m, 'auto-refresh-nested', `"${m.name}" is built on another MV: Redshift refuses AUTO REFRESH YES on it`, 'set autoRefresh: false and refresh the chain in order (mvkit refresh)'));
    }
    for (const col of [p.distKey, ...p.sortKey]) {
      if (col && !(col in m.columns)) out.push(diag(m, 'unknown-column', `physical attribute names "${col}", not a column of "${m.name}"`, `columns: ${Object.keys(m.columns).join(', ')}`));
    }
  }
  return out;
}
