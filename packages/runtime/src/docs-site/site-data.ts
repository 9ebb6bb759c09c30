import {
  analyzeManifestMvs, columnRefs, compileAssertions, postgresDialect, relationsOf, renderOutput, scopeOf,
  type CompileResult, type Manifest, type ManifestNode, type OutputNode, type Project, type SelectNode, type Verdict,
} from '@mvkit/compiler';
import { planNode } from '../ivm/node-plan.ts';
import type { AssertionResult } from '../assertions/assertion-results.ts';
import type { StatusReport } from '../status/status.ts';

/** Where a column's values come from: an input node's column (column-level lineage). */
export interface ColumnSource {
  readonly node: string;
  readonly column: string;
}

export interface ColumnDoc {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  /** From a comment next to the column's declaration in the model file, when there is one. */
  readonly description: string | null;
  /** The expression that computes it, in Postgres SQL (derived and aggregated columns), or null for a plain carry or a table column. */
  readonly definition: string | null;
  readonly sources: readonly ColumnSource[];
}

export interface EligibilityDoc {
  readonly verdict: Verdict;
  readonly reasons: readonly { readonly code: string; readonly message: string; readonly hint: string | null }[];
}

export interface AssertionDoc {
  readonly id: string;
  readonly kind: string;
  readonly level: 'error' | 'warn';
  readonly description: string;
  readonly sql: string;
  readonly last: { readonly status: 'pass' | 'fail'; readonly failingRows: number; readonly at: string; readonly command: string } | null;
}

export interface NodeDoc {
  readonly name: string;
  readonly kind: ManifestNode['kind'];
  readonly role: ManifestNode['role'];
  readonly model: string;
  readonly file: string;
  readonly line: number;
  readonly description: string | null;
  readonly columns: readonly ColumnDoc[];
  readonly dependsOn: readonly string[];
  readonly usedBy: readonly string[];
  readonly key: readonly string[] | null;
  readonly tenant: string | null;
  readonly eventTime: string | null;
  readonly physical: ManifestNode['physical'];
  /** The statements that create it, per target. */
  readonly sql: { readonly redshift: string; readonly postgres: string };
  /** Redshift incremental-refresh eligibility (MVs only), with the analyzer's reasons and hints. */
  readonly eligibility: EligibilityDoc | null;
  /** How the local engine maintains it (MVs only). */
  readonly local: { readonly mode: 'incremental' | 'full'; readonly reason: string | null } | null;
  /** From the deployed state, when one was read. */
  readonly status: { readonly deployment: string; readonly stale: boolean | null; readonly staleness: string | null; readonly lastRefresh: string | null } | null;
  /** The model's assertions (on the node they read), with the Redshift SQL and the last result when the deployed state was read. */
  readonly assertions: readonly AssertionDoc[];
  /** The compiler's warnings about this node's model. */
  readonly warnings: readonly string[];
}

export interface SiteData {
  readonly project: string;
  readonly generatedAt: string;
  readonly nodes: readonly NodeDoc[];
  /** Newest event per stream, from the deployed state. */
  readonly freshness: readonly { readonly stream: string; readonly newestEvent: string | null }[];
  readonly statusTarget: string | null;
}

/** The comment block (`/** ... *\/` or `//` lines) right above a line, as plain text. */
export function commentAbove(lines: readonly string[], line: number): string | null {
  let i = line - 2;
  while (i >= 0 && lines[i]!.trim() === '') i--;
  if (i < 0) return null;
  const last = lines[i]!.trim();
  if (last.endsWith('*/')) {
    let start = i;
    while (start >= 0 && !lines[start]!.includes('/**') && !lines[start]!.includes('/*')) start--;
    if (start < 0) return null;
    const text = lines.slice(start, i + 1).join('\n').replace(/^\s*\/\*\*?/, '').replace(/\*\/\s*$/, '')
      .split('\n').map((l) => l.replace(/^\s*\*\s?/, '').trim()).filter(Boolean).join(' ');
    return text || null;
  }
  if (last.startsWith('//')) {
    const out: string[] = [];
    while (i >= 0 && lines[i]!.trim().startsWith('//')) out.unshift(lines[i--]!.trim().replace(/^\/\/\s?/, ''));
    return out.join(' ') || null;
  }
  return null;
}

/**
 * A column's own comment inside its model's declaration: a trailing `// ...` on the line that
 * declares `name:` or a comment right above it. Searched from the declaration's line to the
 * next top-level declaration, so a same-named column of another model is not taken.
 */
function columnComment(lines: readonly string[], fromLine: number, name: string): string | null {
  const decl = new RegExp(`^\\s*['"]?${name.replace(/[$]/g, '\\$')}['"]?\\s*:`);
  for (let i = fromLine; i < lines.length; i++) {
    if (i > fromLine && /^export\s/.test(lines[i]!)) break;
    if (!decl.test(lines[i]!)) continue;
    const trailing = /\/\/\s?(.*)$/.exec(lines[i]!.replace(/(['"]).*?\1/g, ''));
    if (trailing?.[1]?.trim()) return trailing[1].trim();
    return commentAbove(lines, i + 1);
  }
  return null;
}

function outputColumn(s: SelectNode, o: OutputNode): { definition: string | null; sources: ColumnSource[] } {
  const byScope = new Map(relationsOf(s).map((r) => [scopeOf(r), r.name]));
  const exprs = o.kind === 'aggregate' ? [o.arg, o.filter].filter((e) => e !== null) : [o.expr];
  const seen = new Set<string>();
  const sources: ColumnSource[] = [];
  for (const e of exprs) {
    for (const c of columnRefs(e)) {
      const node = (c.rel ? byScope.get(c.rel) : s.from.name) ?? c.rel ?? s.from.name;
      const id = `${node}.${c.name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      sources.push({ node, column: c.name });
    }
  }
  const plainCarry = o.kind === 'projection' && o.expr.kind === 'column' && o.expr.name === o.name;
  return { definition: plainCarry ? null : renderOutput(o, postgresDialect), sources };
}

/** The analyzer's verdict per MV, as `mvkit validate` computes it (the same chain and catalog). */
function eligibilityOf(redshift: Manifest): Map<string, EligibilityDoc> {
  return new Map(analyzeManifestMvs(redshift).map(({ node, result, error }) => [node.name, error
    ? { verdict: 'invalid' as const, reasons: [{ code: 'sql-syntax', message: error.message, hint: null }] }
    : { verdict: result.verdict, reasons: result.reasons.map((x) => ({ code: x.code, message: x.message, hint: x.hint ?? null })) }]));
}

/** A node's statements as one script: each ends with a semicolon once. */
const statements = (ddl: readonly string[]) => ddl.map((s) => (s.trimEnd().endsWith(';') ? s.trimEnd() : `${s.trimEnd()};`)).join('\n\n');

/** How the local engine maintains an MV: its own node plan decides, so the page cannot disagree with a refresh. */
function localMode(manifest: Manifest | null, n: ManifestNode): NodeDoc['local'] {
  if (n.kind !== 'mv' || !manifest) return null;
  const plan = planNode(manifest, n);
  return plan.layout === 'full' ? { mode: 'full', reason: plan.reason } : { mode: 'incremental', reason: null };
}

/**
 * Everything the docs site shows, from the project compiled for both targets (and the deployed
 * state when given). Pure data: the renderer turns it into pages, the CLI writes them. The
 * analyzer must be initialized (compileProject does it).
 */
export function buildSiteData(project: Project, redshift: CompileResult, postgres: CompileResult, sources: ReadonlyMap<string, string>, status: { report: StatusReport; target: string; assertions?: readonly AssertionResult[] } | null, now = new Date()): SiteData {
  const rs = redshift.manifest?.nodes ?? [];
  const pg = new Map((postgres.manifest?.nodes ?? []).map((n) => [n.name, n]));
  const eligibility = redshift.manifest ? eligibilityOf(redshift.manifest) : new Map<string, EligibilityDoc>();
  const statusOf = new Map((status?.report.nodes ?? []).map((s) => [s.node, s]));
  const lines = new Map<string, string[]>();
  const source = (file: string): string[] => {
    if (!lines.has(file)) lines.set(file, sources.get(file)?.split('\n') ?? []);
    return lines.get(file)!;
  };
  const lastResult = new Map((status?.assertions ?? []).map((r) => [r.id, r]));
  const assertionsOf = new Map<string, AssertionDoc[]>();
  for (const a of compileAssertions(redshift.graph, 'redshift')) {
    const r = lastResult.get(a.id);
    const doc: AssertionDoc = { id: a.id, kind: a.kind, level: a.level, description: a.description, sql: a.sql,
      last: r ? { status: r.status, failingRows: r.failingRows, at: r.at, command: r.command } : null };
    assertionsOf.set(a.relation, [...(assertionsOf.get(a.relation) ?? []), doc]);
  }
  const usedBy = new Map<string, string[]>();
  for (const n of rs) for (const d of n.dependsOn) usedBy.set(d, [...(usedBy.get(d) ?? []), n.name]);
  const warnings = new Map<string, string[]>();
  for (const d of [...redshift.diagnostics, ...postgres.diagnostics]) {
    if (!d.model || d.severity !== 'warning') continue;
    const list = warnings.get(d.model) ?? [];
    if (!list.includes(d.message)) list.push(d.message);
    warnings.set(d.model, list);
  }
  const nodes: NodeDoc[] = rs.map((n) => {
    const text = source(n.file);
    const model = redshift.graph.models.get(n.model);
    const select = n.select?.kind === 'select' ? n.select : null;
    const columns: ColumnDoc[] = n.columns.map((c) => {
      const out = select?.outputs.find((o) => o.name === c.name);
      const lineage = select && out ? outputColumn(select, out) : { definition: null, sources: [] };
      return { name: c.name, type: c.type, nullable: c.nullable, description: columnComment(text, n.line - 1, c.name), ...lineage };
    });
    const st = statusOf.get(n.name);
    const p = pg.get(n.name);
    return {
      name: n.name, kind: n.kind, role: n.role, model: n.model, file: n.file, line: n.line,
      description: model?.description ?? commentAbove(text, n.line),
      columns, dependsOn: n.dependsOn, usedBy: usedBy.get(n.name) ?? [],
      key: n.key, tenant: n.tenant, eventTime: n.eventTime, physical: n.physical,
      sql: { redshift: statements(n.ddl), postgres: p ? statements(p.ddl) : '-- not compiled for postgres' },
      eligibility: eligibility.get(n.name) ?? null,
      local: p ? localMode(postgres.manifest, p) : null,
      status: st ? { deployment: st.deployment, stale: st.stale, staleness: st.staleness, lastRefresh: st.lastRefresh ? `${st.lastRefresh.mode} at ${st.lastRefresh.at}` : null } : null,
      assertions: assertionsOf.get(n.name) ?? [],
      warnings: warnings.get(n.model) ?? [],
    };
  });
  return {
    project: project.config.name,
    generatedAt: now.toISOString(),
    nodes,
    freshness: (status?.report.freshness ?? []).map((f) => ({ stream: f.stream, newestEvent: f.newestEvent })),
    statusTarget: status?.target ?? null,
  };
}
