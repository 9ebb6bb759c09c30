import type { ExprNode } from '@mvkit/compiler';

/** An expression tree as DSL-like text, for failure messages (the compiler's renderer stays out of the oracle). */
export function printExpr(n: ExprNode): string {
  const p = printExpr;
  switch (n.kind) {
    case 'column': return n.rel && n.rel !== 'i' ? `${n.rel}.${n.name}` : n.name;
    case 'literal': return typeof n.value === 'string' ? `'${n.value}'` : String(n.value);
    case 'binary': return `(${p(n.left)} ${n.op} ${p(n.right)})`;
    case 'not': return `NOT ${p(n.arg)}`;
    case 'isNull': return `${p(n.arg)} IS ${n.negated ? 'NOT ' : ''}NULL`;
    case 'in': return `${p(n.arg)} IN (${n.values.map(p).join(', ')})`;
    case 'case': return `CASE ${n.whens.map(([c, v]) => `WHEN ${p(c)} THEN ${p(v)}`).join(' ')}${n.otherwise ? ` ELSE ${p(n.otherwise)}` : ''} END`;
    case 'call': return `${n.fn}(${n.args.map(p).join(', ')})`;
    case 'dateTrunc': return `dateTrunc(${n.grain}, ${p(n.arg)})`;
    case 'secondsBetween': return `secondsBetween(${p(n.from)}, ${p(n.to)})`;
    case 'cast': return `CAST(${p(n.arg)} AS ${n.to})`;
    case 'raw': return `sqlExpr(${n.sql})`;
  }
}
