import type { ExprNode } from '../expr.ts';

/**
 * The ONE select of a materialized node as a typed tree: the Redshift MV body, the local
 * engine's full-recompute query and the source of its delta programs are all read from it.
 * Every node is an immutable plain object with a `kind` discriminant (JSON-serializable: the
 * manifest carries it). Structure is read from the tree, never from rendered SQL.
 */
export type QueryNode = SelectNode | OpaqueNode;

/** One relation of the FROM list. A stream that lands in a stream join's shared table carries its discriminator. */
export interface RelationNode {
  readonly kind: 'relation';
  readonly name: string;
  readonly alias: string | null;
  /** Only this stream's rows of a shared landing table: `column = value`. */
  readonly member: { readonly column: string; readonly value: string } | null;
}

/** An inner join of a relation, on a condition over the relations before it. */
export interface JoinNode {
  readonly kind: 'join';
  readonly relation: RelationNode;
  readonly on: ExprNode;
}

/** An output column that is not an aggregate (a group key when the select groups). */
export interface ProjectionNode {
  readonly kind: 'projection';
  readonly name: string;
  readonly expr: ExprNode;
}

export type AggregateFn = 'count' | 'sum' | 'min' | 'max' | 'countDistinct';

/**
 * An aggregate output column: `fn(arg)` over the rows where `filter` holds (SQL's FILTER
 * (WHERE ...), folded as `CASE WHEN filter THEN arg END`); `arg` null is COUNT(*).
 */
export interface AggregateNode {
  readonly kind: 'aggregate';
  readonly name: string;
  readonly fn: AggregateFn;
  readonly arg: ExprNode | null;
  readonly filter: ExprNode | null;
  /**
   * The folded argument is never NULL (a countIf's CASE ... THEN 1 ELSE 0, or a rollup of such a
   * measure), so the aggregate of a group that has rows is never NULL either. False: unknown.
   */
  readonly notNull: boolean;
}

export type OutputNode = ProjectionNode | AggregateNode;

export interface SelectNode {
  readonly kind: 'select';
  readonly from: RelationNode;
  readonly joins: readonly JoinNode[];
  readonly where: ExprNode | null;
  /** Null: the select does not aggregate. Else the group expressions: every projection's. */
  readonly groupBy: readonly ExprNode[] | null;
  /** Unique output names, in order. */
  readonly outputs: readonly OutputNode[];
}

/** A SQL model whose select does not fit the tree: its text is run as it is, recomputed in full. */
export interface OpaqueNode {
  readonly kind: 'opaque';
  readonly sql: string;
  /** Why it does not fit (shown by validate and refresh). */
  readonly reason: string;
}

export type IrNode = QueryNode | RelationNode | JoinNode | ProjectionNode | AggregateNode;
export type IrKind = IrNode['kind'];

export const relation = (name: string, alias: string | null = null, member: RelationNode['member'] = null): RelationNode =>
  Object.freeze({ kind: 'relation', name, alias, member });
export const join = (rel: RelationNode, on: ExprNode): JoinNode => Object.freeze({ kind: 'join', relation: rel, on });
export const projection = (name: string, expr: ExprNode): ProjectionNode => Object.freeze({ kind: 'projection', name, expr });
export const aggregateOf = (name: string, fn: AggregateFn, arg: ExprNode | null, filter: ExprNode | null = null, notNull = false): AggregateNode =>
  Object.freeze({ kind: 'aggregate', name, fn, arg, filter, notNull });
export const opaque = (sql: string, reason: string): OpaqueNode => Object.freeze({ kind: 'opaque', sql, reason });

export function select(from: RelationNode, joins: readonly JoinNode[], where: ExprNode | null, outputs: readonly OutputNode[], grouped: boolean): SelectNode {
  const names = outputs.map((o) => o.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new TypeError(`two output columns named ${dup}`);
  const groupBy = grouped ? outputs.filter((o): o is ProjectionNode => o.kind === 'projection').map((p) => p.expr) : null;
  return Object.freeze({ kind: 'select', from, joins: Object.freeze([...joins]), where, groupBy, outputs: Object.freeze([...outputs]) });
}

/** Every relation read, the driving one first. */
export function relationsOf(s: SelectNode): readonly RelationNode[] {
  return [s.from, ...s.joins.map((j) => j.relation)];
}

/** The name expressions use for a relation: its alias, else its name. */
export const scopeOf = (r: RelationNode): string => r.alias ?? r.name;
