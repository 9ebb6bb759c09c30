import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeMv, initAnalyzer, SqlParseError } from '../../src/analyzer/index.ts';

beforeAll(async () => {
  await initAnalyzer();
  await initAnalyzer(); // idempotent
});

const at = (sql: string, options = {}) =>
  analyzeMv(sql, options).reasons.map((r) => `${r.code}@${r.line}:${r.column}`);

function parseError(sql: string): SqlParseError {
  try {
    analyzeMv(sql);
  } catch (e) {
    if (e instanceof SqlParseError) return e;
    throw e;
  }
  throw new Error('expected a SqlParseError');
}

describe('reason positions, counted by hand', () => {
  it('places each reason on its own construct, across lines', () => {
    const sql = [
      'CREATE MATERIALIZED VIEW m AUTO REFRESH YES AS', // AUTO: 27 chars before it → col 28
      'SELECT t.a, COUNT(DISTINCT t.b) AS n', //           COUNT: "SELECT t.a, " is 12 → col 13
      'FROM s.t t',
      '  LEFT JOIN u ON u.a = t.a', //                     LEFT: col 3
      'WHERE t.ts > GETDATE()', //                          GETDATE: "WHERE t.ts > " is 13 → col 14
      'GROUP BY 1',
    ].join('\n');
    expect(at(sql)).toEqual([
      'auto-refresh-mutable@1:28',
      'distinct-aggregate@2:13',
      'outer-join@4:3',
      'mutable-function@5:14',
    ]);
  });

  it('maps positions back through the Redshift rewrites on the same line', () => {
    // APPROXIMATE is removed, hour becomes 'hour' (+2), SYSDATE becomes sysdate() (+2):
    // reasons after them must still land on the original columns.
    const sql = "SELECT APPROXIMATE COUNT(DISTINCT a), DATE_PART(hour, ts), SYSDATE, GETDATE() FROM t";
    //           1234567^8 = APPROXIMATE at col 8
    //           "SELECT APPROXIMATE COUNT(DISTINCT a), DATE_PART(hour, ts), " is 59 chars → SYSDATE col 60
    //           + "SYSDATE, " (9) → GETDATE col 69
    //           DATE_PART at col 39 (a timestamp argument for all the analyzer knows: uncertain)
    expect(at(sql)).toEqual(['approximate-aggregate@1:8', 'date-time-ambiguous@1:39', 'mutable-function@1:60', 'mutable-function@1:69']);
  });

  it('counts columns in characters, not UTF-8 bytes', () => {
    // The parser reports byte offsets; 'é' is two bytes but one column.
    const sql = "SELECT 'é' AS x, GETDATE() FROM t";
    //           "SELECT 'é' AS x, " is 17 characters → col 18
    expect(at(sql)).toEqual(['mutable-function@1:18']);
  });

  it('places MINUS and QUALIFY, which Postgres never sees', () => {
    const sql = 'SELECT a FROM t\nQUALIFY RANK() OVER (ORDER BY a) = 1\nMINUS SELECT a FROM u';
    expect(at(sql)).toEqual(['qualify@2:1', 'window-function@2:9', 'set-operation@3:1']);
  });

  it('reports syntax errors at the original line and column', () => {
    const e = parseError('CREATE MATERIALIZED VIEW m AS\nSELECT a,\n  FROM t');
    expect(e.message).toMatch(/syntax error at or near "FROM"/);
    expect([e.line, e.column]).toEqual([3, 3]);
    const end = parseError('SELECT a FROM t WHERE -- dangling\n');
    expect([end.line, end.column]).toEqual([1, 22]); // right after WHERE, not after the comment
  });
});

describe('header', () => {
  it('extracts the name and every attribute', () => {
    const result = analyzeMv(
      'CREATE MATERIALIZED VIEW Analytics."Hourly" BACKUP NO DISTSTYLE KEY DISTKEY (tenant_id) ' +
        'COMPOUND SORTKEY (tenant_id, "Hour") AUTO REFRESH YES AS SELECT 1 AS one',
    );
    expect(result.header).toEqual({
      name: 'analytics.Hourly',
      backup: false,
      diststyle: 'KEY',
      distkey: 'tenant_id',
      sortkey: ['tenant_id', 'Hour'],
      autoRefresh: true,
    });
  });

  it('leaves unstated attributes out, and a bare SELECT has no header', () => {
    expect(analyzeMv('CREATE MATERIALIZED VIEW m AS SELECT 1 AS one').header).toEqual({ name: 'm' });
    expect(analyzeMv('SELECT 1 AS one').header).toEqual({});
  });

  it('refuses a clause given twice and an attribute Redshift does not have', () => {
    expect(parseError('CREATE MATERIALIZED VIEW m SORTKEY (a) SORTKEY (b) AS SELECT a FROM t').message).toMatch(/given twice/);
    expect(parseError('CREATE MATERIALIZED VIEW m DISTSTYLE AUTO AS SELECT 1').column).toBe(38);
  });
});

describe('relations and options', () => {
  it('lists every relation read, lower-cased and qualified as written, CTE names excluded', () => {
    const result = analyzeMv(
      'WITH c AS (SELECT a FROM Raw.Events) SELECT * FROM c JOIN "S"."Tenants" t ON true, dims.channels WHERE x IN (SELECT y FROM z)',
    );
    expect(result.relations).toEqual(['raw.events', 's.tenants', 'dims.channels', 'z']);
  });

  it('matches known MVs by qualified name, or by name when either side is unqualified', () => {
    const sql = 'SELECT a FROM analytics.base_mv';
    expect(analyzeMv(sql, { knownMvs: { 'analytics.base_mv': 'full' } }).verdict).toBe('full');
    expect(analyzeMv(sql, { knownMvs: { base_mv: 'full' } }).verdict).toBe('full');
    expect(analyzeMv(sql, { knownMvs: { 'other.base_mv': 'full' } }).verdict).toBe('incremental');
    expect(analyzeMv('SELECT a FROM BASE_MV', { knownMvs: { 'analytics.base_mv': 'full' } }).verdict).toBe('full');
  });

  it('does not treat a user table that merely starts like a system table as one when it is schema-qualified', () => {
    expect(analyzeMv('SELECT a FROM analytics.sys_events').verdict).toBe('incremental');
    expect(analyzeMv('SELECT a FROM sys_events').verdict).toBe('invalid');
  });

  it('reports a UNION ALL with both a SORTKEY and an aggregate twice, once per cause', () => {
    const sql = 'CREATE MATERIALIZED VIEW m SORTKEY (a) AS SELECT a, COUNT(*) FROM t GROUP BY a UNION ALL SELECT a, 1 FROM u';
    expect(analyzeMv(sql).reasons.map((r) => r.code)).toEqual(['union-all-with-aggregate', 'union-all-with-sortkey']);
  });

  it('keeps a plain subquery-free query with aggregates incremental', () => {
    const result = analyzeMv('SELECT a, COUNT(*), SUM(b), AVG(b), MIN(b), MAX(b) FROM t GROUP BY a HAVING SUM(b) > 0');
    expect(result).toMatchObject({ verdict: 'incremental', reasons: [] });
  });
});
