import { ddlOf, dialectOf, renderQuery, type Manifest, type ManifestNode, type QueryNode, type RelationNode } from '@mvkit/compiler';
import type { Engine } from '../engines/engine.ts';
import { isVersioned, physicalName, versionKey } from './physical-name.ts';

/**
 * The manifest the engine deploys under blue/green: each derived node renamed to its physical
 * name (physical-name.ts), every relation its select reads renamed to that relation's physical
 * name, and its SQL and DDL rendered again from the renamed tree. The engine then creates, fills
 * and refreshes physical versions as ordinary nodes; the model's own name becomes a view over the
 * version it serves (switch.ts). `model` keeps the model's name.
 */
export function versionManifest(manifest: Manifest, engine: Pick<Engine, 'planSql'>): Manifest {
  const names = new Map<string, string>();
  // In dependency order (the manifest's): a node's name hashes its parents' names.
  for (const n of manifest.nodes) {
    if (!isVersioned(n)) continue;
    const key = versionKey(n, engine.planSql.create(n, manifest), n.dependsOn.map((p) => names.get(p) ?? p));
    names.set(n.name, physicalName(n.name, key));
  }
  const rename = (name: string) => names.get(name) ?? name;
  return { ...manifest, nodes: manifest.nodes.map((n) => versionNode(n, rename, manifest.target)) };
}

function versionNode(n: ManifestNode, rename: (name: string) => string, target: Manifest['target']): ManifestNode {
  if (n.kind === 'table') return n;
  const select = n.select && renameQuery(n.select, rename);
  // A tree renders again; SQL text without one (a raw SQL view) is renamed word by word.
  const sql = select ? renderQuery(select, dialectOf(target)) : n.sql && renameText(n.sql, n.dependsOn, rename);
  const node = { ...n, name: rename(n.name), dependsOn: n.dependsOn.map(rename), select, sql };
  return { ...node, ddl: ddlOf(node, target) };
}

/**
 * Relations renamed; expressions keep naming the relation as before (a relation without an alias
 * gets its old name as alias), so no expression changes.
 */
function renameRelation(r: RelationNode, rename: (name: string) => string): RelationNode {
  const to = rename(r.name);
  return to === r.name ? r : { ...r, name: to, alias: r.alias ?? r.name };
}

function renameQuery(q: QueryNode, rename: (name: string) => string): QueryNode {
  if (q.kind === 'opaque') return { ...q, sql: renameText(q.sql, null, rename) };
  return { ...q, from: renameRelation(q.from, rename), joins: q.joins.map((j) => ({ ...j, relation: renameRelation(j.relation, rename) })) };
}

/**
 * SQL text with each whole-word occurrence of a renamed relation replaced, outside quoted
 * strings and quoted identifiers. A column named like a relation it reads would be renamed too:
 * SQL models read relations under aliases in practice; the verify stage would show such a case.
 */
function renameText(sql: string, only: readonly string[] | null, rename: (name: string) => string): string {
  return sql.replace(/('(?:[^']|'')*'|"(?:[^"]|"")*")|\b([A-Za-z_][A-Za-z0-9_$]*)\b/g, (m, quoted: string | undefined, word: string | undefined) => {
    if (quoted || !word) return m;
    if (only && !only.includes(word)) return m;
    return rename(word);
  });
}
