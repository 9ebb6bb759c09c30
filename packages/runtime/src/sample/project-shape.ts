import type { ExprNode, Manifest, ManifestColumn, Model } from '@mvkit/compiler';

/** What the generator needs to know of a project, read from its manifest and models. */
export interface ShapeDimension {
  readonly name: string;
  readonly columns: readonly ManifestColumn[];
  readonly key: readonly string[];
  /** Null for a global dimension: its rows are shared by every tenant. */
  readonly tenant: string | null;
}

/** A stream column pair that an enrichment joins to a dimension: its values come from that dimension's rows. */
export interface ShapeReference {
  readonly dimension: string;
  /** [dimension column, stream column] pairs of the join. */
  readonly pairs: readonly (readonly [string, string])[];
}

export interface ShapeStream {
  readonly name: string;
  readonly columns: readonly ManifestColumn[];
  readonly key: readonly string[];
  readonly tenant: string;
  readonly eventTime: string;
  readonly references: readonly ShapeReference[];
}

/** A stream alone, or the member streams of a stream join, whose events share keys. */
export interface ShapeSource {
  readonly name: string;
  readonly members: readonly ShapeStream[];
  /** The columns the members share their values on (the join key); the stream's own key when alone. */
  readonly key: readonly string[];
}

export interface ProjectShape {
  readonly dimensions: readonly ShapeDimension[];
  readonly sources: readonly ShapeSource[];
  /** Text literals the models compare a column with (`status = 'sent'`): values worth generating. */
  readonly literals: ReadonlyMap<string, readonly string[]>;
}

type Origin = { readonly stream: string; readonly column: string };

/** The stream columns an input column of a model comes from unchanged (a stream join's key, a pivot's MIN/MAX of a column). */
function origins(m: Model, column: string): Origin[] {
  switch (m.kind) {
    case 'stream':
      return column in m.columns ? [{ stream: m.name, column }] : [];
    case 'streamJoin': {
      if (m.key.includes(column)) return Object.values(m.streams).map((s) => ({ stream: s.name, column }));
      const p = m.pivot.find((x) => x.name === column);
      const s = p ? m.streams[p.stream] : undefined;
      return p && s && p.fn !== 'sum' && p.arg?.kind === 'column' ? [{ stream: s.name, column: p.arg.name }] : [];
    }
    case 'enrichment':
      return m.joins.some((j) => j.columns.includes(column)) || m.derive.some((d) => d.name === column) ? [] : origins(m.from, column);
    default:
      return [];
  }
}

function collectLiterals(node: ExprNode | null | undefined, out: Map<string, Set<string>>): void {
  if (!node) return;
  const add = (col: ExprNode, lit: ExprNode) => {
    if (col.kind === 'column' && lit.kind === 'literal' && typeof lit.value === 'string') {
      const s = out.get(col.name) ?? new Set<string>();
      s.add(lit.value);
      out.set(col.name, s);
    }
  };
  switch (node.kind) {
    case 'binary':
      add(node.left, node.right);
      add(node.right, node.left);
      collectLiterals(node.left, out);
      collectLiterals(node.right, out);
      return;
    case 'in':
      for (const v of node.values) add(node.arg, v);
      return;
    case 'not': case 'isNull': case 'dateTrunc': case 'cast':
      collectLiterals(node.arg, out);
      return;
    case 'case':
      for (const [w, t] of node.whens) { collectLiterals(w, out); collectLiterals(t, out); }
      collectLiterals(node.otherwise, out);
      return;
    case 'call':
      for (const a of node.args) collectLiterals(a, out);
      return;
    default:
  }
}

function modelExprs(m: Model): (ExprNode | null)[] {
  switch (m.kind) {
    case 'streamJoin': return m.pivot.flatMap((p) => [p.arg, p.filter]);
    case 'enrichment': return [m.where, ...m.derive.map((d) => d.expr)];
    case 'aggregate': return [m.where, ...m.measures.flatMap((x) => [x.arg, x.filter])];
    case 'view': return [m.where, ...m.select.map((s) => s.expr)];
    default: return [];
  }
}

/**
 * The project as the generator sees it: dimensions and streams with their column types from the manifest
 * (what the loader checks), and from the models which stream columns enrichments join to which dimension
 * keys and which streams a stream join pairs.
 */
export function projectShape(manifest: Manifest, models: Iterable<Model>): ProjectShape {
  const all = [...models];
  const references = new Map<string, ShapeReference[]>();
  const literals = new Map<string, Set<string>>();
  for (const m of all) {
    for (const e of modelExprs(m)) collectLiterals(e, literals);
    if (m.kind !== 'enrichment') continue;
    for (const j of m.joins) {
      const byStream = new Map<string, [string, string][]>();
      for (const [dimCol, inputCol] of j.on) {
        for (const o of origins(m.from, inputCol)) byStream.set(o.stream, [...(byStream.get(o.stream) ?? []), [dimCol, o.column]]);
      }
      for (const [stream, pairs] of byStream) {
        const refs = references.get(stream) ?? [];
        const same = (r: ShapeReference) => r.dimension === j.dimension.name && JSON.stringify(r.pairs) === JSON.stringify(pairs);
        if (!refs.some(same)) references.set(stream, [...refs, { dimension: j.dimension.name, pairs }]);
      }
    }
  }
  const dimensions: ShapeDimension[] = manifest.nodes
    .filter((n) => n.role === 'dimension' && n.key)
    // A dimension that keeps deleted rows (onDelete) has its marker set by the loader, never by a record.
    .map((n) => ({ name: n.name, columns: n.columns.filter((c) => c.name !== n.softDelete), key: n.key!, tenant: n.tenant }));
  const streamOf = (name: string): ShapeStream => {
    const s = manifest.streams.find((x) => x.name === name)!;
    return { name: s.name, columns: s.columns, key: s.key, tenant: s.tenant, eventTime: s.eventTime, references: references.get(s.name) ?? [] };
  };
  const sources: ShapeSource[] = [];
  const joined = new Set<string>();
  for (const m of all) {
    if (m.kind !== 'streamJoin') continue;
    const members = Object.values(m.streams).map((s) => s.name).filter((n) => manifest.streams.some((x) => x.name === n));
    members.forEach((n) => joined.add(n));
    sources.push({ name: m.name, members: members.map(streamOf), key: m.key });
  }
  for (const s of manifest.streams) if (!joined.has(s.name)) sources.push({ name: s.name, members: [streamOf(s.name)], key: s.key });
  sources.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { dimensions, sources, literals: new Map([...literals].map(([k, v]) => [k, [...v].sort()])) };
}
