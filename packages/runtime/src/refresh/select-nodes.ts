import type { Manifest } from '@mvkit/compiler';
import { RefreshError } from '../errors.ts';

/**
 * `--select` like dbt: `name` the node (or every node of that model), `+name` it and everything
 * it is built on, `name+` it and everything built on it. Returns node names in dependency order.
 */
export function selectNodes(manifest: Manifest, selectors: readonly string[]): string[] {
  const want = new Set<string>();
  for (const raw of selectors.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const up = raw.startsWith('+');
    const down = raw.endsWith('+');
    const name = raw.replace(/^\+/, '').replace(/\+$/, '');
    const roots = manifest.nodes.filter((n) => n.name === name || n.model === name);
    if (!roots.length) {
      throw new RefreshError(`--select ${raw}: no model or node named "${name}"`, { hint: `nodes: ${manifest.nodes.map((n) => n.name).join(', ')}` });
    }
    for (const r of roots) {
      want.add(r.name);
      if (up) addAncestors(manifest, r.name, want);
      if (down) for (const n of manifest.nodes) if (isDownstreamOf(manifest, n.name, r.name)) want.add(n.name);
    }
  }
  return manifest.nodes.filter((n) => want.has(n.name)).map((n) => n.name);
}

function addAncestors(manifest: Manifest, name: string, into: Set<string>): void {
  for (const p of manifest.nodes.find((n) => n.name === name)?.dependsOn ?? []) {
    if (!into.has(p)) {
      into.add(p);
      addAncestors(manifest, p, into);
    }
  }
}

/** Whether `name` is built (directly or not) on `root`. */
function isDownstreamOf(manifest: Manifest, name: string, root: string): boolean {
  const node = manifest.nodes.find((n) => n.name === name);
  return !!node && node.dependsOn.some((p) => p === root || isDownstreamOf(manifest, p, root));
}
