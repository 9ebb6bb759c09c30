import { columnsOf, type Columns, type Expr } from '../expr.ts';
import { callSite } from '../location.ts';
import type { BaseType, ColType, Shape } from '../types.ts';
import { freezeModel, type DimensionModel, type EnrichmentModel, type Model, type Physical, type ShapeOfModel, type TenantOptOut, type Typed } from './model.ts';

type AnyModel = Typed<Model, Shape>;
type AnyDim = Typed<DimensionModel, Shape>;

export interface JoinOptions<I extends Shape, D extends AnyDim, C extends keyof ShapeOfModel<D> & string> {
  dimension: D;
  /** dimension column → input column; an inner equi-join. */
  on: { readonly [K in keyof ShapeOfModel<D>]?: keyof I & string };
  /** Dimension columns to carry into the output. */
  columns: readonly C[];
}

/** Declares one join, keeping the dimension's columns typed. */
export function join<I extends Shape>() {
  return <const D extends AnyDim, const C extends keyof ShapeOfModel<D> & string>(j: JoinOptions<I, D, C>) => j as JoinOptions<I, D, C> & { __out?: Pick<ShapeOfModel<D>, C> };
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
}

/** Inner joins of an input with dimensions on their keys: one MV with a row per input row. */
export function enrichment<const F extends AnyModel, const J extends readonly unknown[], const D extends Record<string, Expr<BaseType>> = {}>(
  name: string,
  options: EnrichmentOptions<F, J, D>,
): Typed<EnrichmentModel, ShapeOfModel<F> & JoinsShape<J> & DeriveShape<D>> {
  const loc = callSite();
  const input = options.from as Model;
  const joins = (options.joins(join()) as unknown as JoinOptions<Shape, AnyDim, string>[]).map((j, i) => ({
    dimension: j.dimension as DimensionModel,
    alias: `d${i + 1}`,
    on: Object.entries(j.on).map(([d, c]) => [d, c as string] as const),
    columns: j.columns,
  }));
  const columns: Record<string, ColType> = { ...input.columns };

  const sources: Record<string, readonly [string, string]> = {};
  for (const name of Object.keys(input.columns)) sources[name] = ['i', name];
  for (const j of joins) {
    for (const c of j.columns) {
      const type = j.dimension.columns[c];
      columns[c] = type ?? { base: 'text', sql: 'VARCHAR(256)' };
      sources[c] = [j.alias, c];
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
