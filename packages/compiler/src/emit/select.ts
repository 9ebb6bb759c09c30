import type { ExprNode } from '../expr.ts';
import type { Model, MeasureSpec, SqlModel } from '../dsl/model.ts';
import { renderTemplate, streamJoinLandingIn, type ModelGraph } from '../graph.ts';
import { renderExpr, type Dialect } from './dialect.ts';
import { aggregateOf, relation, type AggregateNode, type OutputNode, type QueryNode, type RelationNode, type SelectNode } from '../ir/select-node.ts';
import { aggInput, effectiveWhere } from '../ir/visit.ts';

/** The relation a model is read from: a joined stream is read from its stream join's landing table. */
export function relationOf(graph: ModelGraph, name: string): string {
  return relationNodeOf(graph, name, null).name;
}

/** The relation node of a model: a joined stream's carries its discriminator, so only its rows are read. */
export function relationNodeOf(graph: ModelGraph, name: string, alias: string | null): RelationNode {
  const m = graph.models.get(name);
  if (m?.kind === 'stream') {
    const joinName = graph.landedIn.get(name);
    const j = joinName ? graph.models.get(joinName) : undefined;
    if (j?.kind === 'streamJoin') return relation(j.landing, alias, { column: j.discriminator, value: m.name });
  }
  return relation(name, alias);
}

export const col = (name: string, rel: string | null = null): ExprNode => ({ kind: 'column', rel, name });
export const lit = (value: string | number | boolean | null): ExprNode => ({ kind: 'literal', value });

/** `a AND b`, with an AND chain in b folded left-deep so that it renders without parentheses. */
export function andChain(a: ExprNode, b: ExprNode): ExprNode {
  if (b.kind === 'binary' && b.op === 'AND') return andChain(andChain(a, b.left), b.right);
  return { kind: 'binary', op: 'AND', left: a, right: b };
}

/**
 * An aggregate whose filter is folded into its argument as the DSL writes it: a SUM's rows outside
 * the filter add 0 (`CASE WHEN f THEN x ELSE 0 END`), the others' are NULL. `notNull`: the
 * argument before the filter is never NULL; a filtered MIN/MAX's is NULL where the filter fails.
 */
export function dslAggregate(name: string, fn: MeasureSpec['fn'], arg: ExprNode | null, filter: ExprNode | null, notNull = false): AggregateNode {
  const folded: ExprNode | null = filter ? { kind: 'case', whens: [[filter, arg ?? lit(1)]], otherwise: fn === 'sum' ? lit(0) : null } : arg;
  return aggregateOf(name, fn, folded, null, notNull && (!filter || fn === 'sum'));
}

/** A SQL model's text, its references rendered as the relations they read. */
export function sqlTextOf(m: SqlModel, graph: ModelGraph): string {
  return renderTemplate(m.template, graph.macros, (n) => relationOf(graph, n)).trim().replace(/;\s*$/, '');
}

/** The columns of a relation of the project (a model's table, MV or view, or a landing table), or null. */
export function relationColumns(graph: ModelGraph, rel: string): readonly string[] | null {
  const j = streamJoinLandingIn(graph, rel);
  if (j) {
    const cols = [...j.key, j.discriminator];
    for (const s of Object.values(j.streams)) for (const c of Object.keys(s.columns)) if (!cols.includes(c)) cols.push(c);
    return cols;
  }
  const m = graph.models.get(rel);
  return m && relationOf(graph, m.name) === rel ? Object.keys(m.columns) : null;
}

/**
 * Whether a measure's argument is never NULL: a non-NULL literal (countIf counts with 1), or in
 * a rollup, a measure of the model below whose value is never NULL (a COUNT, or an aggregate
 * of a never-NULL argument: a group that has rows has a value). Anything else: unknown.
 */
export function argNotNull(m: Model, s: MeasureSpec): boolean {
  const a = s.arg;
  if (!a) return s.fn === 'sum' || s.fn === 'count';
  if (a.kind === 'literal') return a.value !== null;
  if (m.kind !== 'rollup' || a.kind !== 'column') return false;
  const below = m.from.measures.find((x) => x.name === a.name);
  return !!below && (below.fn === 'count' || ((below.fn === 'sum' || below.fn === 'min' || below.fn === 'max') && (below.filter === null || below.fn === 'sum') && argNotNull(m.from, below)));
}

/** An aggregate call as SQL: `COUNT(*)`, `SUM(x)`, `COUNT(DISTINCT x)`, the filter folded into the argument. */
export function renderAggregate(a: AggregateNode, d: Dialect): string {
  const input = aggInput(a);
  const inner = input && renderExpr(input, d);
  return a.fn === 'countDistinct' ? `COUNT(DISTINCT ${inner})` : `${a.fn.toUpperCase()}(${inner ?? '*'})`;
}

/** An output's expression as SQL. */
export function renderOutput(o: OutputNode, d: Dialect): string {
  return o.kind === 'aggregate' ? renderAggregate(o, d) : renderExpr(o.expr, d);
}

export function renderRelation(r: RelationNode): string {
  return r.alias ? `${r.name} AS ${r.alias}` : r.name;
}

/** The select as SQL on a dialect: the MV body on Redshift, the view and recompute query on Postgres. */
export function renderQuery(q: QueryNode, d: Dialect): string {
  if (q.kind === 'opaque') return q.sql;
  return renderSelectNode(q, d);
}

function renderSelectNode(s: SelectNode, d: Dialect): string {
  const lines = ['SELECT'];
  s.outputs.forEach((o, i) => {
    const plain = o.kind === 'projection' && o.expr.kind === 'column' && o.expr.name === o.name;
    const text = renderOutput(o, d);
    lines.push(`  ${plain ? text : `${text} AS ${o.name}`}${i < s.outputs.length - 1 ? ',' : ''}`);
  });
  lines.push(`FROM ${renderRelation(s.from)}`);
  for (const j of s.joins) lines.push(`JOIN ${renderRelation(j.relation)} ON ${renderExpr(j.on, d)}`);
  const where = effectiveWhere(s);
  if (where) lines.push(`WHERE ${renderExpr(where, d)}`);
  if (s.groupBy?.length) lines.push(`GROUP BY ${s.groupBy.map((g) => renderExpr(g, d)).join(', ')}`);
  return lines.join('\n');
}
