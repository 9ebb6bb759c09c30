import { columnsOf, type Columns, type Expr } from '../expr.ts';
import { assertOf, type AssertSpec } from './assert.ts';
import { callSite } from '../location.ts';
import type { BaseType, ColType, ColumnTypes, Shape, ShapeOf } from '../types.ts';
import { sqlTypeOf } from './enrichment.ts';
import { freezeModel, type Model, type Physical, type ShapeOfModel, type SqlModel, type TenantOptOut, type Typed, type ViewModel } from './model.ts';

type AnyModel = Typed<Model, Shape>;
type SelectShape<D> = { [K in keyof D]: D[K] extends Expr<infer B> ? B : never };

export interface ServingViewOptions<F extends AnyModel, D extends Record<string, Expr<BaseType>>> {
  from: F;
  select: (c: Columns<ShapeOfModel<F>>) => D;
  where?: (c: Columns<ShapeOfModel<F>>) => Expr<'boolean'>;
  description?: string;
  /**
   * Sync its rows into the operational database (`mvkit sync`), isolated per tenant. The view
   * must select the key columns of the MV beneath unchanged: they are its rows' key there.
   */
  served?: boolean;
  assert?: AssertSpec;
}

/** A plain view for ratios and derived metrics, computed at query time over an MV. */
export function servingView<const F extends AnyModel, const D extends Record<string, Expr<BaseType>>>(
  name: string,
  options: ServingViewOptions<F, D>,
): Typed<ViewModel, SelectShape<D>> {
  const loc = callSite();
  const input = options.from as Model;
  const cols = columnsOf(input.columns, null);
  const selected = Object.entries(options.select(cols as never) as Record<string, Expr<BaseType>>);
  const columns: Record<string, ColType> = {};
  for (const [n, e] of selected) {
    columns[n] = e.node.kind === 'column' && input.columns[e.node.name] ? input.columns[e.node.name]! : { base: e.base, sql: sqlTypeOf(e) };
  }
  return freezeModel({
    kind: 'view',
    name,
    loc,
    columns,
    from: input,
    select: selected.map(([n, e]) => ({ name: n, expr: e.node })),
    where: options.where ? options.where(cols as never).node : null,
    description: options.description,
    ...(options.served ? { served: true as const } : {}),
    ...assertOf(options),
  }) as never;
}

export interface SqlModelOptions<C extends ColumnTypes> {
  /** `mv`: a materialized view (analyzed for incremental refresh); `view`: a plain view. */
  materialized: 'mv' | 'view';
  /**
   * Handlebars SQL. `{{ref "model"}}` names another model (and records the dependency);
   * every file in macros/ is a partial: `{{> safe_ratio num="delivered" den="sent"}}`.
   */
  sql: string;
  /** The output columns and their types, so that models built on this one are typed. */
  columns: C;
  /** Models referenced as objects (typed) besides the names used in `{{ref}}`. */
  refs?: readonly (AnyModel | string)[];
  tenant?: (keyof C & string) | null;
  tenantIsolation?: TenantOptOut;
  physical?: Physical;
  description?: string;
  assert?: AssertSpec<keyof C & string>;
}

/** The escape hatch: a model written in SQL. */
export function sqlModel<const C extends ColumnTypes>(name: string, options: SqlModelOptions<C>): Typed<SqlModel, ShapeOf<C>> {
  return freezeModel({
    kind: 'sql',
    name,
    loc: callSite(),
    columns: options.columns,
    materialized: options.materialized,
    template: options.sql,
    refs: (options.refs ?? []) as readonly (Model | string)[],
    tenant: options.tenant ?? null,
    tenantIsolation: options.tenantIsolation,
    physical: options.physical ?? {},
    description: options.description,
    ...assertOf(options),
  }) as never;
}
