import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import type { Model, StreamModel } from './dsl/model.ts';
import { dialects, type TargetName } from './emit/dialect.ts';
import { physicalOf } from './emit/physical.ts';
import { postgresCreateMvTable, postgresCreateTable, postgresCreateView } from './emit/postgres.ts';
import { redshiftCreateMv, redshiftCreateTable, redshiftCreateView } from './emit/redshift.ts';
import { compileSelect, relationOf } from './emit/select.ts';
import { isJoinedStream, type ModelGraph } from './graph.ts';
import type { Manifest, ManifestColumn, ManifestNode, ManifestStream } from './manifest.ts';

export interface CompileOptions {
  readonly target: TargetName;
  readonly projectName: string;
  /** Source paths in the manifest are written relative to this directory. */
  readonly projectDir: string;
}

type Draft = Omit<ManifestNode, 'fingerprint' | 'ddl'>;

const optionalTime = (m: StreamModel) => (m.eventTimeOptional ? { eventTimeOptional: true as const } : {});

/**
 * Graph → manifest: one physical node per table, MV and view, in topological order. A SQL MV's
 * select parts are read with the SQL parser, which must be loaded first (`await initAnalyzer()`,
 * as compileProject does); without it they are null and the engine recomputes the MV in full.
 * The fingerprint is of the SQL text, not of the parts.
 */
export function compileManifest(graph: ModelGraph, options: CompileOptions): Manifest {
  const d = dialects[options.target];
  const drafts: Draft[] = [];
  const streams: ManifestStream[] = [];
  const rel = (m: Model) => ({ file: relative(options.projectDir, m.loc.file) || m.loc.file, line: m.loc.line });
  const depsOf = (m: Model) => (graph.deps.get(m.name) ?? []).map((n) => relationOf(graph, n)).filter((n, i, a) => a.indexOf(n) === i);

  for (const name of graph.order) {
    const m = graph.models.get(name)!;
    switch (m.kind) {
      case 'stream': {
        const columns = cols(m.columns, m.key);
        const join = graph.landedIn.get(m.name);
        const jm = join ? graph.models.get(join) : undefined;
        if (jm?.kind === 'streamJoin') {
          streams.push({ name: m.name, table: jm.landing, discriminator: { column: jm.discriminator, value: m.name }, columns, key: m.key, tenant: m.tenant, eventTime: m.eventTime, ...optionalTime(m) });
          break;
        }
        streams.push({ name: m.name, table: m.name, discriminator: null, columns, key: m.key, tenant: m.tenant, eventTime: m.eventTime, ...optionalTime(m) });
        drafts.push({ name: m.name, kind: 'table', role: 'stream', model: m.name, ...rel(m), columns, dependsOn: [], key: m.key, tenant: m.tenant, eventTime: m.eventTime, appendOnly: true, physical: physicalOf(m, graph), sql: null, select: null });
        break;
      }
      case 'dimension':
        drafts.push({ name: m.name, kind: 'table', role: 'dimension', model: m.name, ...rel(m), columns: cols(m.columns, m.key), dependsOn: [], key: m.key, tenant: m.tenant, eventTime: null, appendOnly: false, physical: physicalOf(m, graph), sql: null, select: null });
        break;
      case 'streamJoin': {
        const columns: ManifestColumn[] = m.key.map((k) => ({ name: k, type: Object.values(m.streams)[0]!.columns[k]?.sql ?? 'VARCHAR(256)', nullable: false }));
        columns.push({ name: m.discriminator, type: 'VARCHAR(64)', nullable: false });
        for (const s of Object.values(m.streams)) {
          for (const [c, t] of Object.entries(s.columns)) if (!columns.some((x) => x.name === c)) columns.push({ name: c, type: t.sql, nullable: true });
        }
        const first = Object.values(m.streams)[0];
        drafts.push({ name: m.landing, kind: 'table', role: 'landing', model: m.name, ...rel(m), columns, dependsOn: [], key: null, tenant: m.tenant, eventTime: first?.eventTime ?? null, appendOnly: true, physical: physicalOf(m, graph, true), sql: null, select: null });
        const select = compileSelect(m, graph, d)!;
        drafts.push({ name: m.name, kind: 'mv', role: 'streamJoin', model: m.name, ...rel(m), columns: cols(m.columns, []), dependsOn: [m.landing], key: m.key, tenant: m.tenant, eventTime: null, appendOnly: false, physical: physicalOf(m, graph), sql: select.sql, select: select.parts });
        break;
      }
      default: {
        if (isJoinedStream(graph, m)) break;
        const select = compileSelect(m, graph, d)!;
        const key = keyOf(m);
        const isView = m.kind === 'view' || (m.kind === 'sql' && m.materialized === 'view');
        drafts.push({
          name: m.name, kind: isView ? 'view' : 'mv', role: m.kind, model: m.name, ...rel(m), columns: cols(m.columns, []), dependsOn: depsOf(m), key,
          tenant: 'tenant' in m ? (m.tenant as string | null) : null, eventTime: null, appendOnly: false, physical: physicalOf(m, graph), sql: select.sql, select: select.parts,
        });
      }
    }
  }
  const fingerprints = new Map<string, string>();
  const nodes = drafts.map((n): ManifestNode => {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify({ kind: n.kind, role: n.role, columns: n.columns, sql: n.sql, key: n.key, appendOnly: n.appendOnly, parents: n.dependsOn.map((p) => fingerprints.get(p) ?? p) }))
      .digest('hex').slice(0, 16);
    fingerprints.set(n.name, fingerprint);
    return { ...n, fingerprint, ddl: ddlOf(n, options.target) };
  });
  return { version: 1, project: options.projectName, target: options.target, nodes, streams };
}

/** The unique key of a node's rows: a table's key, an aggregate's groups, an enrichment's input key. */
function keyOf(m: Model): readonly string[] | null {
  switch (m.kind) {
    case 'streamJoin': case 'dimension': return m.key;
    case 'aggregate': case 'rollup': return [...m.groupBy, ...(m.bucket ? [m.bucket.name] : [])];
    case 'enrichment': return keyOf(m.from);
    default: return null;
  }
}

function cols(columns: Model['columns'], notNull: readonly string[]): ManifestColumn[] {
  return Object.entries(columns).map(([name, c]) => ({ name, type: c?.sql ?? 'VARCHAR(256)', nullable: !notNull.includes(name) }));
}

export function ddlOf(n: Omit<ManifestNode, 'fingerprint' | 'ddl'>, target: TargetName): string[] {
  const pk = n.role === 'dimension' ? n.key : null;
  if (target === 'redshift') {
    if (n.kind === 'table') return [redshiftCreateTable(n.name, n.columns, n.physical, pk)];
    if (n.kind === 'mv') return [redshiftCreateMv(n.name, n.sql!, n.physical)];
    return [redshiftCreateView(n.name, n.sql!)];
  }
  if (n.kind === 'table') return [postgresCreateTable(n.name, n.columns, pk)];
  if (n.kind === 'mv') return postgresCreateMvTable(n.name, n.columns, n.key);
  return [postgresCreateView(n.name, n.sql!)];
}
