import { callSite } from '../location.ts';
import { assertOf, type AssertSpec } from './assert.ts';
import type { ColumnTypes, KeysOfType, ShapeOf } from '../types.ts';
import type { StreamSource } from './stream-source.ts';
import type { DimensionSource } from './dimension-source.ts';
import { freezeModel, type DimensionModel, type Physical, type StreamModel, type Typed } from './model.ts';

export interface StreamOptions<C extends ColumnTypes> {
  columns: C;
  /** Columns that identify an event's entity (the stream-join key). */
  key: readonly (keyof C & string)[];
  /** The column every join and aggregate must carry (tenant isolation). */
  tenant: keyof C & string;
  eventTime: KeysOfType<ShapeOf<C>, 'timestamp'>;
  /**
   * Load events whose event time is empty. By default the loader rejects them (a NULL time falls out of
   * every per-day and per-hour view); set this when such events are expected and queries handle them.
   */
  eventTimeOptional?: boolean;
  /**
   * Redshift: read the events by streaming ingestion, `{ kinesis: { stream, iamRole } }` or
   * `{ kafka: { topic, brokers, authentication } }`, into a streaming MV instead of a landing table
   * loaded by COPY. The local engines still load the stream from landing files.
   */
  source?: StreamSource;
  physical?: Physical;
  description?: string;
  assert?: AssertSpec<keyof C & string>;
}

/** An append-only event table. */
export function stream<const C extends ColumnTypes>(name: string, options: StreamOptions<C>): Typed<StreamModel, ShapeOf<C>> {
  return freezeModel({
    kind: 'stream',
    name,
    loc: callSite(),
    columns: options.columns,
    key: options.key,
    tenant: options.tenant,
    eventTime: options.eventTime,
    // Only when declared, so that models (and manifests) that do not use it stay as they were.
    ...(options.eventTimeOptional ? { eventTimeOptional: true as const } : {}),
    ...(options.source ? { source: options.source } : {}),
    physical: options.physical ?? {},
    description: options.description,
    ...assertOf(options),
  });
}

export interface DimensionOptions<C extends ColumnTypes> {
  columns: C;
  key: readonly (keyof C & string)[];
  /** The tenant column, or `{ global: 'why' }` for master data shared by every tenant. */
  tenant: (keyof C & string) | { global: string };
  /**
   * What a CDC delete does. By default the row goes, and with it its events from every inner join built on
   * it, for every past day. `{ keep: column }` keeps the row and sets that nullable TIMESTAMP column to the
   * delete's time instead (a later insert or update of the key clears it), so history keeps its counts.
   */
  onDelete?: { keep: KeysOfType<ShapeOf<C>, 'timestamp'> };
  /**
   * Redshift: read the rows from an Aurora PostgreSQL table by federated query,
   * `{ postgres: { database, schema?, table?, uri, port?, iamRole, secretArn } }`, into a materialized view
   * instead of a CDC-loaded table. The local engines still load the dimension from landing files.
   */
  source?: DimensionSource;
  physical?: Physical;
  description?: string;
  assert?: AssertSpec<keyof C & string>;
}

/** Keyed, mutable master data, changed through CDC. */
export function dimension<const C extends ColumnTypes>(name: string, options: DimensionOptions<C>): Typed<DimensionModel, ShapeOf<C>> {
  return freezeModel({
    kind: 'dimension',
    name,
    loc: callSite(),
    columns: options.columns,
    key: options.key,
    tenant: typeof options.tenant === 'string' ? options.tenant : null,
    globalReason: typeof options.tenant === 'object' ? options.tenant.global : null,
    // Only when declared, so that models (and manifests) that do not use it stay as they were.
    ...(options.onDelete ? { softDelete: options.onDelete.keep } : {}),
    ...(options.source ? { source: options.source } : {}),
    // Master data is small: a copy on every node makes every join with it co-located.
    physical: options.physical?.distKey ? options.physical : { distStyle: 'all', ...options.physical },
    description: options.description,
    ...assertOf(options),
  });
}
