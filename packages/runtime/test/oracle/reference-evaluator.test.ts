import { describe, expect, it } from 'vitest';
import { cast, coalesce, dateTrunc, lit, ratio, secondsBetween, when, Expr, type ExprNode, type BaseType } from '@mvkit/compiler';
import { diffRows } from './compare-rows.ts';
import { buyRows, buys, buyTotals, clickRows, clicks, clicksByShop, daily, dailyView, hourly, ms, shopRows, shops, visits } from './shop-fixture.ts';
import { evalExpr, type Scope } from './eval-expr.ts';
import { evaluateModels, type Row } from './evaluate-models.ts';
import { Dec, parseTs, type Ts, type Val } from './sql-values.ts';

// Every expected value below is worked out by hand from Postgres' documented semantics.

const types: Record<string, string> = { i: 'INTEGER', n: 'NUMERIC(12,2)', f: 'DOUBLE PRECISION', s: 'VARCHAR(8)', b: 'BOOLEAN', ts: 'TIMESTAMP', ts2: 'TIMESTAMP' };
const row: Record<string, Val> = { i: 7n, n: new Dec(250n, 2), f: 1.5, s: 'b', b: null, ts: parseTs('2026-03-04 10:59:59.900'), ts2: parseTs('2026-03-04 10:59:58.950') };
const nulls: Record<string, Val> = Object.fromEntries(Object.keys(types).map((k) => [k, null]));
const scopeOf = (r: Record<string, Val>): Scope => ({ type: (_rel, n) => types[n]!, value: (_rel, n) => r[n] ?? null });
const col = (name: string): ExprNode => ({ kind: 'column', rel: null, name });
const ev = (e: Expr<BaseType> | ExprNode, r = row) => evalExpr('node' in e ? e.node : e, scopeOf(r));
const c = {
  i: new Expr(col('i'), 'number'), n: new Expr(col('n'), 'number'), f: new Expr(col('f'), 'number'),
  s: new Expr(col('s'), 'text'), b: new Expr(col('b'), 'boolean'), ts: new Expr(col('ts'), 'timestamp'), ts2: new Expr(col('ts2'), 'timestamp'),
};
const wrap = (node: ExprNode) => new Expr(node, 'number');

describe('expressions', () => {
  it('integer division truncates toward zero; numeric and double arithmetic is exact or IEEE', () => {
    expect(ev(c.i.div(2))).toBe(3n);
    expect(ev(wrap({ kind: 'binary', op: '/', left: { kind: 'literal', value: -7 }, right: { kind: 'literal', value: 2 } }))).toBe(-3n);
    expect(String(ev(c.n.plus(1)))).toBe('3.50');
    expect(String(ev(c.n.times(c.n)))).toBe('6.2500');
    expect(String(ev(c.i.plus(0.5)))).toBe('7.5');
    expect(ev(c.f.div(2))).toBe(0.75);
    expect(ev(cast(c.i, 'DOUBLE PRECISION', 'number').div(2))).toBe(3.5);
    expect(ev(c.i.plus(c.i), nulls)).toBeNull();
  });

  it('three-valued logic: NULL comparisons are unknown, AND/OR/NOT/IN follow the truth tables', () => {
    const unknown = c.b.eq(true); // b is NULL
    expect(ev(unknown)).toBeNull();
    expect(ev(unknown.and(c.i.gt(100)))).toBe(false);
    expect(ev(unknown.and(c.i.gt(1)))).toBeNull();
    expect(ev(unknown.or(c.i.gt(1)))).toBe(true);
    expect(ev(unknown.or(c.i.gt(100)))).toBeNull();
    expect(ev(unknown.not())).toBeNull();
    expect(ev(c.s.in(['a', 'b']))).toBe(true);
    expect(ev(c.s.in(['a', 'c']))).toBe(false);
    expect(ev(c.s.in(['a']), nulls)).toBeNull();
    expect(ev(c.b.isNull())).toBe(true);
    expect(ev(c.i.isNotNull(), nulls)).toBe(false);
    // 7 <> 2.5 compares an integer with a numeric literal exactly.
    expect(ev(c.i.gt(2.5))).toBe(true);
    expect(ev(c.n.eq(2.5))).toBe(true);
  });

  it('CASE takes the first true branch (NULL is not true) and the common type of its branches', () => {
    expect(ev(when([[c.b.eq(true), 1], [c.i.gt(5), 2]], 3))).toBe(2n);
    expect(ev(when([[c.b.eq(true), 1]]))).toBeNull();
    // An integer branch of a numeric CASE is a numeric: 7 / 2 would be 3 as integers, here the CASE is NUMERIC.
    expect(String(ev(when([[c.i.gt(5), c.i]], c.n)))).toBe('7');
    expect(ev(coalesce(c.i, 0), nulls)).toBe(0n);
    expect(ev(ratio(c.i, lit(0) as never))).toBeNull();
    expect(ev(ratio(c.i, lit(2) as never))).toBe(3.5);
  });

  it('DATE_TRUNC per grain on UTC timestamps (weeks start on Monday); secondsBetween floors the elapsed seconds', () => {
    const at = (s: string) => (ev(dateTrunc(s as never, c.ts)) as Ts).ms;
    expect(at('minute')).toBe(Date.UTC(2026, 2, 4, 10, 59));
    expect(at('hour')).toBe(Date.UTC(2026, 2, 4, 10));
    expect(at('day')).toBe(Date.UTC(2026, 2, 4));
    expect(at('week')).toBe(Date.UTC(2026, 2, 2)); // 2026-03-04 is a Wednesday
    expect(at('month')).toBe(Date.UTC(2026, 2, 1));
    expect(ev(secondsBetween(c.ts2, c.ts))).toBe(0n); // 0.95 s
    expect(ev(secondsBetween(c.ts, c.ts2))).toBe(-1n); // -0.95 s floors to -1
    expect(ev(c.ts.gte('2026-03-04 10:59:59'))).toBe(true);
  });
});

describe('models', () => {
  const out = evaluateModels([clicks, buys, shops, visits, clicksByShop, hourly, daily, dailyView, buyTotals], {
    streams: new Map([['clicks', clickRows], ['buys', buyRows]]),
    dimensions: new Map([['shops', shopRows]]),
  });
  const same = (name: string, columns: Record<string, { sql: string }>, expected: Row[]) =>
    expect(diffRows(columns as never, expected, out.get(name) as never)).toEqual({ missing: [], extra: [] });

  it('a stream join pivots each key\'s events of each stream; a member stream\'s rows are only its own events', () => {
    same('visits', visits.columns, [
      { tenant_id: 't1', k: 'v1', first_click: ms(1), shop: 's2', big_buys: 0n, top_amount: null },
      { tenant_id: 't1', k: 'v2', first_click: ms(2), shop: 's1', big_buys: 1n, top_amount: new Dec(1250n, 2) },
      { tenant_id: 't1', k: 'v3', first_click: null, shop: null, big_buys: 0n, top_amount: null },
      { tenant_id: 't1', k: 'v9', first_click: null, shop: null, big_buys: 0n, top_amount: null },
    ]);
    same('buy_totals', buyTotals.columns, [{ tenant_id: 't1', n: 3n, total: new Dec(1750n, 2) }]);
  });

  it('an enrichment drops rows without a dimension match (tenant included) and derives with integer division', () => {
    // s2 exists for t2 only; the NULL shop matches nothing.
    same('clicks_by_shop', clicksByShop.columns, [
      { tenant_id: 't1', k: 'v1', shop: 's1', cents: 150n, at: ms(1), region: 'eu', euros: 1 },
      { tenant_id: 't1', k: 'v2', shop: 's1', cents: 50n, at: ms(2), region: 'eu', euros: 0 },
    ]);
  });

  it('an aggregate groups NULL keys together, skips NULLs in SUM/COUNT(x); a rollup re-aggregates its groups, a serving view filters and computes over them', () => {
    same('clicks_hourly', hourly.columns, [
      { tenant_id: 't1', shop: 's1', hour: ms(1), n: 1n, cents: 150n, big: 1n, big_cents: 150n, avg_cents_sum: 150n, avg_cents_count: 1n, last: ms(1) },
      { tenant_id: 't1', shop: 's2', hour: ms(1), n: 1n, cents: null, big: 0n, big_cents: 0n, avg_cents_sum: null, avg_cents_count: 0n, last: ms(1) },
      { tenant_id: 't1', shop: 's1', hour: ms(2), n: 1n, cents: 50n, big: 0n, big_cents: 0n, avg_cents_sum: 50n, avg_cents_count: 1n, last: ms(2) },
      { tenant_id: 't1', shop: null, hour: null, n: 1n, cents: 250n, big: 1n, big_cents: 250n, avg_cents_sum: 250n, avg_cents_count: 1n, last: null },
    ]);
    same('clicks_daily', daily.columns, [
      { tenant_id: 't1', day: ms(0), n: 3n, cents: 200n, big_cents: 150n, last: ms(2) },
      { tenant_id: 't1', day: null, n: 1n, cents: 250n, big_cents: 250n, last: null },
    ]);
    // 200 cents over 3 clicks, as a double; the row without a day is filtered out.
    same('clicks_daily_view', dailyView.columns, [{ tenant_id: 't1', day: ms(0), cents_per_click: 200 / 3, next: 4n }]);
  });
});

describe('row comparison', () => {
  const columns = { a: { base: 'number', sql: 'BIGINT' }, f: { base: 'number', sql: 'DOUBLE PRECISION' }, at: { base: 'timestamp', sql: 'TIMESTAMP' } } as const;
  it('matches numbers read as strings, doubles within tolerance, timestamps as Dates, and counts duplicates', () => {
    const expected: Row[] = [{ a: 1n, f: 0.3, at: ms(1) }, { a: 1n, f: 0.3, at: ms(1) }];
    expect(diffRows(columns, expected, [{ a: '1', f: 0.1 + 0.2, at: new Date(Date.UTC(2026, 2, 1, 1)) }, { a: 1, f: 0.3, at: new Date(Date.UTC(2026, 2, 1, 1)) }])).toEqual({ missing: [], extra: [] });
    const d = diffRows(columns, expected, [{ a: 1, f: 0.3, at: new Date(Date.UTC(2026, 2, 1, 1)) }, { a: 2, f: 0.3, at: null }]);
    expect(d.missing).toHaveLength(1);
    expect(d.extra).toEqual([{ a: 2, f: 0.3, at: null }]);
  });
});
