import type { Manifest, ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { PRODUCTION, readAllServing, readServing, readVersions } from './version-state.ts';

/** Nodes in dependency order (parents first), by their dependsOn; others keep their order. */
export function dependencyOrder(nodes: readonly ManifestNode[]): ManifestNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const out: ManifestNode[] = [];
  const seen = new Set<string>();
  const visit = (n: ManifestNode) => {
    if (seen.has(n.name)) return;
    seen.add(n.name);
    for (const p of n.dependsOn) {
      const pn = byName.get(p);
      if (pn) visit(pn);
    }
    out.push(n);
  };
  nodes.forEach(visit);
  return out;
}

/**
 * THE resolver from a model's name to the relation that holds its rows, for one environment
 * (production by default): its served physical version under blue/green, else the model's own
 * name (a project never applied blue/green, or a landing/dimension table). Change logs, row
 * counts and watermarks of a served model are those of this relation (the sync reads
 * `logTable(resolvePhysical(...))`).
 */
export async function resolvePhysical(db: Db, model: string, env = PRODUCTION): Promise<string> {
  return (await readServing(db, env)).get(model) ?? model;
}

/** Every model's physical relation in one read: model → physical (only the versioned ones). */
export async function physicalNames(db: Db, env = PRODUCTION): Promise<ReadonlyMap<string, string>> {
  return readServing(db, env);
}

/**
 * The manifest the engine runs on (refresh, verify, status, load): unchanged for a project never
 * applied blue/green; otherwise the project's tables and every physical version that some
 * environment serves, from the definitions recorded when they were built (after a rollback the
 * served versions are not the project's). Their names are physical names; `model` keeps the model.
 */
export async function servedManifest(db: Db, manifest: Manifest): Promise<Manifest> {
  const serving = await readAllServing(db);
  if (!serving.length) return manifest;
  const versions = await readVersions(db);
  const served = new Set(serving.map((s) => s.physical));
  const nodes = [...versions.values()].filter((v) => served.has(v.physical)).map((v) => v.node);
  return { ...manifest, nodes: dependencyOrder([...manifest.nodes.filter((n) => n.kind === 'table'), ...nodes]) };
}

/** Whether the target is deployed blue/green: production serves views over versions. */
export async function usesBlueGreen(db: Db): Promise<boolean> {
  return (await readServing(db, PRODUCTION)).size > 0;
}

/**
 * Selectors of models (`name`, `+name`, `name+`) with each model's name replaced by the physical
 * name it is served under in `served` (servedManifest): --select keeps naming models.
 */
export function physicalSelectors(served: Manifest, selectors: readonly string[]): string[] {
  const byModel = new Map(served.nodes.filter((n) => n.name !== n.model).map((n) => [n.model, n.name]));
  return selectors.map((s) => {
    const m = /^(\+?)(.*?)(\+?)$/.exec(s)!;
    return `${m[1]}${byModel.get(m[2]!) ?? m[2]}${m[3]}`;
  });
}
