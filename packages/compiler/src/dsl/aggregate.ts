import { columnsOf, type Columns, type Expr, type TimeGrain } from '../expr.ts';
import { assertOf, type AssertSpec } from './assert.ts';
import { callSite } from '../location.ts';
import type { BaseType, ColType, KeysOfType, Shape } from '../types.ts';
import { sqlTypeOf } from './enrichment.ts';
import { tenantOf } from '../kinds/index.ts';
import {
  freezeModel, type AggregateModel, type Bucket, type MeasureSpec, type Model, type Physical, type RollupModel,
  type ShapeOfModel, type TenantOptOut, type Typed,
} from './model.ts';

/** A measure's additivity decides whether, and how, a rollup may re-aggregate it. */
export type Additivity = 'additive' | 'avg' | 'nonAdditive';

export interface Measure<B extends BaseType, A extends Additivity> {
  readonly __measure?: [B, A];
  readonly specs: (name: string) => MeasureSpec[];
}

const BIGINT: ColType = { base: 'number', sql: 'BIGINT' };

function measure<B extends BaseType, A extends Additivity>(specs: (name: string) => MeasureSpec[]): Measure<B, A> {
  return { specs };
}

/** Measures, each stored so that rollups stay exact (AVG is stored as its SUM and COUNT). */
export const measures = {
  count: (): Measure<'number', 'additive'> =>
    measure((name) => [{ name, fn: 'count', arg: null, filter: null, type: BIGINT, rollup: 'sum' }]),
  countIf: (where: Expr<'boolean'>): Measure<'number', 'additive'> =>
    measure((name) => [{ name, fn: 'sum', arg: { kind: 'literal', value: 1 }, filter: where.node, type: BIGINT, rollup: 'sum' }]),
  sum: (e: Expr<'number'>): Measure<'number', 'additive'> =>
    measure((name) => [{ name, fn: 'sum', arg: e.node, filter: null, type: sumType(e), rollup: 'sum' }]),
  sumIf: (e: Expr<'number'>, where: Expr<'boolean'>): Measure<'number', 'additive'> =>
    measure((name) => [{ name, fn: 'sum', arg: e.node, filter: where.node, type: sumType(e), rollup: 'sum' }]),
  min: <B extends BaseType>(e: Expr<B>): Measure<B, 'additive'> =>
    measure((name) => [{ name, fn: 'min', arg: e.node, filter: null, type: { base: e.base, sql: sqlTypeOf(e) }, rollup: 'min' }]),
  max: <B extends BaseType>(e: Expr<B>): Measure<B, 'additive'> =>
    measure((name) => [{ name, fn: 'max', arg: e.node, filter: null, type: { base: e.base, sql: sqlTypeOf(e) }, rollup: 'max' }]),
  avg: (e: Expr<'number'>): Measure<'number', 'avg'> =>
    measure((name) => [
      { name: `${name}_sum`, fn: 'sum', arg: e.node, filter: null, type: sumType(e), rollup: 'sum' },
      { name: `${name}_count`, fn: 'count', arg: e.node, filter: null, type: BIGINT, rollup: 'sum' },
    ]),
  countDistinct: <B extends BaseType>(e: Expr<B>): Measure<'number', 'nonAdditive'> =>
    measure((name) => [{
      name, fn: 'countDistinct', arg: e.node, filter: null, type: BIGINT, rollup: null,
      why: 'a distinct count cannot be summed across groups (the same value may occur in several)',
    }]),
};
export type Measures = typeof measures;

/** SUM of an integer is a BIGINT, of a NUMERIC(p,s) a NUMERIC(38,s), of anything else a DOUBLE. */
function sumType(e: Expr<'number'>): ColType {
  const t = sqlTypeOf(e);
  if (e.node.kind === 'literal' || /^(SMALLINT|INTEGER|BIGINT)$/.test(t)) return { base: 'number', sql: 'BIGINT' };
  const numeric = /^NUMERIC\(\d+,(\d+)\)$/.exec(t);
  return { base: 'number', sql: numeric ? `NUMERIC(38,${numeric[1]})` : 'DOUBLE PRECISION' };
}

type AnyMeasure = Measure<BaseType, Additivity>;
type MeasureShape<M> = {
  [X in keyof M as M[X] extends Measure<BaseType, 'avg'> ? never : X]: M[X] extends Measure<infer B, Additivity> ? B : never;
} & {
  [X in keyof M as M[X] extends Measure<BaseType, 'avg'> ? `${X & string}_sum` | `${X & string}_count` : never]: 'number';
};
type AdditiveNames<M> = {
  [X in keyof M]: M[X] extends Measure<BaseType, 'nonAdditive'> ? never : M[X] extends Measure<BaseType, 'avg'> ? `${X & string}_sum` | `${X & string}_count` : X;
}[keyof M] & string;

/** Type-level facts a rollup needs: the group columns it may keep and the measures it may roll up. */
export interface Grain<G extends string, A extends string> {
  readonly __groups?: G;
  readonly __additive?: A;
}

type AnyModel = Typed<Model, Shape>;

export interface AggregateOptions<F extends AnyModel, G extends keyof ShapeOfModel<F> & string, BN extends string, M extends Record<string, AnyMeasure>> {
  from: F;
  groupBy: readonly G[];
  /** A time bucket: DATE_TRUNC(grain, column) AS name (stays incremental on Redshift). */
  bucket?: { name: BN; grain: TimeGrain; column: KeysOfType<ShapeOfModel<F>, 'timestamp' | 'date'> };
  where?: (c: Columns<ShapeOfModel<F>>) => Expr<'boolean'>;
  measures: (m: Measures, c: Columns<ShapeOfModel<F>>) => M;
  tenantIsolation?: TenantOptOut;
  physical?: Physical;
  description?: string;
  /** Sync its rows into the operational database (`mvkit sync`), isolated per tenant. */
  served?: boolean;
  assert?: AssertSpec;
}

export type AggregateOut<F extends AnyModel, G extends string, BN extends string, M> = Typed<
  AggregateModel,
  Pick<ShapeOfModel<F>, G & keyof ShapeOfModel<F>> & { [X in BN]: 'timestamp' } & MeasureShape<M>
> & Grain<G | BN, AdditiveNames<M>>;

/** GROUP BY columns and a time bucket, with additive measures: an aggregating MV. */
export function aggregate<const F extends AnyModel, const G extends keyof ShapeOfModel<F> & string, const BN extends string = never, const M extends Record<string, AnyMeasure> = {}>(
  name: string,
  options: AggregateOptions<F, G, BN, M>,
): AggregateOut<F, G, [BN] extends [never] ? never : BN, M> {
  const loc = callSite();
  const input = options.from as Model;
  const cols = columnsOf(input.columns, null);
  const specs = Object.entries(options.measures(measures, cols as never)).flatMap(([n, m]) => (m as AnyMeasure).specs(n));
  const bucket: Bucket | null = options.bucket ? { ...options.bucket } : null;
  const columns: Record<string, ColType> = {};
  for (const g of options.groupBy) columns[g] = input.columns[g] ?? { base: 'text', sql: 'VARCHAR(256)' };
  if (bucket) columns[bucket.name] = { base: 'timestamp', sql: 'TIMESTAMP' };
  for (const s of specs) columns[s.name] = s.type;
  const inputTenant = tenantOf(input);
  return freezeModel({
    kind: 'aggregate',
    name,
    loc,
    columns,
    from: input,
    groupBy: options.groupBy,
    bucket,
    where: options.where ? options.where(cols as never).node : null,
    measures: specs,
    tenant: inputTenant && options.groupBy.includes(inputTenant as G) ? inputTenant : null,
    tenantIsolation: options.tenantIsolation,
    physical: options.physical ?? {},
    description: options.description,
    ...(options.served ? { served: true as const } : {}),
    ...assertOf(options),
  }) as never;
}

type AnyGrain = Typed<AggregateModel | RollupModel, Shape> & Grain<string, string>;
type GroupsOf<A> = A extends Grain<infer G, string> ? G : never;
type AdditiveOf<A> = A extends Grain<string, infer M> ? M : never;

export interface RollupOptions<F extends AnyGrain, G extends GroupsOf<F>, BN extends string, MS extends AdditiveOf<F>> {
  from: F;
  /** The group columns kept; the others are rolled up. */
  groupBy: readonly G[];
  /** A coarser time bucket over one of the input's buckets (hour → day). */
  bucket?: { name: BN; grain: TimeGrain; column: GroupsOf<F> };
  /** The measures rolled up, each by its additivity. */
  measures: readonly MS[];
  tenantIsolation?: TenantOptOut;
  physical?: Physical;
  description?: string;
  /** Sync its rows into the operational database (`mvkit sync`), isolated per tenant. */
  served?: boolean;
  assert?: AssertSpec;
}

/** Re-aggregates an aggregate to a coarser grain: sum of sums and counts, min of mins, max of maxes. */
export function rollup<const F extends AnyGrain, const G extends GroupsOf<F>, const BN extends string = never, const MS extends AdditiveOf<F> = never>(
  name: string,
  options: RollupOptions<F, G, BN, MS>,
): Typed<RollupModel, Pick<ShapeOfModel<F>, (G | MS) & keyof ShapeOfModel<F>> & { [X in [BN] extends [never] ? never : BN]: 'timestamp' }> &
  Grain<G | ([BN] extends [never] ? never : BN), MS> {
  const loc = callSite();
  const input = options.from as unknown as AggregateModel | RollupModel;
  const byName = new Map(input.measures.map((m) => [m.name, m]));
  const specs: MeasureSpec[] = [];
  for (const requested of options.measures as readonly string[]) {
    const m = byName.get(requested);
    // A missing or non-additive measure is reported by the structure pass, not compiled.
    if (m?.rollup) specs.push({ ...m, fn: m.rollup, arg: { kind: 'column', rel: null, name: m.name }, filter: null });
  }
  const bucket: Bucket | null = options.bucket ? { ...options.bucket } : null;
  const columns: Record<string, ColType> = {};
  for (const g of options.groupBy as readonly string[]) columns[g] = input.columns[g] ?? { base: 'text', sql: 'VARCHAR(256)' };
  if (bucket) columns[bucket.name] = { base: 'timestamp', sql: 'TIMESTAMP' };
  for (const s of specs) columns[s.name] = s.type;
  const inputTenant = input.tenant;
  return freezeModel({
    kind: 'rollup',
    name,
    loc,
    columns,
    from: input,
    groupBy: options.groupBy as readonly string[],
    bucket,
    measures: specs,
    requested: options.measures as readonly string[],
    tenant: inputTenant && (options.groupBy as readonly string[]).includes(inputTenant) ? inputTenant : null,
    tenantIsolation: options.tenantIsolation,
    physical: options.physical ?? {},
    description: options.description,
    ...(options.served ? { served: true as const } : {}),
    ...assertOf(options),
  }) as never;
}

export { tenantOf };
