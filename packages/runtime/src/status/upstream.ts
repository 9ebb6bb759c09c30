import type { Manifest } from '@mvkit/compiler';

/** The staleness fields of a node's status that propagation reads and writes. */
export interface Staleness {
  readonly node: string;
  stale: boolean | null;
  staleness: string | null;
  /** The upstream node whose unrefreshed changes make this one stale; null when none does. */
  staleUpstream: string | null;
}

/**
 * An MV is only as fresh as everything it reads, transitively: an MV whose own inputs are
 * folded in still serves old numbers while an MV (or a view over one) it is built on has
 * changes not refreshed yet. Each MV is marked stale by the nearest upstream node that is
 * stale on its own account, named with the path to it.
 */
export function propagateStaleness(manifest: Manifest, nodes: Staleness[]): void {
  const byName = new Map(nodes.map((n) => [n.node, n]));
  const dependsOn = new Map(manifest.nodes.map((n) => [n.name, n.dependsOn]));
  const own = new Map(nodes.map((n) => [n.node, n.stale === true ? n.staleness : null]));
  // The stale node nearest upstream of each node and the path to it (excluding the node).
  const memo = new Map<string, { origin: string; via: string[] } | null>();
  const originAbove = (name: string, seen: Set<string>): { origin: string; via: string[] } | null => {
    if (memo.has(name)) return memo.get(name)!;
    if (seen.has(name)) return null;
    seen.add(name);
    let found: { origin: string; via: string[] } | null = null;
    for (const input of dependsOn.get(name) ?? []) {
      if (own.get(input) != null) { found = { origin: input, via: [] }; break; }
      const above = originAbove(input, seen);
      if (above) { found = { origin: above.origin, via: [input, ...above.via] }; break; }
    }
    memo.set(name, found);
    return found;
  };
  for (const n of manifest.nodes) {
    if (n.kind !== 'mv') continue;
    const status = byName.get(n.name);
    if (!status) continue;
    const above = originAbove(n.name, new Set());
    if (!above) continue;
    const path = above.via.length ? ` (via ${above.via.join(' ← ')})` : '';
    const why = `upstream ${above.origin}${path} is stale: ${own.get(above.origin)}`;
    status.staleUpstream = above.origin;
    status.staleness = status.stale === true ? `${status.staleness}; and ${why}` : why;
    status.stale = true;
  }
}
