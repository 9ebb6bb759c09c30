import type { ExprNode } from '../expr.ts';

import { DialectError } from '../errors.ts';
import type { ManifestColumn, PhysicalAttributes } from '../manifest.ts';
import { postgresCreateMvTable, postgresCreateTable, postgresCreateView } from './postgres.ts';
import { redshiftCreateMv, redshiftCreateTable, redshiftCreateView } from './redshift.ts';

/** What a target can do. Read by the emitters: a target without a capability never gets its SQL. */
export interface Capabilities {
  /** CREATE MATERIALIZED VIEW with incremental refresh; without it an MV is a table the local engine maintains. */
  readonly materializedViews: boolean;
  /** DISTSTYLE / DISTKEY / SORTKEY on tables and MVs. */
  readonly distribution: boolean;
  /** CREATE INDEX: an MV's storage gets a unique index on its key. */
  readonly indexes: boolean;
  /** GENERATED ... AS IDENTITY columns. */
  readonly identityColumns: boolean;
}

/**
 * Which SQL functions a target has, and under which name: the table lives in emit/functions.ts
 * (a validate pass reads it); null for a dialect that has none registered yet.
 */
export type FunctionTable = unknown;

/**
 * A target's SQL dialect, kysely-style: capability flags, and one render hook per construct whose
 * SQL differs between targets. Anything a target cannot do raises a DialectError, never degrades.
 */
export interface Dialect {
  readonly name: 'redshift' | 'postgres';
  readonly capabilities: Capabilities;
  readonly functions: FunctionTable | null;
  /** Whole seconds from `from` to `to` (operands already rendered, compound ones parenthesized). */
  secondsBetween(from: string, to: string): string;
  /** `physical` only on targets with distribution. */
  createTable(name: string, columns: readonly ManifestColumn[], physical: PhysicalAttributes | null, primaryKey: readonly string[] | null): string;
  /** Targets with materialized views. */
  createMaterializedView?(name: string, sql: string, physical: PhysicalAttributes | null): string;
  /** Targets without: the table the local engine stores an MV in; `key` only on targets with indexes. */
  createMvStorage?(name: string, columns: readonly ManifestColumn[], key: readonly string[] | null): string[];
  createView(name: string, sql: string): string;
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
  functions: null,
  secondsBetween: (from, to) => `CAST(FLOOR(DATE_PART(epoch, ${to} - ${from})) AS BIGINT)`,
  createTable: (name, columns, physical, pk) => redshiftCreateTable(name, columns, physical, pk),
  createMaterializedView: (name, sql, physical) => redshiftCreateMv(name, sql, physical),
  createView: redshiftCreateView,
};

/** Postgres and PGlite: MVs are tables that the local incremental engine maintains. */
export const postgres: Dialect = {
  name: 'postgres',
  capabilities: { materializedViews: false, distribution: false, indexes: true, identityColumns: true },
  functions: null,
  secondsBetween: (from, to) => `CAST(FLOOR(EXTRACT(EPOCH FROM (${to} - ${from}))) AS BIGINT)`,
  createTable: (name, columns, _physical, pk) => postgresCreateTable(name, columns, pk),
  createMvStorage: postgresCreateMvTable,
  createView: postgresCreateView,
};

export const dialects = { redshift, postgres } as const;
export type TargetName = keyof typeof dialects;

/** The dialect of a target name; an unknown name is an error, never a silent Postgres. */
export function dialectOf(name: string): Dialect {
  const d = (dialects as Readonly<Record<string, Dialect>>)[name];
  if (!d || !Object.hasOwn(dialects, name)) throw new DialectError(`unknown target dialect "${name}"`, { hint: `targets: ${Object.keys(dialects).join(', ')}` });
  return d;
}

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
  switch (node.kind) {
    case 'column': return node.rel ? `${node.rel}.${node.name}` : node.name;
    case 'literal': return quoteLiteral(node.value);
    case 'binary': {
      const p = PRECEDENCE[node.op]!;
      const s = `${renderExpr(node.left, d, p)} ${node.op} ${renderExpr(node.right, d, p + 1)}`;
      return p < parent || (p === parent && p >= 4) ? `(${s})` : s;
    }
    case 'not': return `NOT (${renderExpr(node.arg, d)})`;
    case 'isNull': return `${renderExpr(node.arg, d, 7)} IS ${node.negated ? 'NOT ' : ''}NULL`;
    case 'in': return `${renderExpr(node.arg, d, 7)} IN (${node.values.map((v) => renderExpr(v, d)).join(', ')})`;
    case 'case': {
      const whens = node.whens.map(([c, v]) => `WHEN ${renderExpr(c, d)} THEN ${renderExpr(v, d)}`).join(' ');
      return `CASE ${whens}${node.otherwise ? ` ELSE ${renderExpr(node.otherwise, d)}` : ''} END`;
    }
    case 'call': return `${node.fn}(${node.args.map((a) => renderExpr(a, d)).join(', ')})`;
    case 'dateTrunc': return `DATE_TRUNC('${node.grain}', ${renderExpr(node.arg, d)})`;
    // The operands of `to - from`: a compound `from` must not re-associate (`to - a - b`).
    case 'secondsBetween': return d.secondsBetween(renderExpr(node.from, d, PRECEDENCE['-']! + 1), renderExpr(node.to, d, PRECEDENCE['-']!));
    case 'cast': return `CAST(${renderExpr(node.arg, d)} AS ${node.to})`;
    case 'raw': return `(${node.sql})`;
  }
}
