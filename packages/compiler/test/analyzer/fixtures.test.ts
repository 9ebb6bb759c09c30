import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeMv, initAnalyzer, REASON_RULES, SqlParseError, type AnalysisResult, type AnalyzerReason } from '../../src/analyzer/index.ts';
import { fixtureNames, readFixture } from './fixture-corpus.ts';

beforeAll(initAnalyzer);

/**
 * What the original text must look like where a reason points, per code: a reason placed on
 * the wrong token (a neighbour, the start of the statement, a rewritten offset) fails here.
 */
const CONSTRUCT_AT: Record<string, RegExp | 'relation'> = {
  'outer-join': /^(LEFT|RIGHT|FULL)\s+(OUTER\s+)?JOIN\b/i,
  'set-operation': /^(UNION|INTERSECT|EXCEPT|MINUS)\b/i,
  'union-all-in-subquery': /^UNION\s+ALL\b/i,
  'union-all-with-aggregate': /^UNION\s+ALL\b/i,
  'union-all-with-sortkey': /^UNION\s+ALL\b/i,
  'non-incremental-aggregate': /^(MEDIAN|PERCENTILE_CONT|PERCENTILE_DISC|LISTAGG|STDDEV_SAMP|STDDEV_POP|BIT_AND|BIT_OR|BOOL_AND|BOOL_OR)\(/i,
  'approximate-aggregate': /^APPROXIMATE\s+(COUNT|PERCENTILE_DISC)\(/i,
  'distinct-aggregate': /^\w+\(DISTINCT\b/i,
  'select-distinct': /^DISTINCT\b/i,
  'window-function': /^\w+\([^()]*\)\s+OVER\s*\(/i,
  qualify: /^QUALIFY\b/i,
  subquery: /^(\(\s*SELECT\b|\w+ AS \(SELECT\b)/i,
  'mutable-function': /^(GETDATE\(\)|SYSDATE\b|CURRENT_DATE\b|CURRENT_TIMESTAMP\b|NOW\(\)|RANDOM\(\)|TIMEOFDAY\(\))/i,
  'leader-node-function': /^(CURRENT_SCHEMAS?\b|HAS_\w+_PRIVILEGE\()/i,
  'order-by': /^ORDER\s+BY\b/i,
  limit: /^(LIMIT|TOP|FETCH)\b/i,
  offset: /^OFFSET\b/i,
  'auto-refresh-nested': /^AUTO\s+REFRESH\s+YES\b/i,
  'auto-refresh-mutable': /^AUTO\s+REFRESH\s+YES\b/i,
  'cross-database-table': 'relation',
  'chain-on-full-mv': 'relation',
  'chain-on-invalid-mv': 'relation',
  'system-table': 'relation',
  'temporary-table': 'relation',
  'view-input': 'relation',
  'late-binding-view': 'relation',
  'if-not-exists': /^IF\s+NOT\s+EXISTS\b/i,
  'column-list': /^\(/,
  'iceberg-clause': /^(BACKUP|DISTSTYLE|DISTKEY|SORTKEY|COMPOUND|AUTO)\b/i,
  'iceberg-aggregate': /^(AVG|MIN|MAX)\(/i,
  'auto-refresh-external': /^AUTO\s+REFRESH\s+YES\b/i,
  'date-time-ambiguous': /^(DATEADD|DATEDIFF|EXTRACT|CONVERT_TIMEZONE|DATE_?PART)\s*\(/i,
  'union-all-ambiguous': /^UNION\s+ALL\b/i,
};

/** The original text from a reason's line:column on (columns count code points). */
function textAt(sql: string, r: AnalyzerReason): string {
  const lines = sql.split('\n');
  return [[...(lines[r.line - 1] ?? '')].slice(r.column - 1).join(''), ...lines.slice(r.line)].join('\n');
}

function expectPointsAtConstruct(sql: string, result: AnalysisResult, r: AnalyzerReason): void {
  const at = textAt(sql, r);
  const shape = CONSTRUCT_AT[r.code];
  if (shape === 'relation') {
    const written = /^[#"\w.]+/.exec(at)?.[0].replace(/"/g, '').toLowerCase();
    expect(result.relations, `${r.code} at ${r.line}:${r.column} ("${at}")`).toContain(written);
  } else {
    expect(at.slice(0, 80), `${r.code} at ${r.line}:${r.column}`).toMatch(shape!);
  }
}

const names = fixtureNames();

describe('fixture corpus', () => {
  it('has at least 45 MV definitions', () => {
    expect(names.length).toBeGreaterThanOrEqual(45);
  });

  it('exercises every reason code', () => {
    const expected = new Set(names.flatMap((n) => {
      const e = readFixture(n).expect;
      return e.kind === 'verdict' ? e.codes : [];
    }));
    expect([...expected].sort()).toEqual(Object.keys(REASON_RULES).sort());
    expect(Object.keys(CONSTRUCT_AT).sort()).toEqual(Object.keys(REASON_RULES).sort());
  });

  it.each(names)('%s', (name) => {
    const { sql, expect: expectation, options } = readFixture(name);
    if (expectation.kind === 'parse-error') {
      let error: unknown;
      try {
        analyzeMv(sql, options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SqlParseError);
      const { line, column } = error as SqlParseError;
      expect({ line, column }).toEqual({ line: expectation.line, column: expectation.column });
      return;
    }
    const result = analyzeMv(sql, options);
    expect(result.verdict).toBe(expectation.verdict);
    expect([...new Set(result.reasons.map((r) => r.code))].sort()).toEqual([...expectation.codes].sort());
    for (const r of result.reasons) {
      expect(r.severity).toBe(REASON_RULES[r.code as keyof typeof REASON_RULES].severity);
      expect(r.hint.length).toBeGreaterThan(10);
      expectPointsAtConstruct(sql, result, r);
    }
  });
});
