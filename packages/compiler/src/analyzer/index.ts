/**
 * Redshift incremental-refresh eligibility of a materialized view, read with the real Postgres
 * parser behind a small Redshift front end. Every rule cites its source in the Amazon Redshift
 * Database Developer Guide:
 * - [RF] Refreshing a materialized view: https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-refresh.html
 * - [RMV] REFRESH MATERIALIZED VIEW: https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-refresh-sql-command.html
 * - [CMV] CREATE MATERIALIZED VIEW: https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-create-sql-command.html
 * - [ICE] Iceberg MVs: https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-iceberg.html
 */
import { lineColumn } from './offset-map.ts';
import { loadParser, parseSelect } from './pg-parser.ts';
import { checkQuery, type RelationLookups } from './query-checker.ts';
import { REASON_RULES } from './reasons.ts';
import { readRedshift } from './redshift-front-end.ts';
import type { AnalysisResult, AnalyzeOptions, AnalyzerReason, Verdict } from './types.ts';

export type { AnalysisResult, AnalyzeOptions, AnalyzerReason, ExternalSource, MvHeader, Verdict } from './types.ts';
export type { ReasonCode } from './reasons.ts';
export { REASON_RULES } from './reasons.ts';
export type { RelationLookups } from './query-checker.ts';
export type { RelationLookup, RelationName } from './relation-name.ts';
export { SqlParseError } from './sql-parse-error.ts';
export { emptyCatalog, readCatalog, type StatementCatalog } from './catalog-statements.ts';
export { sqlStatements, statementText, type SqlStatement } from './statements.ts';

/** Loads the WebAssembly parser; analyzeMv is synchronous afterwards. Safe to call repeatedly. */
export async function initAnalyzer(): Promise<void> {
  await loadParser();
}

/**
 * Analyzes `CREATE MATERIALIZED VIEW ... AS query` or a bare query. Every reason is reported,
 * each at the construct that causes it. Throws SqlParseError for text that does not parse.
 */
export function analyzeMv(sql: string, options: AnalyzeOptions = {}): AnalysisResult {
  return analyzeMvWith(sql, options);
}

/**
 * analyzeMv, with the known MVs and views read from tables the caller keeps (`lookups`, which
 * replace options.knownMvs and options.views): the eligibility pass does not build them per MV.
 */
export function analyzeMvWith(sql: string, options: AnalyzeOptions, lookups?: RelationLookups): AnalysisResult {
  const front = readRedshift(sql);
  const stmt = parseSelect(sql, front.query, front.tokens);
  const { found, relations } = checkQuery(stmt, {
    tokens: front.tokens,
    queryStart: front.query.toOriginal(0),
    marks: front.marks,
    header: front.header,
    clauses: front.clauses,
    options,
    lookups,
    toOriginal: (location) => front.query.byteToOriginal(location),
  });
  const reasons: AnalyzerReason[] = found.map((r) => {
    const rule = REASON_RULES[r.code];
    return { code: r.code, message: r.message, ...lineColumn(sql, r.offset), hint: r.hint ?? rule.hint, severity: rule.severity };
  });
  return { verdict: verdictOf(reasons), reasons, header: front.header, relations };
}

function verdictOf(reasons: readonly AnalyzerReason[]): Verdict {
  if (reasons.some((r) => r.severity === 'invalid')) return 'invalid';
  if (reasons.some((r) => r.severity === 'full')) return 'full';
  if (reasons.some((r) => r.severity === 'uncertain')) return 'uncertain';
  return 'incremental';
}
