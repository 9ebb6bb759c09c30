import type { ExprNode } from '../expr.ts';
import type { Model, MeasureSpec } from '../dsl/model.ts';
import { renderTemplate, type ModelGraph } from '../graph.ts';
import { renderExpr, type Dialect } from './dialect.ts';
import { sqlSelectParts } from '../analyzer/select-parts.ts';

/**
 * The ONE select of a materialized node, in parts: the Redshift MV body, the local engine's
 * full-recompute query and the source of its delta programs are all rendered from this.
 */
export interface SelectParts {
  /** The first item is the driving relation; every other is inner-joined with `on`. */
  readonly from: readonly { readonly relation: string; readonly alias: string | null; readonly on: string | null }[];
  readonly where: string | null;
  /** True when the select aggregates: every non-aggregate column is then a group key. */
  readonly grouped: boolean;
  readonly columns: readonly SelectColumn[];
}

export interface SelectColumn {
  readonly name: string;
  /** The full expression, aggregate included: `SUM(CASE WHEN ... THEN 1 ELSE 0 END)`. */
  readonly expr: string;
  /** For aggregate columns: the function and its argument (filters folded in); null for group keys. */
  readonly agg: {
    readonly fn: 'count' | 'sum' | 'min' | 'max' | 'countDistinct';
    readonly arg: string | null;
    /**
     * The argument is never NULL (a countIf's CASE ... THEN 1 ELSE 0, or a rollup of such a
     * measure), so the aggregate of a group that has rows is never NULL either. Absent: unknown.
     */
    readonly notNull?: boolean;
  } | null;
}

export interface CompiledSelect {
  readonly sql: string;
  /**
   * Null for a SQL model whose parsed shape the engine cannot maintain incrementally (or a SQL
   * view, or when the parser is not loaded): it is then recomputed in full.
   */
  readonly parts: SelectParts | null;
}

/** The relation a model is read from: a joined stream is read from its stream join's landing table. */
export function relationOf(graph: ModelGraph, name: string): string {
  const m = graph.models.get(name);
  if (m?.kind === 'stream') {
    const join = graph.landedIn.get(name);
    if (join) {
      const j = graph.models.get(join);
      if (j?.kind === 'streamJoin') return j.landing;
    }
  }
  return name;
}

export function compileSelect(m: Model, graph: ModelGraph, d: Dialect): CompiledSelect | null {
  const e = (n: ExprNode) => renderExpr(n, d);
  const measure = (s: MeasureSpec): SelectColumn => aggColumn(s.name, s.fn, s.arg && e(s.arg), s.filter && e(s.filter), argNotNull(m, s));
  let parts: SelectParts;
  switch (m.kind) {
    case 'stream': case 'dimension': return null;
    case 'streamJoin': {
      const cols: SelectColumn[] = m.key.map((k) => ({ name: k, expr: k, agg: null }));
      for (const p of m.pivot) {
        const mine = `${m.discriminator} = '${m.streams[p.stream]?.name ?? p.stream}'`;
        const filter = p.filter ? `${mine} AND ${wrap(e(p.filter))}` : mine;
        cols.push(aggColumn(p.name, p.fn, p.arg ? e(p.arg) : p.fn === 'sum' ? '1' : null, filter, p.fn === 'sum' && !p.arg));
      }
      parts = { from: [{ relation: m.landing, alias: null, on: null }], where: null, grouped: true, columns: cols };
      break;
    }
    case 'enrichment': {
      const from: { relation: string; alias: string; on: string | null }[] = [{ relation: relationOf(graph, m.from.name), alias: 'i', on: null }];
      for (const j of m.joins) {
        from.push({ relation: j.dimension.name, alias: j.alias, on: j.on.map(([dc, ic]) => `${j.alias}.${dc} = i.${ic}`).join(' AND ') });
      }
      const cols: SelectColumn[] = Object.keys(m.from.columns).map((c) => ({ name: c, expr: `i.${c}`, agg: null }));
      for (const j of m.joins) for (const c of j.columns) cols.push({ name: c, expr: `${j.alias}.${c}`, agg: null });
      for (const dcol of m.derive) cols.push({ name: dcol.name, expr: e(dcol.expr), agg: null });
      parts = { from, where: m.where && e(m.where), grouped: false, columns: cols };
      break;
    }
    case 'aggregate': case 'rollup': {
      const cols: SelectColumn[] = m.groupBy.map((g) => ({ name: g, expr: g, agg: null }));
      if (m.bucket) cols.push({ name: m.bucket.name, expr: `DATE_TRUNC('${m.bucket.grain}', ${m.bucket.column})`, agg: null });
      for (const s of m.measures) cols.push(measure(s));
      const where = m.kind === 'aggregate' && m.where ? e(m.where) : null;
      parts = { from: [{ relation: relationOf(graph, m.from.name), alias: null, on: null }], where, grouped: true, columns: cols };
      break;
    }
    case 'view': {
      const cols = m.select.map((s) => ({ name: s.name, expr: e(s.expr), agg: null }));
      parts = { from: [{ relation: relationOf(graph, m.from.name), alias: null, on: null }], where: m.where && e(m.where), grouped: false, columns: cols };
      break;
    }
    case 'sql': {
      const sql = renderTemplate(m.template, graph.macros, (n) => relationOf(graph, n)).trim().replace(/;\s*$/, '');
      return { sql, parts: m.materialized === 'mv' ? sqlModelParts(sql, m.columns, graph) : null };
    }
  }
  return { sql: renderSelect(parts), parts };
}

/**
 * A raw SQL MV's select parts, parsed from its rendered SQL, when it has the engine's shape and
 * selects exactly its declared columns (the storage table has those); else null.
 */
function sqlModelParts(sql: string, declared: Model['columns'], graph: ModelGraph): SelectParts | null {
  const parts = sqlSelectParts(sql, { columnsOf: (r) => relationColumns(graph, r) });
  if (!parts) return null;
  const names = Object.keys(declared);
  const selected = parts.columns.map((c) => c.name);
  return selected.length === names.length && selected.every((n) => names.includes(n)) ? parts : null;
}

/** The columns of a relation of the project (a model's table, MV or view, or a landing table), or null. */
function relationColumns(graph: ModelGraph, relation: string): readonly string[] | null {
  for (const m of graph.models.values()) {
    if (m.kind === 'streamJoin' && m.landing === relation) {
      const cols = [...m.key, m.discriminator];
      for (const s of Object.values(m.streams)) for (const c of Object.keys(s.columns)) if (!cols.includes(c)) cols.push(c);
      return cols;
    }
  }
  const m = graph.models.get(relation);
  return m && relationOf(graph, m.name) === relation ? Object.keys(m.columns) : null;
}

function wrap(s: string): string {
  return /\s(OR)\s/i.test(s) ? `(${s})` : s;
}

/** `notNull`: the argument (before the filter) is never NULL; a filtered MIN/MAX's is NULL where the filter fails. */
function aggColumn(name: string, fn: MeasureSpec['fn'], arg: string | null, filter: string | null, notNull = false): SelectColumn {
  let inner = arg;
  if (filter) inner = fn === 'sum' ? `CASE WHEN ${filter} THEN ${arg ?? '1'} ELSE 0 END` : `CASE WHEN ${filter} THEN ${arg ?? '1'} END`;
  const call = fn === 'countDistinct' ? `COUNT(DISTINCT ${inner})` : `${fn.toUpperCase()}(${inner ?? '*'})`;
  const never = notNull && (!filter || fn === 'sum');
  return { name, expr: call, agg: never ? { fn, arg: inner, notNull: true } : { fn, arg: inner } };
}

/**
 * Whether a measure's argument is never NULL: a non-NULL literal (countIf counts with 1), or in
 * a rollup, a measure of the model below whose value is never NULL (a COUNT, or an aggregate
 * of a never-NULL argument: a group that has rows has a value). Anything else: unknown.
 */
function argNotNull(m: Model, s: MeasureSpec): boolean {
  const a = s.arg;
  if (!a) return s.fn === 'sum' || s.fn === 'count';
  if (a.kind === 'literal') return a.value !== null;
  if (m.kind !== 'rollup' || a.kind !== 'column') return false;
  const below = m.from.measures.find((x) => x.name === a.name);
  return !!below && (below.fn === 'count' || ((below.fn === 'sum' || below.fn === 'min' || below.fn === 'max') && (below.filter === null || below.fn === 'sum') && argNotNull(m.from, below)));
}

export function renderSelect(p: SelectParts): string {
  const lines = ['SELECT'];
  p.columns.forEach((c, i) => {
    const as = c.expr === c.name || c.expr.endsWith(`.${c.name}`) ? c.expr : `${c.expr} AS ${c.name}`;
    lines.push(`  ${as}${i < p.columns.length - 1 ? ',' : ''}`);
  });
  const [first, ...rest] = p.from;
  lines.push(`FROM ${first!.relation}${first!.alias ? ` AS ${first!.alias}` : ''}`);
  for (const j of rest) lines.push(`JOIN ${j.relation} AS ${j.alias} ON ${j.on}`);
  if (p.where) lines.push(`WHERE ${p.where}`);
  if (p.grouped) {
    const keys = p.columns.filter((c) => !c.agg).map((c) => c.expr);
    if (keys.length) lines.push(`GROUP BY ${keys.join(', ')}`);
  }
  return lines.join('\n');
}
