import { UnknownColumnError } from './column-scope.ts';
import type { BaseType, ColType, Shape } from './types.ts';

/** One immutable node per SQL expression construct, with a `kind` discriminant. */
export type ExprNode =
  | { readonly kind: 'column'; readonly rel: string | null; readonly name: string }
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: ExprNode; readonly right: ExprNode }
  | { readonly kind: 'not'; readonly arg: ExprNode }
  | { readonly kind: 'isNull'; readonly arg: ExprNode; readonly negated: boolean }
  | { readonly kind: 'in'; readonly arg: ExprNode; readonly values: readonly ExprNode[] }
  | { readonly kind: 'case'; readonly whens: readonly (readonly [ExprNode, ExprNode])[]; readonly otherwise: ExprNode | null }
  | { readonly kind: 'call'; readonly fn: 'COALESCE' | 'LEAST' | 'GREATEST' | 'ABS' | 'ROUND'; readonly args: readonly ExprNode[] }
  | { readonly kind: 'dateTrunc'; readonly grain: TimeGrain; readonly arg: ExprNode }
  | { readonly kind: 'secondsBetween'; readonly from: ExprNode; readonly to: ExprNode }
  | { readonly kind: 'cast'; readonly arg: ExprNode; readonly to: string }
  | { readonly kind: 'raw'; readonly sql: string };

export type BinaryOp = '=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR' | '+' | '-' | '*' | '/';
export type TimeGrain = 'minute' | 'hour' | 'day' | 'week' | 'month';
export const TIME_GRAINS: readonly TimeGrain[] = ['minute', 'hour', 'day', 'week', 'month'];

type Lit<B extends BaseType> = B extends 'text' ? string : B extends 'number' ? number : B extends 'boolean' ? boolean : string;
type Operand<B extends BaseType> = Expr<B> | Lit<B>;

/** A typed SQL expression. The type parameter is what makes `sum(c.country)` a tsc error. */
export class Expr<B extends BaseType> {
  declare readonly __base: B;
  /** The SQL type, when known: a column's declared type, carried into MIN/MAX/SUM. */
  constructor(readonly node: ExprNode, readonly base: B, readonly sqlType?: string) {}

  eq(other: Operand<B>): Expr<'boolean'> { return compare('=', this, other); }
  ne(other: Operand<B>): Expr<'boolean'> { return compare('<>', this, other); }
  lt(other: Operand<B>): Expr<'boolean'> { return compare('<', this, other); }
  lte(other: Operand<B>): Expr<'boolean'> { return compare('<=', this, other); }
  gt(other: Operand<B>): Expr<'boolean'> { return compare('>', this, other); }
  gte(other: Operand<B>): Expr<'boolean'> { return compare('>=', this, other); }
  in(values: readonly Lit<B>[]): Expr<'boolean'> {
    return new Expr({ kind: 'in', arg: this.node, values: values.map((v) => toNode(v)) }, 'boolean');
  }
  isNull(): Expr<'boolean'> { return new Expr({ kind: 'isNull', arg: this.node, negated: false }, 'boolean'); }
  isNotNull(): Expr<'boolean'> { return new Expr({ kind: 'isNull', arg: this.node, negated: true }, 'boolean'); }

  and(this: Expr<'boolean'>, other: Expr<'boolean'>): Expr<'boolean'> { return binary('AND', this, other, 'boolean'); }
  or(this: Expr<'boolean'>, other: Expr<'boolean'>): Expr<'boolean'> { return binary('OR', this, other, 'boolean'); }
  not(this: Expr<'boolean'>): Expr<'boolean'> { return new Expr({ kind: 'not', arg: this.node }, 'boolean'); }

  plus(this: Expr<'number'>, other: Operand<'number'>): Expr<'number'> { return binary('+', this, other, 'number'); }
  minus(this: Expr<'number'>, other: Operand<'number'>): Expr<'number'> { return binary('-', this, other, 'number'); }
  times(this: Expr<'number'>, other: Operand<'number'>): Expr<'number'> { return binary('*', this, other, 'number'); }
  div(this: Expr<'number'>, other: Operand<'number'>): Expr<'number'> { return binary('/', this, other, 'number'); }
}

export type Columns<S extends Shape> = { readonly [K in keyof S]: Expr<S[K]> };

function toNode(v: Expr<BaseType> | string | number | boolean | null): ExprNode {
  return v instanceof Expr ? v.node : { kind: 'literal', value: v };
}
function compare<B extends BaseType>(op: BinaryOp, a: Expr<B>, b: Operand<B>): Expr<'boolean'> {
  return new Expr({ kind: 'binary', op, left: a.node, right: toNode(b) }, 'boolean');
}
function binary<B extends BaseType>(op: BinaryOp, a: Expr<BaseType>, b: Expr<BaseType> | Lit<BaseType>, base: B): Expr<B> {
  return new Expr({ kind: 'binary', op, left: a.node, right: toNode(b) }, base);
}

export const lit = <V extends string | number | boolean>(value: V): Expr<V extends string ? 'text' : V extends number ? 'number' : 'boolean'> =>
  new Expr({ kind: 'literal', value }, (typeof value === 'string' ? 'text' : typeof value === 'number' ? 'number' : 'boolean') as never);

/** DATE_TRUNC: stays incremental on Redshift although it is a date function. */
export const dateTrunc = (grain: TimeGrain, e: Expr<'timestamp' | 'date'>): Expr<'timestamp'> =>
  new Expr({ kind: 'dateTrunc', grain, arg: e.node }, 'timestamp');

/** Whole seconds from `from` to `to`: the floor of the elapsed seconds, on every target (see the dialects). */
export const secondsBetween = (from: Expr<'timestamp'>, to: Expr<'timestamp'>): Expr<'number'> =>
  new Expr({ kind: 'secondsBetween', from: from.node, to: to.node }, 'number');

export function when<B extends BaseType>(cases: readonly (readonly [Expr<'boolean'>, Expr<B> | Lit<B>])[], otherwise?: Expr<B> | Lit<B>): Expr<B> {
  const first = cases[0]?.[1];
  const base = (first instanceof Expr ? first.base : typeof first === 'number' ? 'number' : typeof first === 'boolean' ? 'boolean' : 'text') as B;
  return new Expr({ kind: 'case', whens: cases.map(([c, v]) => [c.node, toNode(v)] as const), otherwise: otherwise === undefined ? null : toNode(otherwise) }, base);
}

export const coalesce = <B extends BaseType>(...args: [Expr<B>, ...(Expr<B> | Lit<B>)[]]): Expr<B> =>
  new Expr({ kind: 'call', fn: 'COALESCE', args: args.map((a) => toNode(a)) }, args[0].base);

export const cast = <B extends BaseType>(e: Expr<BaseType>, sqlType: string, base: B): Expr<B> =>
  new Expr({ kind: 'cast', arg: e.node, to: sqlType }, base);

/** Numerator / denominator as a float, NULL when the denominator is 0 (serving views). */
export const ratio = (num: Expr<'number'>, den: Expr<'number'>): Expr<'number'> =>
  new Expr({
    kind: 'case',
    whens: [[{ kind: 'binary', op: '=', left: den.node, right: { kind: 'literal', value: 0 } }, { kind: 'literal', value: null }]],
    otherwise: { kind: 'binary', op: '/', left: { kind: 'cast', arg: num.node, to: 'DOUBLE PRECISION' }, right: den.node },
  }, 'number');

/** An escape hatch: SQL text the compiler does not look into. */
export const sqlExpr = <B extends BaseType>(sql: string, base: B): Expr<B> => new Expr({ kind: 'raw', sql }, base);

/** Property reads that are not column names: promise checks, serializers, inspectors, test matchers. */
const NOT_COLUMNS = new Set(['then', 'toJSON', 'constructor', 'valueOf', 'toString', 'inspect', 'asymmetricMatch', 'nodeType', '$$typeof', '__proto__', 'prototype', 'length']);

/**
 * Typed column references; `resolve` says which relation alias and column each name reads.
 * Reading a name that is not a column throws an UnknownColumnError (tsc catches it in a typed
 * file; a JavaScript file or a loose type would otherwise fail later on `undefined.node`).
 */
export function columnsOf<S extends Shape>(shape: Readonly<Record<string, BaseType | ColType>>, resolve: string | null | ((name: string) => readonly [string | null, string]) = null, owner?: string): Columns<S> {
  const out: Record<string, Expr<BaseType>> = {};
  for (const [name, type] of Object.entries(shape)) {
    const [rel, col] = typeof resolve === 'function' ? resolve(name) : [resolve, name];
    out[name] = typeof type === 'string' ? new Expr({ kind: 'column', rel, name: col }, type) : new Expr({ kind: 'column', rel, name: col }, type.base, type.sql);
  }
  return new Proxy(out, {
    get(target, prop, receiver) {
      if (typeof prop === 'symbol' || prop in target || NOT_COLUMNS.has(prop)) return Reflect.get(target, prop, receiver);
      throw new UnknownColumnError(prop, Object.keys(target), owner);
    },
  }) as Columns<S>;
}

/**
 * Estimates a quantile from cumulative histogram buckets (count of values <= bound): the
 * smallest bound whose bucket holds at least q of the total. Buckets stay additive, so this
 * works at every grain of a rollup; percentiles themselves do not roll up.
 */
export function quantileFromBuckets(q: number, total: Expr<'number'>, buckets: readonly (readonly [number, Expr<'number'>])[]): Expr<'number'> {
  const target = (n: ExprNode): ExprNode => ({ kind: 'binary', op: '>=', left: n, right: { kind: 'binary', op: '*', left: { kind: 'literal', value: q }, right: total.node } });
  return new Expr({
    kind: 'case',
    whens: [
      [{ kind: 'binary', op: '=', left: total.node, right: { kind: 'literal', value: 0 } }, { kind: 'literal', value: null }],
      ...buckets.map(([bound, col]) => [target(col.node), { kind: 'literal', value: bound }] as const),
    ],
    otherwise: null,
  }, 'number');
}
