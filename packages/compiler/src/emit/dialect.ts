import type { ExprNode } from '../expr.ts';

/** A target's SQL dialect: hooks and capability flags. Anything a target cannot do raises, never degrades. */
export interface Dialect {
  readonly name: 'redshift' | 'postgres';
  readonly capabilities: {
    readonly materializedViews: boolean;
    readonly distribution: boolean;
    readonly indexes: boolean;
    readonly identityColumns: boolean;
  };
  secondsBetween(from: string, to: string): string;
}

/**
 * secondsBetween is the floor of the elapsed seconds on both targets. Not DATEDIFF(second, ...),
 * which counts second boundaries crossed (0.9 s across a boundary is 1): the two targets would
 * disagree on sub-second timestamps. DATE_PART of an interval keeps an MV incrementally
 * refreshable: "Amazon Redshift continues to support incremental refresh for materialized views
 * for functions with specific input argument types: DATE(timestamp), DATE_PART(date, time,
 * interval, time-tz), DATE_TRUNC(timestamp, interval)"
 * (https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-refresh-sql-command.html,
 * usage notes); DATE_PART returns DOUBLE, the whole seconds with their fraction
 * (https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_PART_function.html).
 */
export const redshift: Dialect = {
  name: 'redshift',
  capabilities: { materializedViews: true, distribution: true, indexes: false, identityColumns: true },
  secondsBetween: (from, to) => `CAST(FLOOR(DATE_PART(epoch, ${to} - ${from})) AS BIGINT)`,
};

export const postgres: Dialect = {
  name: 'postgres',
  capabilities: { materializedViews: true, distribution: false, indexes: true, identityColumns: true },
  secondsBetween: (from, to) => `CAST(FLOOR(EXTRACT(EPOCH FROM (${to} - ${from}))) AS BIGINT)`,
};

export const dialects = { redshift, postgres } as const;
export type TargetName = keyof typeof dialects;

export function quoteLiteral(v: string | number | boolean | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`cannot write ${v} as a SQL literal`);
    return String(v);
  }
  return `'${v.replace(/'/g, "''")}'`;
}

const PRECEDENCE: Record<string, number> = { OR: 1, AND: 2, '=': 4, '<>': 4, '<': 4, '<=': 4, '>': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6 };

/** Renders an expression tree; a dispatch over every node kind so a new kind does not compile until handled. */
export function renderExpr(node: ExprNode, d: Dialect, parent = 0): string {
  const r = (n: ExprNode, p = 0) => renderExpr(n, d, p);
  switch (node.kind) {
    case 'column': return node.rel ? `${node.rel}.${node.name}` : node.name;
    case 'literal': return quoteLiteral(node.value);
    case 'binary': {
      const p = PRECEDENCE[node.op]!;
      const s = `${r(node.left, p)} ${node.op} ${r(node.right, p + 1)}`;
      return p < parent || (p === parent && p >= 4) ? `(${s})` : s;
    }
    case 'not': return `NOT (${r(node.arg)})`;
    case 'isNull': return `${r(node.arg, 7)} IS ${node.negated ? 'NOT ' : ''}NULL`;
    case 'in': return `${r(node.arg, 7)} IN (${node.values.map((v) => r(v)).join(', ')})`;
    case 'case': {
      const whens = node.whens.map(([c, v]) => `WHEN ${r(c)} THEN ${r(v)}`).join(' ');
      return `CASE ${whens}${node.otherwise ? ` ELSE ${r(node.otherwise)}` : ''} END`;
    }
    case 'call': return `${node.fn}(${node.args.map((a) => r(a)).join(', ')})`;
    case 'dateTrunc': return `DATE_TRUNC('${node.grain}', ${r(node.arg)})`;
    // The operands of `to - from`: a compound `from` must not re-associate (`to - a - b`).
    case 'secondsBetween': return d.secondsBetween(r(node.from, PRECEDENCE['-']! + 1), r(node.to, PRECEDENCE['-']!));
    case 'cast': return `CAST(${r(node.arg)} AS ${node.to})`;
    case 'raw': return `(${node.sql})`;
  }
}
