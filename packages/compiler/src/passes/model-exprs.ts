import type { Model } from '../dsl/model.ts';
import type { ExprNode } from '../expr.ts';

function opt(e: ExprNode | null | undefined): ExprNode[] {
  return e ? [e] : [];
}

/** Every expression tree of a model (pivots, measures, filters, derived and selected columns). */
export function exprsOf(m: Model): ExprNode[] {
  switch (m.kind) {
    case 'stream': case 'dimension': case 'sql': return [];
    case 'streamJoin': return m.pivot.flatMap((p) => [...opt(p.arg), ...opt(p.filter)]);
    case 'enrichment': return [...m.derive.map((d) => d.expr), ...opt(m.where)];
    case 'aggregate': return [...m.measures.flatMap((s) => [...opt(s.arg), ...opt(s.filter)]), ...opt(m.where)];
    case 'rollup': return m.measures.flatMap((s) => [...opt(s.arg), ...opt(s.filter)]);
    case 'view': return [...m.select.map((s) => s.expr), ...opt(m.where)];
  }
}

/** Visits every node of an expression tree, parents first. */
export function walk(n: ExprNode, visit: (n: ExprNode) => void): void {
  visit(n);
  switch (n.kind) {
    case 'binary': walk(n.left, visit); walk(n.right, visit); return;
    case 'not': case 'isNull': case 'cast': case 'dateTrunc': walk(n.arg, visit); return;
    case 'in': walk(n.arg, visit); for (const v of n.values) walk(v, visit); return;
    case 'case': for (const [a, b] of n.whens) { walk(a, visit); walk(b, visit); } if (n.otherwise) walk(n.otherwise, visit); return;
    case 'call': for (const a of n.args) walk(a, visit); return;
    case 'secondsBetween': walk(n.from, visit); walk(n.to, visit); return;
    case 'column': case 'literal': case 'raw': return;
  }
}

/** Visits every node of an expression tree, parents first. */
