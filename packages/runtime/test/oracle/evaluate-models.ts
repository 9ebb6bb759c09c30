import type { AggregateModel, DimensionModel, EnrichmentModel, MeasureSpec, Model, RollupModel, StreamJoinModel, StreamModel, ViewModel } from '@mvkit/compiler';
import { evalBool, evalExpr, type Scope } from './eval-expr.ts';
import { arith, arithCat, castTo, compare, dateTrunc, groupKey, OracleError, Ts, type Cat, type Val } from './sql-values.ts';

export type Row = Readonly<Record<string, Val>>;

/** The source data: every event of each stream (by stream name) and the current rows of each dimension. */
export interface SourceData {
  readonly streams: ReadonlyMap<string, readonly Row[]>;
  readonly dimensions: ReadonlyMap<string, readonly Row[]>;
}

/**
 * The reference evaluator: every model's rows computed from its definition over in-memory data,
 * without SQL. Semantics are those the DSL documents, written out:
 * - a stream's rows are its own events (a stream landed in a stream join's shared table too);
 * - a stream join has one row per key with events of any of its streams; a pivot aggregates
 *   that key's events of its own stream matching its `where` (a count is 0 when there are none);
 * - an enrichment inner-joins each input row with the dimension row whose key it names (no
 *   match: the row is dropped), then derives, then keeps the rows whose `where` is true;
 * - an aggregate keeps the rows whose `where` is true and groups them by its group columns and
 *   time bucket, NULL being a group like any other value; COUNT(x) and MIN/MAX/SUM skip NULLs,
 *   SUM/MIN/MAX of no values are NULL; a filtered SUM (countIf, sumIf) counts a row failing its
 *   filter as 0, so a countIf of a group without matching rows is 0;
 * - a rollup re-aggregates its input's groups the same way.
 * Every value is finally stored as its column's declared SQL type (a numeric derive in a DOUBLE
 * PRECISION column is rounded to a double there, a NUMERIC(p,s) to s places).
 */
export function evaluateModels(models: readonly Model[], data: SourceData): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  const rowsOf = (m: Model): Row[] => {
    const done = out.get(m.name);
    if (done) return done;
    const rows = evaluate(m);
    out.set(m.name, rows);
    return rows;
  };
  const evaluate = (m: Model): Row[] => {
    switch (m.kind) {
      case 'stream': return (data.streams.get(m.name) ?? []).map((r) => typed(m, r));
      case 'dimension': return (data.dimensions.get(m.name) ?? []).map((r) => typed(m, r));
      case 'streamJoin': return streamJoinRows(m, (s) => rowsOf(s));
      case 'enrichment': return enrichmentRows(m, rowsOf(m.from), (d) => rowsOf(d));
      case 'aggregate': case 'rollup': return groupRows(m, rowsOf(m.from));
      case 'view': return viewRows(m, rowsOf(m.from));
      case 'sql': throw new OracleError(`SQL model ${m.name} is outside the oracle`);
    }
  };
  for (const m of models) rowsOf(m);
  return out;
}

/** A row with exactly the model's columns, each stored as its declared type. */
function typed(m: Model, r: Readonly<Record<string, Val>>): Row {
  const o: Record<string, Val> = {};
  for (const [name, t] of Object.entries(m.columns)) o[name] = castTo(r[name] ?? null, t.sql);
  return o;
}

function rowScope(columns: Model['columns'], row: Row): Scope {
  return {
    type: (_rel, name) => sqlOf(columns, name),
    value: (_rel, name) => row[name] ?? null,
  };
}

function sqlOf(columns: Model['columns'], name: string): string {
  const t = columns[name];
  if (!t) throw new OracleError(`no column ${name}`);
  return t.sql;
}

function streamJoinRows(m: StreamJoinModel, rowsOf: (s: StreamModel) => Row[]): Row[] {
  const groups = new Map<string, { key: Row; byStream: Map<string, Row[]> }>();
  for (const [alias, s] of Object.entries(m.streams)) {
    for (const r of rowsOf(s)) {
      const k = m.key.map((c) => groupKey(r[c] ?? null)).join('|');
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { key: r, byStream: new Map() }));
      const list = g.byStream.get(alias) ?? [];
      list.push(r);
      g.byStream.set(alias, list);
    }
  }
  return [...groups.values()].map((g) => {
    const o: Record<string, Val> = {};
    for (const k of m.key) o[k] = g.key[k] ?? null;
    for (const p of m.pivot) {
      const s = m.streams[p.stream]!;
      const events = (g.byStream.get(p.stream) ?? []).filter((r) => !p.filter || evalBool(p.filter, rowScope(s.columns, r)) === true);
      const spec: MeasureSpec = { name: p.name, fn: p.fn, arg: p.arg, filter: null, type: p.type, rollup: null };
      // A pivot count is declared as a SUM of 1 per event: 0 when the key has none of them.
      o[p.name] = !p.arg && p.fn === 'sum' ? BigInt(events.length) : aggregateOf(spec, events, s.columns);
    }
    return typed(m, o);
  });
}

function enrichmentRows(m: EnrichmentModel, input: Row[], rowsOf: (d: DimensionModel) => Row[]): Row[] {
  const out: Row[] = [];
  for (const r of input) {
    const joined = new Map<string, Row>();
    let dropped = false;
    for (const j of m.joins) {
      const match = rowsOf(j.dimension).find((d) => j.on.every(([dc, ic]) => {
        const a = d[dc] ?? null;
        const b = r[ic] ?? null;
        return a !== null && b !== null && compare(a, b) === 0;
      }));
      if (!match) { dropped = true; break; }
      joined.set(j.alias, match);
    }
    if (dropped) continue;
    const scope: Scope = {
      type: (rel, name) => (rel && rel !== 'i' ? sqlOf(m.joins.find((j) => j.alias === rel)!.dimension.columns, name) : sqlOf(m.from.columns, name)),
      value: (rel, name) => (rel && rel !== 'i' ? joined.get(rel)![name] ?? null : r[name] ?? null),
    };
    if (m.where && evalBool(m.where, scope) !== true) continue;
    const o: Record<string, Val> = {};
    for (const c of Object.keys(m.from.columns)) o[c] = r[c] ?? null;
    for (const j of m.joins) for (const [outName, dimCol] of carried(j)) o[outName] = joined.get(j.alias)![dimCol] ?? null;
    for (const d of m.derive) o[d.name] = evalExpr(d.expr, scope);
    out.push(typed(m, o));
  }
  return out;
}

/** A join's carried columns as [output name, dimension column] pairs: renamed ones (`carry`, where the DSL has it) or the dimension's names. */
export function carried(j: EnrichmentModel['joins'][number]): readonly (readonly [string, string])[] {
  const carry = (j as { carry?: readonly (readonly [string, string])[] }).carry;
  return carry ?? j.columns.map((c) => [c, c] as const);
}

function groupRows(m: AggregateModel | RollupModel, input: Row[]): Row[] {
  const cols = m.from.columns;
  const groups = new Map<string, { key: Record<string, Val>; rows: Row[] }>();
  for (const r of input) {
    if (m.kind === 'aggregate' && m.where && evalBool(m.where, rowScope(cols, r)) !== true) continue;
    const key: Record<string, Val> = {};
    for (const g of m.groupBy) key[g] = r[g] ?? null;
    if (m.bucket) {
      const t = r[m.bucket.column] ?? null;
      if (t !== null && !(t instanceof Ts)) throw new OracleError(`bucket of a non-timestamp ${m.bucket.column}`);
      key[m.bucket.name] = t === null ? null : dateTrunc(m.bucket.grain, t);
    }
    const k = Object.values(key).map(groupKey).join('|');
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { key, rows: [] }));
    g.rows.push(r);
  }
  return [...groups.values()].map((g) => {
    const o: Record<string, Val> = { ...g.key };
    for (const s of m.measures) o[s.name] = aggregateOf(s, g.rows, cols);
    return typed(m, o);
  });
}

function aggregateOf(s: MeasureSpec, rows: readonly Row[], cols: Model['columns']): Val {
  const scope = (r: Row) => rowScope(cols, r);
  const arg = (r: Row): Val => (s.arg ? evalExpr(s.arg, scope(r)) : null);
  const passes = (r: Row) => !s.filter || evalBool(s.filter, scope(r)) === true;
  switch (s.fn) {
    case 'count': return BigInt(rows.filter((r) => passes(r) && (!s.arg || arg(r) !== null)).length);
    case 'countDistinct': return BigInt(new Set(rows.filter(passes).map(arg).filter((v) => v !== null).map(groupKey)).size);
    case 'sum': {
      // A row failing the filter adds 0 (see evaluateModels).
      const values = rows.map((r) => (passes(r) ? (s.arg ? arg(r) : 1n) : 0n)).filter((v) => v !== null);
      if (!values.length) return null;
      const cat = values.map((v) => catOfValue(v)).reduce<Cat>((a, b) => arithCat(a, b), 'int');
      return values.reduce<Val>((a, b) => arith('+', a, b, cat), 0n);
    }
    case 'min': case 'max': {
      const values = rows.filter(passes).map(arg).filter((v) => v !== null);
      if (!values.length) return null;
      return values.reduce((a, b) => ((compare(a, b) <= 0) === (s.fn === 'min') ? a : b));
    }
  }
}

function catOfValue(v: Val): Cat {
  return typeof v === 'bigint' ? 'int' : typeof v === 'number' ? 'float' : 'dec';
}

function viewRows(m: ViewModel, input: Row[]): Row[] {
  const out: Row[] = [];
  for (const r of input) {
    const scope = rowScope(m.from.columns, r);
    if (m.where && evalBool(m.where, scope) !== true) continue;
    const o: Record<string, Val> = {};
    for (const s of m.select) o[s.name] = evalExpr(s.expr, scope);
    out.push(typed(m, o));
  }
  return out;
}
