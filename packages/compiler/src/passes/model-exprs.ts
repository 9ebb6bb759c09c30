import type { Model } from '../dsl/model.ts';
import type { ExprNode } from '../expr.ts';

/** Every expression tree of a model (pivots, measures, filters, derived and selected columns). */
export function exprsOf(m: Model): ExprNode[] {
  const opt = (e: ExprNode | null | undefined) => (e ? [e] : []);
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
  const w = (x: ExprNode) => walk(x, visit);
  switch (n.kind) {
    case 'binary': w(n.left); w(n.right); return;
    case 'not': case 'isNull': case 'cast': case 'dateTrunc': w(n.arg); return;
    case 'in': w(n.arg); n.values.forEach(w); return;
    case 'case': n.whens.forEach(([a, b]) => { w(a); w(b); }); if (n.otherwise) w(n.otherwise); return;
    case 'call': n.args.forEach(w); return;
    case 'secondsBetween': w(n.from); w(n.to); return;
    case 'column': case 'literal': case 'raw': return;
  }
}

/** Visits every node of an expression tree, parents first. */
