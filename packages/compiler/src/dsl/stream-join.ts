import { columnsOf, type Columns, type Expr } from '../expr.ts';
import { assertOf, type AssertSpec } from './assert.ts';
import { callSite } from '../location.ts';
import type { BaseType, ColType, Shape } from '../types.ts';
import { freezeModel, type PivotSpec, type Physical, type ShapeOfModel, type StreamJoinModel, type StreamModel, type Typed } from './model.ts';

/** A pivoted value: one column of the stream-join MV. */
export interface PivotColumn<B extends BaseType> {
  readonly __pivot: B;
  readonly spec: Omit<PivotSpec, 'name' | 'stream'>;
}

type Cond<S extends Shape> = (c: Columns<S>) => Expr<'boolean'>;

export interface PivotBuilder<S extends Shape> {
  /** MIN of a column over this stream's events of the key. */
  min<K extends keyof S & string>(column: K, where?: Cond<S>): PivotColumn<S[K]>;
  max<K extends keyof S & string>(column: K, where?: Cond<S>): PivotColumn<S[K]>;
  /** Number of this stream's events of the key (matching `where`). */
  count(where?: Cond<S>): PivotColumn<'number'>;
}

type StreamsShape = Record<string, Typed<StreamModel, Shape>>;
type CommonKeys<T extends StreamsShape> = { [A in keyof T]: keyof ShapeOfModel<T[A]> }[keyof T] & string;

export interface StreamJoinOptions<T extends StreamsShape, K extends CommonKeys<T>, P extends Record<string, PivotColumn<BaseType>>> {
  /** The streams landed together, by the value their events carry in the discriminator column. */
  streams: T;
  /** The join key: both landing sort key and pivot group key. Must start with the tenant column. */
  key: readonly K[];
  tenant: K;
  pivot: (s: { [A in keyof T]: PivotBuilder<ShapeOfModel<T[A]>> }) => P;
  /** Name of the shared landing table (default: `<name>_events`). */
  landing?: string;
  /** Column of the landing table that says which stream an event came from. */
  discriminator?: string;
  physical?: Physical;
  landingPhysical?: Physical;
  description?: string;
  assert?: AssertSpec;
}

type KeyShape<T extends StreamsShape, K extends string> = { [X in K]: ShapeOfModel<T[keyof T]>[X] };
type PivotShape<P> = { [X in keyof P]: P[X] extends PivotColumn<infer B> ? B : never };

/**
 * Two or more streams landed in ONE table sorted by the join key, pivoted into one row per key
 * by an aggregating MV. Either stream's events may arrive first: the pivot only aggregates.
 */
export function streamJoin<const T extends StreamsShape, const K extends CommonKeys<T>, const P extends Record<string, PivotColumn<BaseType>>>(
  name: string,
  options: StreamJoinOptions<T, K, P>,
): Typed<StreamJoinModel, KeyShape<T, K> & PivotShape<P>> {
  const loc = callSite();
  const builders: Record<string, PivotBuilder<Shape>> = {};
  for (const [alias, s] of Object.entries(options.streams)) builders[alias] = pivotBuilder(s);
  const pivots = options.pivot(builders as never) as Record<string, PivotColumn<BaseType>>;
  const streamOf = new Map<PivotColumn<BaseType>, string>();
  for (const [alias, b] of Object.entries(builders)) for (const p of (b as unknown as { made: PivotColumn<BaseType>[] }).made) streamOf.set(p, alias);
  const pivot: PivotSpec[] = Object.entries(pivots).map(([col, p]) => ({ name: col, stream: streamOf.get(p) ?? '?', ...p.spec }));
  const first = Object.values(options.streams)[0]!;
  const columns: Record<string, ColType> = {};
  for (const k of options.key) columns[k] = first.columns[k]!;
  for (const p of pivot) columns[p.name] = p.type;
  return freezeModel({
    kind: 'streamJoin',
    name,
    loc,
    columns,
    streams: options.streams,
    key: options.key,
    tenant: options.tenant,
    landing: options.landing ?? `${name}_events`,
    discriminator: options.discriminator ?? 'event_stream',
    pivot,
    physical: options.physical ?? {},
    landingPhysical: options.landingPhysical ?? {},
    description: options.description,
    ...assertOf(options),
  }) as never;
}

function pivotBuilder(s: StreamModel): PivotBuilder<Shape> {
  const made: PivotColumn<BaseType>[] = [];
  const cols = columnsOf(s.columns, null);
  const make = (spec: PivotColumn<BaseType>['spec']) => {
    const p = { spec } as PivotColumn<BaseType>;
    made.push(p);
    return p;
  };
  const filter = (where?: Cond<Shape>) => (where ? where(cols).node : null);
  const builder = {
    made,
    min: (column: string, where?: Cond<Shape>) =>
      make({ fn: 'min', arg: { kind: 'column', rel: null, name: column }, filter: filter(where), type: s.columns[column]! }),
    max: (column: string, where?: Cond<Shape>) =>
      make({ fn: 'max', arg: { kind: 'column', rel: null, name: column }, filter: filter(where), type: s.columns[column]! }),
    count: (where?: Cond<Shape>) => make({ fn: 'sum', arg: null, filter: filter(where), type: { base: 'number', sql: 'BIGINT' } }),
  };
  return builder as unknown as PivotBuilder<Shape>;
}
