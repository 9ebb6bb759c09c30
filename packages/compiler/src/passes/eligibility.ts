import { analyzeMv, initAnalyzer, SqlParseError, type Verdict } from '../analyzer/index.ts';
import type { Diagnostic } from '../errors.ts';
import { diag, type ModelGraph } from '../graph.ts';
import type { Manifest } from '../manifest.ts';

/**
 * Redshift incremental-refresh eligibility of every MV the compiler emits, DSL or raw SQL, in
 * dependency order so that an MV built on one that recomputes fully is flagged too (chain rule).
 * `full` is a warning, or an error when the project requires incremental refresh; `invalid`
 * (CREATE would fail) is always an error.
 */
export async function eligibilityPass(graph: ModelGraph, manifest: Manifest, options: { requireIncremental: boolean }): Promise<Diagnostic[]> {
  await initAnalyzer();
  const out: Diagnostic[] = [];
  const knownMvs: Record<string, Verdict> = {};
  const views = manifest.nodes.filter((n) => n.kind === 'view').map((n) => n.name);
  for (const node of manifest.nodes) {
    if (node.kind !== 'mv') continue;
    const model = graph.models.get(node.model);
    if (!model) continue;
    const ddl = node.ddl[0]!;
    try {
      const result = analyzeMv(ddl, { knownMvs, views });
      knownMvs[node.name] = result.verdict;
      for (const r of result.reasons) {
        const severity = r.severity === 'invalid' || options.requireIncremental ? 'error' : 'warning';
        const sqlLine = ddl.split('\n')[r.line - 1]?.trim() ?? '';
        out.push(diag(model, r.code,
          `${r.message} (at line ${r.line}:${r.column} of its DDL: ${sqlLine})`,
          r.hint, severity));
      }
    } catch (e) {
      if (!(e instanceof SqlParseError)) throw e;
      knownMvs[node.name] = 'invalid';
      out.push(diag(model, 'sql-syntax', `the MV's SQL does not parse at line ${e.line}:${e.column}: ${e.message}`, 'fix the SQL of this model'));
    }
  }
  return out;
}
