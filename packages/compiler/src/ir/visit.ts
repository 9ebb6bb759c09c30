import type { ExprNode } from '../expr.ts';
import type { AggregateNode, IrKind, IrNode, SelectNode } from './select-node.ts';

type ExprKind = ExprNode['kind'];
type ExprOf<K extends ExprKind> = Extract<ExprNode, { kind: K }>;
type IrOf<K extends IrKind> = Extract<IrNode, { kind: K }>;

/** A handler per node kind: a new kind does not compile until every table has its entry. */
export type ExprVisitor<R> = { readonly [K in ExprKind]: (node: ExprOf<K>) => R };
export type IrVisitor<R> = { readonly [K in IrKind]: (node: IrOf<K>) => R };

export function visitExpr<R>(node: ExprNode, v: ExprVisitor<R>): R {
  return (v[node.kind] as (n: ExprNode) => R)(node);
}

export function visitIr<R>(node: IrNode, v: IrVisitor<R>): R {
  return (v[node.kind] as (n: IrNode) => R)(node);
}

/** Rebuilds a node with each direct child expression replaced by `f(child)`. */
const REBUILD: ExprVisitor<(f: (e: ExprNode) => ExprNode) => ExprNode> = {
  column: (n) => () => n,
  literal: (n) => () => n,
  raw: (n) => () => n,
  binary: (n) => (f) => ({ ...n, left: f(n.left), right: f(n.right) }),
  not: (n) => (f) => ({ ...n, arg: f(n.arg) }),
  isNull: (n) => (f) => ({ ...n, arg: f(n.arg) }),
  in: (n) => (f) => ({ ...n, arg: f(n.arg), values: n.values.map(f) }),
  case: (n) => (f) => ({ ...n, whens: n.whens.map(([c, v]) => [f(c), f(v)] as const), otherwise: n.otherwise && f(n.otherwise) }),
  call: (n) => (f) => ({ ...n, args: n.args.map(f) }),
  dateTrunc: (n) => (f) => ({ ...n, arg: f(n.arg) }),
  secondsBetween: (n) => (f) => ({ ...n, from: f(n.from), to: f(n.to) }),
  cast: (n) => (f) => ({ ...n, arg: f(n.arg) }),
};

/** A transformer (kysely's OperationNodeTransformer): children first, then `f` on the rebuilt node. */
export function mapExpr(node: ExprNode, f: (e: ExprNode) => ExprNode): ExprNode {
  return f(visitExpr(node, REBUILD)((c) => mapExpr(c, f)));
}

/** Every node of an expression, depth first. */
export function exprNodes(node: ExprNode): ExprNode[] {
  const out: ExprNode[] = [];
  mapExpr(node, (e) => { out.push(e); return e; });
  return out;
}

/** The column references of an expression (raw SQL leaves are not looked into), in the order of exprNodes. */
export function columnRefs(node: ExprNode): ExprOf<'column'>[] {
  const out: ExprOf<'column'>[] = [];
  collectColumns(node, out);
  return out;
}

// exprNodes' walk without rebuilding the tree: the children in REBUILD's order.
function collectColumns(n: ExprNode, out: ExprOf<'column'>[]): void {
  switch (n.kind) {
    case 'column': out.push(n); return;
    case 'literal': case 'raw': return;
    case 'binary': collectColumns(n.left, out); collectColumns(n.right, out); return;
    case 'not': case 'isNull': case 'dateTrunc': case 'cast': collectColumns(n.arg, out); return;
    case 'in': collectColumns(n.arg, out); for (const v of n.values) collectColumns(v, out); return;
    case 'case':
      for (const [c, v] of n.whens) { collectColumns(c, out); collectColumns(v, out); }
      if (n.otherwise) collectColumns(n.otherwise, out);
      return;
    case 'call': for (const a of n.args) collectColumns(a, out); return;
    case 'secondsBetween': collectColumns(n.from, out); collectColumns(n.to, out); return;
    // A node of no known kind (from an untyped model file): as exprNodes reads it, failing as it does.
    default: for (const e of exprNodes(n)) if (e.kind === 'column') out.push(e as ExprOf<'column'>);
  }
}

/** Applies `f` to every expression of a select (outputs, join conditions, filters, groups). */
export function mapSelectExprs(s: SelectNode, f: (e: ExprNode) => ExprNode): SelectNode {
  const m = (e: ExprNode) => mapExpr(e, f);
  return {
    ...s,
    joins: s.joins.map((j) => ({ ...j, on: m(j.on) })),
    where: s.where && m(s.where),
    groupBy: s.groupBy && s.groupBy.map(m),
    outputs: s.outputs.map((o) => (o.kind === 'projection' ? { ...o, expr: m(o.expr) } : { ...o, arg: o.arg && m(o.arg), filter: o.filter && m(o.filter) })),
  };
}

export const and = (a: ExprNode | null, b: ExprNode | null): ExprNode | null => (a && b ? { kind: 'binary', op: 'AND', left: a, right: b } : a ?? b);

/**
 * The select's row filter: each member stream's discriminator (only its rows of a shared
 * landing table), then the select's own WHERE.
 */
export function effectiveWhere(s: SelectNode): ExprNode | null {
  let out: ExprNode | null = null;
  for (const r of [s.from, ...s.joins.map((j) => j.relation)]) {
    if (!r.member) continue;
    const cond: ExprNode = { kind: 'binary', op: '=', left: { kind: 'column', rel: r.alias, name: r.member.column }, right: { kind: 'literal', value: r.member.value } };
    out = and(out, cond);
  }
  if (!s.where) return out;
  // A top-level OR must stay one operand of the AND: the renderer parenthesizes it.
  return and(out, s.where);
}

/** The value an aggregate aggregates, its filter folded in (`CASE WHEN filter THEN arg END`); null: COUNT(*). */
export function aggInput(a: AggregateNode): ExprNode | null {
  if (!a.filter) return a.arg;
  return { kind: 'case', whens: [[a.filter, a.arg ?? { kind: 'literal', value: 1 }]], otherwise: null };
}

/** A stable text of an expression, for comparing two trees. */
export const exprKey = (e: ExprNode): string => JSON.stringify(e);
