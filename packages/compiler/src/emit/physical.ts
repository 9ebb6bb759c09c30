import type { Model, Physical } from '../dsl/model.ts';
import type { ModelGraph } from '../graph.ts';
import type { PhysicalAttributes } from '../manifest.ts';

/** The join column after the tenant: tenants are skewed, message ids are not. */
function distColumn(key: readonly string[], tenant: string | null): string | null {
  return key.find((k) => k !== tenant) ?? key[0] ?? null;
}

function attrs(p: Partial<PhysicalAttributes>, over: Physical): PhysicalAttributes {
  const distKey = over.distKey ?? p.distKey ?? null;
  return {
    distStyle: over.distStyle ?? (over.distKey ? 'key' : p.distStyle ?? (distKey ? 'key' : null)),
    distKey: over.distStyle && over.distStyle !== 'key' ? null : distKey,
    sortKey: over.sortKey ?? p.sortKey ?? [],
    autoRefresh: over.autoRefresh ?? false,
    backup: over.backup ?? true,
  };
}

/**
 * DISTKEY/SORTKEY derived from join keys: a column that is joined on is both the sort key and
 * the distribution key (merge join); master data is copied to every node (DISTSTYLE ALL).
 */
export function physicalOf(m: Model, graph: ModelGraph, landing = false): PhysicalAttributes {
  switch (m.kind) {
    case 'stream':
      return attrs({ distKey: distColumn(m.key, m.tenant), sortKey: m.key }, m.physical);
    case 'dimension':
      return attrs({ distStyle: 'all', sortKey: m.key }, m.physical);
    case 'streamJoin':
      return attrs({ distKey: distColumn(m.key, m.tenant), sortKey: m.key }, landing ? m.landingPhysical : m.physical);
    case 'enrichment': {
      const up = graph.models.get(m.from.name);
      const inherited = up ? physicalOf(up, graph) : null;
      return attrs({ distKey: inherited?.distKey ?? null, sortKey: inherited?.sortKey ?? [] }, m.physical);
    }
    case 'aggregate': case 'rollup': {
      const sort = [m.tenant, m.bucket?.name, ...m.groupBy].filter((c, i, a): c is string => !!c && a.indexOf(c) === i);
      return attrs({ distStyle: 'even', sortKey: sort }, m.physical);
    }
    case 'sql':
      return attrs({}, m.physical);
    case 'view':
      return attrs({}, {});
  }
}
