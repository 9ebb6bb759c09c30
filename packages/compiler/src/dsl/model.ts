import type { ExprNode, TimeGrain } from '../expr.ts';
import type { SourceLoc } from '../location.ts';
import type { ColType, Shape } from '../types.ts';
import type { StreamSource } from './stream-source.ts';
import type { DimensionSource } from './dimension-source.ts';
import type { AssertSpec } from './assert.ts';

/** Physical attributes of a Redshift relation. Those of an MV can be altered in place. */
export interface Physical {
  readonly distKey?: string;
  readonly distStyle?: 'even' | 'all' | 'key' | 'auto';
  readonly sortKey?: readonly string[];
  readonly autoRefresh?: boolean;
  readonly backup?: boolean;
}

/** An explicit, reasoned opt-out of the tenant-isolation pass. */
export interface TenantOptOut {
  readonly optOut: string;
}

export interface MeasureSpec {
  readonly name: string;
  readonly fn: 'count' | 'sum' | 'min' | 'max' | 'countDistinct';
  readonly arg: ExprNode | null;
  readonly filter: ExprNode | null;
  readonly type: ColType;
  /** How a rollup re-aggregates it; null: it cannot be rolled up (and why). */
  readonly rollup: 'sum' | 'min' | 'max' | null;
  readonly why?: string;
}

interface Base<K extends string> {
  readonly kind: K;
  readonly name: string;
  readonly loc: SourceLoc;
  readonly columns: Readonly<Record<string, ColType>>;
  readonly description?: string;
  /** Synced into the operational database (`mvkit sync`); servingView, aggregate and rollup only. */
  readonly served?: true;
  /** Checks on the model's rows after each refresh (`assert: { unique, notNull, ... }`). */
  readonly assert?: AssertSpec;
}

export interface StreamModel extends Base<'stream'> {
  readonly key: readonly string[];
  readonly tenant: string;
  readonly eventTime: string;
  /** Events may have no event time (the loader requires one otherwise). */
  readonly eventTimeOptional?: true;
  readonly physical: Physical;
  /** Redshift: read by streaming ingestion from Kinesis or MSK/Kafka (dsl/stream-source.ts). */
  readonly source?: StreamSource;
}

export interface DimensionModel extends Base<'dimension'> {
  readonly key: readonly string[];
  readonly tenant: string | null;
  readonly globalReason: string | null;
  /** `onDelete: { keep }`: the TIMESTAMP column a CDC delete sets instead of deleting the row. */
  readonly softDelete?: string;
  readonly physical: Physical;
  /** Redshift: read from Aurora PostgreSQL by federated query (dsl/dimension-source.ts). */
  readonly source?: DimensionSource;
}

export interface PivotSpec {
  readonly name: string;
  readonly fn: 'min' | 'max' | 'sum';
  readonly stream: string;
  readonly arg: ExprNode | null;
  readonly filter: ExprNode | null;
  readonly type: ColType;
}

export interface StreamJoinModel extends Base<'streamJoin'> {
  readonly streams: Readonly<Record<string, StreamModel>>;
  readonly key: readonly string[];
  readonly tenant: string;
  readonly landing: string;
  readonly discriminator: string;
  readonly pivot: readonly PivotSpec[];
  readonly physical: Physical;
  readonly landingPhysical: Physical;
}

export interface JoinSpec {
  readonly dimension: DimensionModel;
  readonly alias: string;
  /** [dimension column, input column] pairs of the equi-join. */
  readonly on: readonly (readonly [string, string])[];
  /** The dimension columns carried into the output. */
  readonly columns: readonly string[];
  /** [output name, dimension column] of each carried column, in order (the same names unless renamed). */
  readonly carry: readonly (readonly [string, string])[];
}

export interface EnrichmentModel extends Base<'enrichment'> {
  readonly from: Model;
  readonly joins: readonly JoinSpec[];
  readonly derive: readonly { readonly name: string; readonly expr: ExprNode }[];
  readonly where: ExprNode | null;
  readonly tenant: string | null;
  readonly tenantIsolation?: TenantOptOut;
  readonly physical: Physical;
}

export interface Bucket {
  readonly name: string;
  readonly grain: TimeGrain;
  readonly column: string;
}

export interface AggregateModel extends Base<'aggregate'> {
  readonly from: Model;
  readonly groupBy: readonly string[];
  readonly bucket: Bucket | null;
  readonly where: ExprNode | null;
  readonly measures: readonly MeasureSpec[];
  readonly tenant: string | null;
  readonly tenantIsolation?: TenantOptOut;
  readonly physical: Physical;
}

export interface RollupModel extends Base<'rollup'> {
  readonly from: AggregateModel | RollupModel;
  readonly groupBy: readonly string[];
  readonly bucket: Bucket | null;
  readonly measures: readonly MeasureSpec[];
  /** Names the analyst asked for, kept to report a missing or non-additive one. */
  readonly requested: readonly string[];
  readonly tenant: string | null;
  readonly tenantIsolation?: TenantOptOut;
  readonly physical: Physical;
}

export interface ViewModel extends Base<'view'> {
  readonly from: Model;
  readonly select: readonly { readonly name: string; readonly expr: ExprNode }[];
  readonly where: ExprNode | null;
}

export interface SqlModel extends Base<'sql'> {
  readonly materialized: 'mv' | 'view';
  readonly template: string;
  readonly refs: readonly (Model | string)[];
  readonly tenant: string | null;
  readonly tenantIsolation?: TenantOptOut;
  readonly physical: Physical;
}

export type Model = StreamModel | DimensionModel | StreamJoinModel | EnrichmentModel | AggregateModel | RollupModel | ViewModel | SqlModel;
export type ModelKind = Model['kind'];

/** What a declaration returns: the runtime model plus its shape, for the models built on it. */
export type Typed<M extends Model, S extends Shape> = M & { readonly __shape?: S };
export type ShapeOfModel<M> = M extends { readonly __shape?: infer S } ? (S extends Shape ? S : never) : never;

export function isModel(value: unknown): value is Model {
  return typeof value === 'object' && value !== null && MODEL_MARK in value;
}
export const MODEL_MARK = Symbol.for('mvkit.model');

export function freezeModel<M extends Model>(m: M): M {
  Object.defineProperty(m, MODEL_MARK, { value: true, enumerable: false });
  return Object.freeze(m);
}
