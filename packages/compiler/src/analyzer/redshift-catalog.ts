import type { FuncCall, SQLValueFunction } from 'libpg-query';

/*
 * What the analyzer knows of Redshift's functions and system relations, from the Redshift docs
 * listed in index.ts: [RF]/[RMV] for what recomputes, [CMV] for what CREATE refuses.
 * User-defined functions cannot be told from built-ins by name and are not judged.
 */

/** Aggregates Redshift maintains incrementally [RF]. */
export const INCREMENTAL_AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max']);

/** Aggregates that make Redshift recompute, with the way around each family. */
export const NON_INCREMENTAL_AGGREGATES = new Map<string, string>();
for (const name of ['median', 'percentile_cont', 'percentile_disc']) {
  NON_INCREMENTAL_AGGREGATES.set(
    name,
    'keep histogram buckets in the MV (SUM(CASE WHEN x < 100 THEN 1 ELSE 0 END) AS lt_100, ...) and estimate the percentile from them in a serving view',
  );
}
for (const name of ['stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop']) {
  NON_INCREMENTAL_AGGREGATES.set(
    name,
    'store COUNT(x), SUM(x) and SUM(x * x) in the MV and compute the deviation from them in a serving view',
  );
}
NON_INCREMENTAL_AGGREGATES.set('listagg', 'group by the listed column in the MV and LISTAGG in a serving view over it');
for (const name of ['bit_and', 'bit_or', 'bool_and', 'bool_or']) {
  NON_INCREMENTAL_AGGREGATES.set(
    name,
    'BOOL_OR(c) → MAX(CASE WHEN c THEN 1 ELSE 0 END), BOOL_AND(c) → MIN(CASE WHEN c THEN 1 ELSE 0 END); BIT_OR/BIT_AND → MAX/MIN of each bit',
  );
}

export const MUTABLE_FUNCTIONS = new Set([
  'getdate', 'sysdate', 'now', 'random', 'timeofday', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp',
]);
export const MUTABLE_VALUE_FUNCTIONS: Partial<Record<NonNullable<SQLValueFunction['op']>, string>> = {
  SVFOP_CURRENT_DATE: 'CURRENT_DATE',
  SVFOP_CURRENT_TIME: 'CURRENT_TIME',
  SVFOP_CURRENT_TIME_N: 'CURRENT_TIME',
  SVFOP_CURRENT_TIMESTAMP: 'CURRENT_TIMESTAMP',
  SVFOP_CURRENT_TIMESTAMP_N: 'CURRENT_TIMESTAMP',
  SVFOP_LOCALTIME: 'LOCALTIME',
  SVFOP_LOCALTIME_N: 'LOCALTIME',
  SVFOP_LOCALTIMESTAMP: 'LOCALTIMESTAMP',
  SVFOP_LOCALTIMESTAMP_N: 'LOCALTIMESTAMP',
};
export const LEADER_NODE_FUNCTIONS = /^(current_schema|current_schemas|has_\w+_privilege)$/;
export const SYSTEM_PREFIX = /^(stl|stv|svv|svl|svcs|stcs|sys|pg)_/;
export const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_internal']);

/** An aggregate call (not a window call), known by name or by aggregate-only syntax. */
export function isAggregateCall(fn: FuncCall, name: string): boolean {
  if (fn.over) return false;
  return INCREMENTAL_AGGREGATES.has(name) || NON_INCREMENTAL_AGGREGATES.has(name) || !!fn.agg_star || !!fn.agg_distinct || !!fn.agg_within_group;
}
