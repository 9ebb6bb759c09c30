import { analysisKey, openAnalysisCache, type AnalysisCache } from '../analysis-cache.ts';
import { analyzeInWorker } from '../analyzer-pool.ts';
import { analyzeMvWith, initAnalyzer, SqlParseError, type AnalysisResult, type AnalyzeOptions, type Verdict } from '../analyzer/index.ts';
import type { Diagnostic } from '../errors.ts';
import { diag, type ModelGraph } from '../graph.ts';
import type { Manifest, ManifestNode } from '../manifest.ts';
import { mentionedNames, RelationIndex } from './relation-index.ts';

/** One MV's analysis: its result, or the parse error of its DDL (then its verdict is `invalid`). */
export type MvAnalysis = { readonly node: ManifestNode; readonly result: AnalysisResult; readonly error?: undefined } | { readonly node: ManifestNode; readonly result?: undefined; readonly error: SqlParseError };

/**
 * The Redshift analysis of the manifest's MVs (those `include` keeps), in dependency order so
 * that an MV built on one that recomputes fully inherits it (chain rule). The analyzer looks
 * the MVs analyzed so far and the views up in indexes by relation name, and is given the column
 * types of only the relations its DDL can name, which keeps the whole linear in the project.
 * The analyzer must be initialized, unless every analysis is found in `cache` or `given`.
 *
 * With a cache (analysis-cache.ts), an MV whose key is there is not analyzed again, and the
 * analyses made are added to it. The key is the DDL and, for every relation of the manifest
 * whose name the DDL can mention (the names its column types are picked from; the analyzer
 * looks up no other), its key, kind, columns with their types, and its verdict when it is an MV
 * analyzed before this one. An MV whose DDL may name any relation (mentionedNames is null) is
 * always analyzed. `given` holds analyses made elsewhere (the worker thread): they are taken as
 * they are and only added to the cache.
 */
export function analyzeManifestMvs(
  manifest: Manifest,
  include: (node: ManifestNode) => boolean = () => true,
  options: { readonly cache?: AnalysisCache; readonly given?: ReadonlyMap<ManifestNode, MvAnalysis> } = {},
): MvAnalysis[] {
  const { cache, given } = options;
  const knownMvs = new RelationIndex<Verdict>();
  const views = new RelationIndex<true>();
  for (const n of manifest.nodes) if (n.kind === 'view') views.set(n.name, true);
  // The project's tables and MVs with their column types: DATE_PART/EXTRACT on a timestamp column
  // is told apart. Each node's record is built when an MV first names it.
  const columnTypes = new RelationIndex<ManifestNode>();
  for (const n of manifest.nodes) columnTypes.set(n.name, n);
  const typesOf = new Map<ManifestNode, Record<string, string>>();
  const typesOfNode = (n: ManifestNode): Record<string, string> => {
    let types = typesOf.get(n);
    if (!types) typesOf.set(n, (types = Object.fromEntries(n.columns.map((c) => [c.name, c.type]))));
    return types;
  };
  const isRelationName = (w: string): boolean => columnTypes.hasName(w);
  const lookups = { knownMvs, views };
  const signatures = new Map<ManifestNode, string>();
  const signatureOf = (n: ManifestNode): string => {
    let sig = signatures.get(n);
    if (sig === undefined) signatures.set(n, (sig = JSON.stringify(n.columns.map((c) => [c.name, c.type]))));
    return sig;
  };
  const keyOf = (ddl: string): string | undefined => {
    const names = mentionedNames(ddl, isRelationName);
    if (!names) return undefined;
    let context = '';
    for (const [key, n] of columnTypes.pick(names)) context += `${key}\u0001${n.kind}\u0001${knownMvs.at(key) ?? ''}\u0001${signatureOf(n)}\u0002`;
    return analysisKey(ddl, context);
  };
  const out: MvAnalysis[] = [];
  for (const node of manifest.nodes) {
    if (node.kind !== 'mv' || !include(node)) continue;
    const ddl = node.ddl[0]!;
    const key = cache ? keyOf(ddl) : undefined;
    const made = given?.get(node);
    const kept = made ? undefined : key !== undefined ? cache!.get(key) : undefined;
    if (made || kept) {
      const analysis: MvAnalysis = made ?? { node, result: kept! };
      if (analysis.result && key !== undefined && made) cache!.set(key, analysis.result);
      knownMvs.set(node.name, analysis.result ? analysis.result.verdict : 'invalid');
      out.push(analysis);
      continue;
    }
    try {
      // The known MVs and the views are read from their indexes. The column types are read only
      // for DATE_PART/EXTRACT on a column: they are picked then, for the names the DDL can mention
      // (only words that name a relation of the manifest are looked up; every key of the
      // indexes is one).
      let types: Record<string, Record<string, string>> | undefined;
      const options: AnalyzeOptions = {
        get columnTypes() {
          return (types ??= Object.fromEntries(columnTypes.pick(mentionedNames(ddl, isRelationName)).map(([name, n]) => [name, typesOfNode(n)])));
        },
      };
      const result = analyzeMvWith(ddl, options, lookups);
      if (key !== undefined) cache!.set(key, result);
      knownMvs.set(node.name, result.verdict);
      out.push({ node, result });
    } catch (e) {
      if (!(e instanceof SqlParseError)) throw e;
      knownMvs.set(node.name, 'invalid');
      out.push({ node, error: e });
    }
  }
  return out;
}

/**
 * Redshift incremental-refresh eligibility of every MV the compiler emits, DSL or raw SQL, in
 * dependency order so that an MV built on one that recomputes fully is flagged too (chain rule).
 * `full` is a warning, or an error when the project requires incremental refresh; `invalid`
 * (CREATE would fail) is always an error.
 */
export async function eligibilityPass(graph: ModelGraph, manifest: Manifest, options: { requireIncremental: boolean; projectDir?: string }): Promise<Diagnostic[]> {
  const include = (n: ManifestNode) => graph.models.has(n.model);
  // The analyses kept from the last compile (analysis-cache.ts): with them, the MVs are analyzed
  // in this thread, only those whose inputs changed.
  const cache = options.projectDir === undefined ? undefined : openAnalysisCache(options.projectDir);
  let analyses: MvAnalysis[] | undefined;
  if (!cache || cache.empty) {
    // A large project's MVs are analyzed by a worker thread started while its files loaded.
    analyses = await analyzeInWorker(manifest, include, analyzeManifestMvs);
    if (analyses && cache) analyzeManifestMvs(manifest, include, { cache, given: new Map(analyses.map((a) => [a.node, a])) });
  }
  if (!analyses) {
    await initAnalyzer();
    analyses = analyzeManifestMvs(manifest, include, { cache });
  }
  cache?.save();
  const out: Diagnostic[] = [];
  const incremental = new Set<string>();
  for (const { node, result, error } of analyses) {
    const model = graph.models.get(node.model)!;
    if (error) {
      out.push(diag(model, 'sql-syntax', `the MV's SQL does not parse at line ${error.line}:${error.column}: ${error.message}`, 'fix the SQL of this model'));
      continue;
    }
    if (result.verdict === 'incremental') incremental.add(node.name);
    const ddl = node.ddl[0]!;
    for (const r of result.reasons) {
      const severity = r.severity === 'invalid' || options.requireIncremental ? 'error' : 'warning';
      const sqlLine = ddl.split('\n')[r.line - 1]?.trim() ?? '';
      out.push(diag(model, r.code,
        `${r.message} (at line ${r.line}:${r.column} of its DDL: ${sqlLine})`,
        r.hint, severity));
    }
  }
  // An MV Redshift refreshes incrementally but the local engine recomputes: said once, here;
  // one that Redshift recomputes too was reported above.
  return [...out, ...localMaintenancePass(graph, { ...manifest, nodes: manifest.nodes.filter((n) => incremental.has(n.name)) })];
}

/**
 * MVs the local engine (PGlite, Postgres) cannot maintain incrementally and recomputes in full on
 * every refresh: a SQL model whose select does not fit the tree (HAVING, DISTINCT, outer joins,
 * ...), or a COUNT(DISTINCT). A warning with the reason, so that it is never silent. Run on the
 * MVs the eligibility pass finds incremental on Redshift.
 */
export function localMaintenancePass(graph: ModelGraph, manifest: Manifest): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const node of manifest.nodes) {
    if (node.kind !== 'mv' || !node.select) continue;
    const model = graph.models.get(node.model);
    if (!model) continue;
    const why = node.select.kind === 'opaque'
      ? node.select.reason
      : node.select.outputs.filter((o) => o.kind === 'aggregate' && o.fn === 'countDistinct').map((o) => `${o.name} is COUNT(DISTINCT ...)`).join('; ');
    if (!why) continue;
    out.push(diag(model, 'local-full-recompute', `the local engine recomputes this MV in full on every refresh: ${why}`,
      node.select.kind === 'opaque'
        ? 'to keep it incremental, select the shape the engine maintains (one SELECT, inner joins, WHERE, GROUP BY with COUNT/SUM/MIN/MAX) and put the rest (HAVING, DISTINCT, ...) in a view on top'
        : 'a distinct count is recomputed; count per finer group and roll up, or accept the full recompute', 'warning'));
  }
  return out;
}
