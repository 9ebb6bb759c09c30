import * as crypto from 'node:crypto';
import { relative } from 'node:path';
import { DialectError } from './errors.ts';
import { dialectOf, type TargetName } from './emit/dialect.ts';
import { relationOf } from './emit/select.ts';
import { redshiftStreamingDdl } from './emit/redshift-streaming.ts';
import { redshiftFederatedDdl } from './emit/redshift-federated.ts';
import type { ModelGraph } from './graph.ts';
import { handlerOf, lookups } from './kinds/index.ts';
import type { Draft } from './kinds/kind-handler.ts';
import type { Manifest, ManifestNode, ManifestStream } from './manifest.ts';

export interface CompileOptions {
  readonly target: TargetName;
  readonly projectName: string;
  /** Source paths in the manifest are written relative to this directory. */
  readonly projectDir: string;
}

/**
 * Graph → manifest: one physical node per table, MV and view, in topological order. A SQL MV's
 * select tree is read with the SQL parser, which must be loaded first (`await initAnalyzer()`,
 * as compileProject does); without it the tree is opaque and the engine recomputes the MV in full.
 * The fingerprint is of the SQL text, not of the tree.
 */
export function compileManifest(graph: ModelGraph, options: CompileOptions): Manifest {
  const dialect = dialectOf(options.target);
  const drafts: Draft[] = [];
  const streams: ManifestStream[] = [];
  const l = lookups(graph);
  const node = (d: Draft): void => { drafts.push(d); };
  const stream = (s: ManifestStream): void => { streams.push(s); };
  for (const name of graph.order) {
    const m = graph.models.get(name)!;
    handlerOf(m).compile(m, {
      graph, dialect, lookups: l,
      loc: { file: relative(options.projectDir, m.loc.file) || m.loc.file, line: m.loc.line },
      dependsOn: (graph.deps.get(m.name) ?? []).map((n) => relationOf(graph, n)).filter((n, i, a) => a.indexOf(n) === i),
      node,
      stream,
    });
  }
  const fingerprints = new Map<string, string>();
  const nodes = dependencyOrder(drafts).map((n): ManifestNode => {
    const fingerprint = sha256Hex(JSON.stringify({ kind: n.kind, role: n.role, columns: n.columns, sql: n.sql, key: n.key, appendOnly: n.appendOnly, parents: n.dependsOn.map((p) => fingerprints.get(p) ?? p) })).slice(0, 16);
    fingerprints.set(n.name, fingerprint);
    return { ...n, fingerprint, ddl: ddlOf(n, options.target) };
  });
  return { version: 1, project: options.projectName, target: options.target, nodes, streams };
}

/** SHA-256 of a text's UTF-8 bytes, in hex: the one-shot crypto.hash where Node has it (20.12+), which skips the Hash object. */
const sha256Hex: (text: string) => string = typeof (crypto as { hash?: unknown }).hash === 'function'
  ? (text) => (crypto as unknown as { hash(algorithm: string, data: string, encoding: 'hex'): string }).hash('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');

/**
 * The drafts with every node after the nodes it depends on, otherwise in their order. The model
 * order alone does not guarantee it: a model over a joined stream reads its stream join's
 * landing table, which the stream join declares, and the stream join may come later.
 */
function dependencyOrder(drafts: readonly Draft[]): Draft[] {
  const known = new Set(drafts.map((d) => d.name));
  const done = new Set<string>();
  const out: Draft[] = [];
  // A draft that comes before one of its dependencies waits for it, and is placed right after it.
  const waiting = new Map<string, Draft[]>();
  const place = (d: Draft): void => {
    const missing = d.dependsOn.find((p) => known.has(p) && !done.has(p));
    if (missing !== undefined) {
      waiting.set(missing, [...(waiting.get(missing) ?? []), d]);
      return;
    }
    out.push(d);
    done.add(d.name);
    const released = waiting.get(d.name) ?? [];
    waiting.delete(d.name);
    for (const w of released) place(w);
  };
  for (const d of drafts) place(d);
  // A cycle (the graph reports it) leaves drafts waiting: they keep their order, at the end.
  for (const d of drafts) if (!done.has(d.name)) out.push(d);
  return out;
}

/** The PRIMARY KEY a table is created with (informational on Redshift): a dimension's key. */
export function primaryKeyOf(n: Pick<ManifestNode, 'kind' | 'role' | 'key'>): readonly string[] | null {
  return n.kind === 'table' && n.role === 'dimension' ? n.key : null;
}

export function ddlOf(n: Omit<ManifestNode, 'fingerprint' | 'ddl'>, target: TargetName): string[] {
  const d = dialectOf(target);
  const physical = d.capabilities.distribution ? n.physical : null;
  if (n.kind === 'table' && n.streamSource && target === 'redshift') return redshiftStreamingDdl({ ...n, streamSource: n.streamSource } as ManifestNode & { streamSource: typeof n.streamSource });
  if (n.kind === 'table' && n.dimensionSource && target === 'redshift') return redshiftFederatedDdl({ ...n, dimensionSource: n.dimensionSource } as ManifestNode & { dimensionSource: typeof n.dimensionSource });
  if (n.kind === 'table') return [d.createTable(n.name, n.columns, physical, primaryKeyOf(n))];
  if (n.kind === 'view') return [d.createView(n.name, n.sql!)];
  if (d.capabilities.materializedViews) {
    if (!d.createMaterializedView) throw new DialectError(`the ${d.name} dialect declares materialized views but cannot create one`);
    return [d.createMaterializedView(n.name, n.sql!, physical)];
  }
  if (!d.createMvStorage) throw new DialectError(`the ${d.name} dialect has no materialized views and no table to store MV ${n.name} in`, { hint: 'compile for redshift or postgres' });
  return d.createMvStorage(n.name, n.columns, d.capabilities.indexes ? n.key : null);
}
