import { columnsOf, type Columns, type Expr } from '../expr.ts';
import { assertOf, type AssertSpec } from './assert.ts';
import { callSite } from '../location.ts';
import type { BaseType, ColType, Shape } from '../types.ts';
import { freezeModel, type DimensionModel, type EnrichmentModel, type Model, type Physical, type ShapeOfModel, type TenantOptOut, type Typed } from './model.ts';

type AnyModel = Typed<Model, Shape>;
type AnyDim = Typed<DimensionModel, Shape>;

/** Carried columns: a list of dimension columns (same names), or `{ output: dimensionColumn }` to rename them. */
export type CarriedColumns<D extends AnyDim> = readonly (keyof ShapeOfModel<D> & string)[] | { readonly [out: string]: keyof ShapeOfModel<D> & string };

export interface JoinOptions<I extends Shape, D extends AnyDim, C extends CarriedColumns<D>> {
  dimension: D;
  /** dimension column → input column; an inner equi-join. */
  on: { readonly [K in keyof ShapeOfModel<D>]?: keyof I & string };
  /**
   * Dimension columns to carry into the output: `['name']`, or `{ store_name: 'name' }` to carry
   * `name` as `store_name` (two joins that carry one name must rename one of them).
   */
  columns: C;
}

/** The output shape of the carried columns, with the dimension's types. */
type CarriedShape<D extends AnyDim, C> = C extends readonly (infer N)[]
  ? Pick<ShapeOfModel<D>, N & keyof ShapeOfModel<D>>
  : { -readonly [K in keyof C]: ShapeOfModel<D>[C[K] & keyof ShapeOfModel<D>] };

/** Declares one join, keeping the dimension's columns typed. */
export function join<I extends Shape>() {
  return <const D extends AnyDim, const C extends CarriedColumns<D>>(j: JoinOptions<I, D, C>) => j as JoinOptions<I, D, C> & { __out?: CarriedShape<D, C> };
}

/** [output name, dimension column] of each carried column. */
function carriedOf(columns: CarriedColumns<AnyDim>): (readonly [string, string])[] {
  return Array.isArray(columns) ? columns.map((c: string) => [c, c] as const) : Object.entries(columns as Record<string, string>);
}

type JoinOut<J> = J extends { __out?: infer O } ? O : never;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type JoinsShape<J extends readonly unknown[]> = [J[number]] extends [never] ? {} : UnionToIntersection<JoinOut<J[number]>>;
type DeriveShape<D> = { [K in keyof D]: D[K] extends Expr<infer B> ? B : never };

export interface EnrichmentOptions<F extends AnyModel, J extends readonly unknown[], D extends Record<string, Expr<BaseType>>> {
  from: F;
  joins: (j: ReturnType<typeof join<ShapeOfModel<F>>>) => J;
  /** Computed columns over the input and the joined columns. */
  derive?: (c: Columns<ShapeOfModel<F> & JoinsShape<J>>) => D;
  where?: (c: Columns<ShapeOfModel<F> & JoinsShape<J>>) => Expr<'boolean'>;
  tenantIsolation?: TenantOptOut;
  physical?: Physical;
  description?: string;
  assert?: AssertSpec;
}

/** Inner joins of an input with dimensions on their keys: one MV with a row per input row. */
export function enrichment<const F extends AnyModel, const J extends readonly unknown[], const D extends Record<string, Expr<BaseType>> = {}>(
  name: string,
  options: EnrichmentOptions<F, J, D>,
): Typed<EnrichmentModel, ShapeOfModel<F> & JoinsShape<J> & DeriveShape<D>> {
  const loc = callSite();
  const input = options.from as Model;
  const joins = (options.joins(join()) as unknown as JoinOptions<Shape, AnyDim, CarriedColumns<AnyDim>>[]).map((j, i) => {
    const carry = carriedOf(j.columns);
    return {
      dimension: j.dimension as DimensionModel,
      alias: `d${i + 1}`,
      on: Object.entries(j.on).map(([d, c]) => [d, c as string] as const),
      columns: carry.map(([, c]) => c),
      carry,
    };
  });
  const columns: Record<string, ColType> = { ...input.columns };

  const sources: Record<string, readonly [string, string]> = {};
  for (const name of Object.keys(input.columns)) sources[name] = ['i', name];
  for (const j of joins) {
    for (const [out, c] of j.carry) {
      const type = j.dimension.columns[c];
      // A name carried twice is reported by validate (structure pass), naming both sources.
      if (out in columns) continue;
      columns[out] = type ?? { base: 'text', sql: 'VARCHAR(256)' };
      sources[out] = [j.alias, c];
    }
  }
  const scope = columnsOf(columns, (n) => sources[n] ?? ['i', n]);
  const derived = options.derive ? Object.entries(options.derive(scope as never) as Record<string, Expr<BaseType>>) : [];
  for (const [n, e] of derived) columns[n] = { base: e.base, sql: sqlTypeOf(e) };
  return freezeModel({
    kind: 'enrichment',
    name,
    loc,
    columns,
    from: input,
    joins,
    derive: derived.map(([n, e]) => ({ name: n, expr: e.node })),
    where: options.where ? options.where(scope as never).node : null,
    tenant: 'tenant' in input && typeof input.tenant === 'string' ? input.tenant : null,
    tenantIsolation: options.tenantIsolation,
    physical: options.physical ?? {},
    description: options.description,
    ...assertOf(options),
  }) as never;
}

export function sqlTypeOf(e: Expr<BaseType>): string {
  if (e.sqlType) return e.sqlType;
  switch (e.base) {
    case 'text': return 'VARCHAR(256)';
    case 'number': return e.node.kind === 'secondsBetween' ? 'BIGINT' : 'DOUBLE PRECISION';
    case 'boolean': return 'BOOLEAN';
    case 'timestamp': return 'TIMESTAMP';
    case 'date': return 'DATE';
  }
}
