import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compileProject, effectiveWhere, initAnalyzer, postgresDialect, relationsOf, renderExpr, renderOutput, sqlModel, sqlSelectParts, sqlSelectPartsRejection, stream, t,
  aggInput, type AggregateNode, type Project, type QueryNode,
} from '@mvkit/compiler';

// Raw SQL models get select parts read from their rendered SQL when their shape is the engine's
// (select-project-inner-join-group-by); anything else is null (full recompute). Real parser.
beforeAll(initAnalyzer);

const one = (relation: string, alias: string | null = null) => ({ relation, alias, on: null });

/** The tree read back as the parts the engine uses, each expression rendered for Postgres. */
function partsOf(q: QueryNode | null) {
  if (!q || q.kind !== 'select') return null;
  const ons = [null, ...q.joins.map((j) => renderExpr(j.on, postgresDialect))];
  const where = effectiveWhere(q);
  return {
    from: relationsOf(q).map((r, i) => ({ relation: r.name, alias: r.alias, on: ons[i] ?? null })),
    where: where && renderExpr(where, postgresDialect),
    grouped: q.groupBy !== null,
    columns: q.outputs.map((o) => ({
      name: o.name, expr: renderOutput(o, postgresDialect),
      agg: o.kind === 'aggregate' ? { fn: o.fn, arg: aggArg(o) } : null,
    })),
  };
}
function aggArg(o: AggregateNode): string | null {
  const a = aggInput(o);
  return a && renderExpr(a, postgresDialect);
}
const parse = (sql: string, options?: Parameters<typeof sqlSelectParts>[1]) => partsOf(sqlSelectParts(sql, options));

describe('supported shapes', () => {
  it('a grouped aggregate over one relation: group keys, COUNT(*), SUM, MIN, MAX, COUNT(DISTINCT)', () => {
    const parts = parse(`
      SELECT tenant_id, COUNT(*) AS n, SUM(amount) AS total, MIN(at) AS first_at, MAX(at) AS last_at, COUNT(DISTINCT user_id) AS users
      FROM orders
      GROUP BY tenant_id`);
    expect(parts).toEqual({
      from: [one('orders')], where: null, grouped: true,
      columns: [
        { name: 'tenant_id', expr: 'tenant_id', agg: null },
        { name: 'n', expr: 'COUNT(*)', agg: { fn: 'count', arg: null } },
        { name: 'total', expr: 'SUM(amount)', agg: { fn: 'sum', arg: 'amount' } },
        { name: 'first_at', expr: 'MIN(at)', agg: { fn: 'min', arg: 'at' } },
        { name: 'last_at', expr: 'MAX(at)', agg: { fn: 'max', arg: 'at' } },
        { name: 'users', expr: 'COUNT(DISTINCT user_id)', agg: { fn: 'countDistinct', arg: 'user_id' } },
      ],
    });
  });

  it('inner joins with aliases and ON, a WHERE, qualified columns, ordinals in GROUP BY and an expression key', () => {
    const parts = parse(`
      SELECT o.tenant_id, c.category AS cat, date_trunc('day', o.placed_at) AS day, count(o.amount) AS priced
      FROM orders AS o
      INNER JOIN campaigns c ON c.tenant_id = o.tenant_id AND c.campaign_id = o.campaign_id
      JOIN stores s ON s.store_id = o.store_id
      WHERE o.amount > 0 AND (s.city = 'Berlin' OR s.city IS NULL)
      GROUP BY 1, 2, 3`);
    expect(parts).toEqual({
      from: [
        one('orders', 'o'),
        { relation: 'campaigns', alias: 'c', on: 'c.tenant_id = o.tenant_id AND c.campaign_id = o.campaign_id' },
        { relation: 'stores', alias: 's', on: 's.store_id = o.store_id' },
      ],
      where: "o.amount > 0 AND (s.city = 'Berlin' OR s.city IS NULL)",
      grouped: true,
      columns: [
        { name: 'tenant_id', expr: 'o.tenant_id', agg: null },
        { name: 'cat', expr: 'c.category', agg: null },
        // Plain function names are written in upper case (the engine's own DATE_TRUNC form).
        { name: 'day', expr: "DATE_TRUNC('day', o.placed_at)", agg: null },
        { name: 'priced', expr: 'COUNT(o.amount)', agg: { fn: 'count', arg: 'o.amount' } },
      ],
    });
  });

  it('GROUP BY the same expressions as the select list, in another order; a CASE inside SUM', () => {
    const parts = parse(`
      SELECT channel, lower(country) AS cc, SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed
      FROM events GROUP BY lower(country), channel`);
    expect(parts?.columns).toEqual([
      { name: 'channel', expr: 'channel', agg: null },
      // A function the tree has no node for is a raw leaf: its text, parenthesized.
      { name: 'cc', expr: '(LOWER(country))', agg: null },
      { name: 'failed', expr: "SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END)", agg: { fn: 'sum', arg: "CASE WHEN status = 'failed' THEN 1 ELSE 0 END" } },
    ]);
    expect(parts?.grouped).toBe(true);
  });

  it('FILTER (WHERE ...) is folded into the argument', () => {
    const parts = parse(`
      SELECT k, COUNT(*) FILTER (WHERE ok) AS oks, SUM(v) FILTER (WHERE v > 1) AS big, COUNT(DISTINCT u) FILTER (WHERE ok) AS ou
      FROM r GROUP BY k`);
    expect(parts?.columns.slice(1)).toEqual([
      { name: 'oks', expr: 'COUNT(CASE WHEN ok THEN 1 END)', agg: { fn: 'count', arg: 'CASE WHEN ok THEN 1 END' } },
      { name: 'big', expr: 'SUM(CASE WHEN v > 1 THEN v END)', agg: { fn: 'sum', arg: 'CASE WHEN v > 1 THEN v END' } },
      { name: 'ou', expr: 'COUNT(DISTINCT CASE WHEN ok THEN u END)', agg: { fn: 'countDistinct', arg: 'CASE WHEN ok THEN u END' } },
    ]);
  });

  it('a filter/project/join view without GROUP BY is not grouped', () => {
    const parts = parse(`SELECT m.id, m.tenant_id AS t, d.name FROM msgs m JOIN dims d ON d.id = m.dim_id WHERE m.kind <> 'x';`);
    expect(parts).toEqual({
      from: [one('msgs', 'm'), { relation: 'dims', alias: 'd', on: 'd.id = m.dim_id' }],
      where: "m.kind <> 'x'",
      grouped: false,
      columns: [
        { name: 'id', expr: 'm.id', agg: null },
        { name: 't', expr: 'm.tenant_id', agg: null },
        { name: 'name', expr: 'd.name', agg: null },
      ],
    });
  });

  it('GROUP BY an output name resolves to its expression only when no input has a column by that name', () => {
    const sql = "SELECT DATE_TRUNC('hour', at) AS hour, COUNT(*) AS n FROM ev GROUP BY hour";
    const hourExpr = "DATE_TRUNC('hour', at)";
    expect(parse(sql, { columnsOf: () => ['at', 'id'] })?.columns[0]).toEqual({ name: 'hour', expr: hourExpr, agg: null });
    // Postgres would group by the input column `hour`, which is not selected.
    expect(sqlSelectParts(sql, { columnsOf: () => ['at', 'hour'] })).toBeNull();
    // Without the inputs' columns the name cannot be resolved safely.
    expect(sqlSelectParts(sql)).toBeNull();
  });

  it('two output items with one grouped expression are both group keys', () => {
    const parts = parse('SELECT a AS x, a AS y, MAX(b) AS m FROM r GROUP BY a');
    expect(parts?.columns.map((c) => [c.name, c.expr, c.agg?.fn ?? null])).toEqual([['x', 'a', null], ['y', 'a', null], ['m', 'MAX(b)', 'max']]);
  });

  it('renders the expression subset as equivalent Postgres text: tree nodes as the dialect writes them, raw leaves parenthesized', () => {
    const exprs = (select: string) => parse(`SELECT ${select} FROM r`)?.columns.map((c) => c.expr);
    expect(exprs('a::int AS a1, CAST(b AS varchar(10)) AS b1, x::numeric(12, 2) AS x1')).toEqual(['CAST(a AS INTEGER)', 'CAST(b AS VARCHAR(10))', 'CAST(x AS NUMERIC(12, 2))']);
    expect(exprs("EXTRACT(hour FROM ts) AS h, ts AT TIME ZONE 'UTC' AS u, interval '1 day' AS i, date '2026-01-01' AS d")).toEqual([
      '(EXTRACT(HOUR FROM ts))', "(pg_catalog.timezone('UTC', ts))", "CAST('1 day' AS INTERVAL)", "CAST('2026-01-01' AS date)",
    ]);
    // A decimal constant keeps its text (as a number it would change type).
    expect(exprs("a + b * c AS p, (a + b) * c AS q, - a AS n, 3 - -1 AS m, 'it''s' AS s, NULL AS z, TRUE AS tr, 1.5e3 AS f")).toEqual([
      'a + (b * c)', '(a + b) * c', '(- a)', '3 - -1', "'it''s'", 'NULL', 'TRUE', '(1.5e3)',
    ]);
    expect(exprs('a BETWEEN 1 AND 2 AS b1, a NOT IN (1, 2) AS b2, a IN (3) AS b3, s NOT LIKE \'x%\' AS b4, s ILIKE \'y\' AS b5, a IS DISTINCT FROM b AS b6, a = ANY(ARRAY[1, 2]) AS b7')).toEqual([
      '(a BETWEEN 1 AND 2)', '(a NOT IN (1, 2))', 'a IN (3)', "(s NOT LIKE 'x%')", "(s ILIKE 'y')", '(a IS DISTINCT FROM b)', '(a = ANY (ARRAY[1, 2]))',
    ]);
    expect(exprs('NOT a AS n1, a IS NULL AS n2, b IS NOT TRUE AS n3, NOT (a AND b) OR c AS n4')).toEqual(['NOT (a)', 'a IS NULL', '(b IS NOT TRUE)', 'NOT (a AND b) OR c']);
    expect(exprs("CASE WHEN a > 1 THEN 'big' WHEN a IS NULL THEN NULL ELSE 'small' END AS c1, CASE k WHEN 1 THEN 'one' END AS c2")).toEqual([
      "CASE WHEN a > 1 THEN 'big' WHEN a IS NULL THEN NULL ELSE 'small' END", "(CASE k WHEN 1 THEN 'one' END)",
    ]);
    expect(exprs('COALESCE(a, 0) AS c, NULLIF(a, 0) AS n, GREATEST(a, b) AS g, LEAST(a, b) AS l, round(a / 2.0, 1) AS r')).toEqual([
      'COALESCE(a, 0)', '(NULLIF(a, 0))', 'GREATEST(a, b)', 'LEAST(a, b)', 'ROUND(a / (2.0), 1)',
    ]);
    // Keywords and names that are not plain lowercase are quoted, as they must have been written (raw leaves).
    expect(exprs('"user" AS u, "Mixed" AS m, r."order" AS o')).toEqual(['("user")', '("Mixed")', '(r."order")']);
  });

  it('reads structure into tree nodes: columns, comparisons, AND/OR, DATE_TRUNC, IN, casts', () => {
    const q = sqlSelectParts("SELECT o.k, DATE_TRUNC('hour', o.at) AS h, COUNT(*) AS n FROM orders o JOIN s ON s.id = o.sid AND s.t = o.t WHERE o.x IN (1, 2) GROUP BY o.k, 2");
    expect(q?.joins[0]?.on).toEqual({
      kind: 'binary', op: 'AND',
      left: { kind: 'binary', op: '=', left: { kind: 'column', rel: 's', name: 'id' }, right: { kind: 'column', rel: 'o', name: 'sid' } },
      right: { kind: 'binary', op: '=', left: { kind: 'column', rel: 's', name: 't' }, right: { kind: 'column', rel: 'o', name: 't' } },
    });
    expect(q?.outputs[1]).toEqual({ kind: 'projection', name: 'h', expr: { kind: 'dateTrunc', grain: 'hour', arg: { kind: 'column', rel: 'o', name: 'at' } } });
    expect(q?.where).toEqual({ kind: 'in', arg: { kind: 'column', rel: 'o', name: 'x' }, values: [{ kind: 'literal', value: 1 }, { kind: 'literal', value: 2 }] });
  });
});

describe('unsupported shapes give null', () => {
  const cases: [string, string, RegExp][] = [
    ['WITH', 'WITH x AS (SELECT a FROM r) SELECT a FROM x', /^WITH/],
    ['DISTINCT', 'SELECT DISTINCT a FROM r', /^DISTINCT/],
    ['UNION', 'SELECT a FROM r UNION ALL SELECT a FROM s', /set operation/],
    ['subquery in FROM', 'SELECT a FROM (SELECT a FROM r) q', /not a table/],
    ['subquery in WHERE', 'SELECT a FROM r WHERE a IN (SELECT a FROM s)', /SubLink/],
    ['EXISTS', 'SELECT a FROM r WHERE EXISTS (SELECT 1 FROM s)', /SubLink/],
    ['scalar subquery', 'SELECT (SELECT max(a) FROM s) AS m FROM r', /SubLink/],
    ['window function', 'SELECT a, ROW_NUMBER() OVER (ORDER BY a) AS rn FROM r', /window/],
    ['aggregate window', 'SELECT a, SUM(b) OVER (PARTITION BY a) AS s FROM r', /window/],
    ['ORDER BY', 'SELECT a, COUNT(*) AS n FROM r GROUP BY a ORDER BY a', /^ORDER BY/],
    ['LIMIT', 'SELECT a FROM r LIMIT 10', /^LIMIT/],
    ['OFFSET', 'SELECT a FROM r OFFSET 1', /^OFFSET/],
    ['HAVING', 'SELECT a, COUNT(*) AS n FROM r GROUP BY a HAVING COUNT(*) > 1', /^HAVING/],
    ['LEFT JOIN', 'SELECT r.a, s.b FROM r LEFT JOIN s ON s.a = r.a', /INNER JOIN/],
    ['RIGHT JOIN', 'SELECT r.a FROM r RIGHT JOIN s ON s.a = r.a', /INNER JOIN/],
    ['FULL JOIN', 'SELECT r.a FROM r FULL JOIN s ON s.a = r.a', /INNER JOIN/],
    ['CROSS JOIN', 'SELECT r.a FROM r CROSS JOIN s', /INNER JOIN/],
    ['comma join', 'SELECT r.a FROM r, s WHERE s.a = r.a', /chain of inner joins/],
    ['USING', 'SELECT a FROM r JOIN s USING (a)', /INNER JOIN/],
    ['NATURAL', 'SELECT a FROM r NATURAL JOIN s', /INNER JOIN/],
    ['nested join on the right', 'SELECT r.a FROM r JOIN (s JOIN u ON u.a = s.a) ON s.a = r.a', /right side/],
    ['schema-qualified relation', 'SELECT a FROM public.r', /schema-qualified/],
    ['self-join', 'SELECT x.a FROM r x JOIN r y ON y.a = x.a', /self-join/],
    ['SELECT *', 'SELECT * FROM r', /\*/],
    ['qualified star', 'SELECT r.* FROM r', /\*/],
    ['unnamed expression', 'SELECT a + 1 FROM r', /without a name/],
    ['unnamed aggregate', 'SELECT a, COUNT(*) FROM r GROUP BY a', /without a name/],
    ['duplicate output names', 'SELECT a, b AS a FROM r', /one name/],
    ['aggregate without GROUP BY', 'SELECT COUNT(*) AS n FROM r', /without GROUP BY/],
    ['aggregate inside an expression', 'SELECT a, SUM(b) / 2 AS h FROM r GROUP BY a', /aggregate sum/],
    ['aggregate inside COALESCE', 'SELECT a, COALESCE(SUM(b), 0) AS s FROM r GROUP BY a', /aggregate sum/],
    ['AVG', 'SELECT a, AVG(b) AS m FROM r GROUP BY a', /aggregate avg/],
    ['SUM(DISTINCT)', 'SELECT a, SUM(DISTINCT b) AS s FROM r GROUP BY a', /SUM\(DISTINCT\)/],
    ['non-aggregate item not grouped by', 'SELECT a, b, COUNT(*) AS n FROM r GROUP BY a', /b is neither/],
    ['GROUP BY an expression not selected', 'SELECT a, COUNT(*) AS n FROM r GROUP BY a, b', /GROUP BY b/],
    ['GROUP BY ordinal of an aggregate', 'SELECT a, COUNT(*) AS n FROM r GROUP BY 1, 2', /GROUP BY 2/],
    ['GROUP BY ordinal out of range', 'SELECT a, COUNT(*) AS n FROM r GROUP BY 3', /GROUP BY 3/],
    ['ROLLUP', 'SELECT a, COUNT(*) AS n FROM r GROUP BY ROLLUP (a)', /ROLLUP/],
    ['GROUP BY without aggregates', 'SELECT a FROM r GROUP BY a', /without aggregates/],
    ['a constant group key', "SELECT 'x' AS k, a, COUNT(*) AS n FROM r GROUP BY 1, 2", /constant/],
    ['aggregate in WHERE', 'SELECT a FROM r WHERE COUNT(*) > 1', /aggregate count/],
    ['now()', 'SELECT a FROM r WHERE at > now()', /now\(\)/],
    ['CURRENT_DATE', "SELECT a, CURRENT_DATE - at AS age FROM r", /SQLValueFunction/],
    ['random()', 'SELECT a, random() AS x FROM r', /random\(\)/],
    ['parameter', 'SELECT a FROM r WHERE a = $1', /ParamRef/],
    ['row comparison', 'SELECT a FROM r WHERE (a, b) = (1, 2)', /RowExpr/],
    ['function of another schema', 'SELECT a, myschema.f(a) AS f FROM r', /another schema/],
    ['two statements', 'SELECT a FROM r; SELECT a FROM s', /one statement/],
    ['not a SELECT', 'DELETE FROM r', /not a SELECT/],
    ['syntax error', 'SELEC a FROM r', /syntax error/],
    ['empty text', '', /empty/],
    ['VALUES', 'VALUES (1), (2)', /^VALUES/],
    ['no FROM', 'SELECT 1 AS a', /FROM/],
    ['SELECT INTO', 'SELECT a INTO s FROM r', /^SELECT INTO/],
    ['engine-reserved output name', 'SELECT a AS _ivm_k FROM r', /_ivm_k/],
  ];
  it.each(cases)('%s', (_, sql, why) => {
    expect(sqlSelectParts(sql)).toBeNull();
    expect(sqlSelectPartsRejection(sql)).toMatch(why);
  });
});

describe('bad input', () => {
  it('never throws: arbitrary text and token soups of SQL give parts or null', () => {
    const tokens = ['SELECT', 'a', 'b.c', 'AS', 'x', ',', 'COUNT(*)', 'SUM(', ')', '(', 'FROM', 'r', 'JOIN', 's', 'ON', '=', 'WHERE', 'GROUP BY', '1', "'q'", 'AND', 'OR', 'NOT', 'CASE', 'WHEN', 'THEN', 'END', '::int', 'FILTER (WHERE', 'OVER ()', 'IN', 'LIKE', '-', '*', ';'];
    const soup = fc.array(fc.constantFrom(...tokens), { maxLength: 30 }).map((t) => t.join(' '));
    fc.assert(fc.property(fc.oneof(fc.string(), soup), (sql) => {
      const parts = parse(sql);
      expect(parts === null || typeof parts === 'object').toBe(true);
      expect(typeof (sqlSelectPartsRejection(sql) ?? '')).toBe('string');
    }), { numRuns: 500 });
  });
});

describe('compiled SQL models', () => {
  const events = stream('events', {
    columns: { tenant_id: t.varchar(32), id: t.varchar(64), kind: t.varchar(16), amount: t.bigint(), at: t.timestamp() },
    key: ['tenant_id', 'id'], tenant: 'tenant_id', eventTime: 'at',
  });
  const sql = `SELECT tenant_id, kind, COUNT(*) AS n, SUM(amount) AS total FROM {{ref "events"}} WHERE amount >= 0 GROUP BY tenant_id, kind`;
  const columns = { tenant_id: t.varchar(32), kind: t.varchar(16), n: t.bigint(), total: t.bigint() };
  const compile = async (...models: Project['models']) => {
    const result = await compileProject({ dir: '/', config: { name: 'p' }, models: [events, ...models], macros: {}, loadDiagnostics: [] }, 'postgres');
    return result.manifest!;
  };

  it('an MV in the supported shape gets its select parts, its SQL text unchanged; a view or an unsupported MV gets none', async () => {
    const m = await compile(sqlModel('by_kind', { materialized: 'mv', sql, columns, tenant: 'tenant_id' }));
    const node = m.nodes.find((n) => n.name === 'by_kind')!;
    expect(node.sql).toBe(sql.replace('{{ref "events"}}', 'events'));
    expect(partsOf(node.select)).toEqual({
      from: [one('events')], where: 'amount >= 0', grouped: true,
      columns: [
        { name: 'tenant_id', expr: 'tenant_id', agg: null },
        { name: 'kind', expr: 'kind', agg: null },
        { name: 'n', expr: 'COUNT(*)', agg: { fn: 'count', arg: null } },
        { name: 'total', expr: 'SUM(amount)', agg: { fn: 'sum', arg: 'amount' } },
      ],
    });
    // The same text as a view: no parts (views are not maintained by the engine).
    const asView = await compile(sqlModel('by_kind', { materialized: 'view', sql, columns, tenant: 'tenant_id' }));
    expect(asView.nodes.find((n) => n.name === 'by_kind')!.select).toBeNull();
    const unsupported = await compile(sqlModel('by_kind', { materialized: 'mv', sql: `${sql} HAVING COUNT(*) > 0`, columns, tenant: 'tenant_id' }));
    expect(unsupported.nodes.find((n) => n.name === 'by_kind')!.select).toMatchObject({ kind: 'opaque', reason: expect.stringMatching(/^HAVING/) });
  });

  it('an MV whose selected names differ from its declared columns gets none (its storage has the declared ones)', async () => {
    const m = await compile(sqlModel('by_kind', { materialized: 'mv', sql, columns: { ...columns, extra: t.bigint() }, tenant: 'tenant_id' }));
    expect(m.nodes.find((n) => n.name === 'by_kind')!.select).toMatchObject({ kind: 'opaque', reason: expect.stringMatching(/declared columns/) });
  });

  it('GROUP BY an output name is resolved against the input model\'s columns', async () => {
    const byHour = `SELECT tenant_id, DATE_TRUNC('hour', at) AS hour, COUNT(*) AS n FROM {{ref "events"}} GROUP BY tenant_id, hour`;
    const m = await compile(sqlModel('by_hour', { materialized: 'mv', sql: byHour, columns: { tenant_id: t.varchar(32), hour: t.timestamp(), n: t.bigint() }, tenant: 'tenant_id' }));
    expect(partsOf(m.nodes.find((n) => n.name === 'by_hour')!.select)?.columns.map((c) => c.expr)).toEqual(['tenant_id', "DATE_TRUNC('hour', at)", 'COUNT(*)']);
  });
});
