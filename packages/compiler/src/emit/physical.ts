import type { Physical } from '../dsl/model.ts';
import type { PhysicalAttributes } from '../manifest.ts';

/**
 * DISTKEY/SORTKEY derived from join keys: a column that is joined on is both the sort key and
 * the distribution key (merge join); master data is copied to every node (DISTSTYLE ALL). Each
 * kind's defaults are in its handler (kinds/); these are the shared rules.
 */

/** The join column after the tenant: tenants are skewed, message ids are not. */
export function distColumn(key: readonly string[], tenant: string | null): string | null {
  return key.find((k) => k !== tenant) ?? key[0] ?? null;
}

/** Defaults `p`, overridden by what the model declares. */
export function attrs(p: Partial<PhysicalAttributes>, over: Physical): PhysicalAttributes {
  const distKey = over.distKey ?? p.distKey ?? null;
  return {
    distStyle: over.distStyle ?? (over.distKey ? 'key' : p.distStyle ?? (distKey ? 'key' : null)),
    distKey: over.distStyle && over.distStyle !== 'key' ? null : distKey,
    sortKey: over.sortKey ?? p.sortKey ?? [],
    autoRefresh: over.autoRefresh ?? false,
    backup: over.backup ?? true,
  };
}
