/**
 * Every reason the analyzer can give, with its severity and default rewrite hint.
 * Sources (listed in index.ts): [RF]/[RMV] for 'full', [CMV] for 'invalid'.
 * A Record keyed by the code union, so a new code does not compile without its hint.
 */
export type ReasonCode =
  // Redshift refreshes the MV by recomputing it from scratch.
  | 'outer-join'
  | 'set-operation'
  | 'union-all-in-subquery'
  | 'union-all-with-aggregate'
  | 'union-all-with-sortkey'
  | 'non-incremental-aggregate'
  | 'approximate-aggregate'
  | 'distinct-aggregate'
  | 'select-distinct'
  | 'window-function'
  | 'qualify'
  | 'subquery'
  | 'mutable-function'
  | 'cross-database-table'
  | 'chain-on-full-mv'
  // CREATE MATERIALIZED VIEW fails.
  | 'order-by'
  | 'limit'
  | 'offset'
  | 'system-table'
  | 'temporary-table'
  | 'view-input'
  | 'leader-node-function'
  | 'chain-on-invalid-mv'
  | 'auto-refresh-nested'
  | 'auto-refresh-mutable'
  | 'if-not-exists'
  | 'column-list'
  | 'iceberg-clause'
  | 'late-binding-view'
  | 'auto-refresh-external'
  | 'iceberg-aggregate'
  // The documentation is ambiguous: said as such, with the rewrite that is certain.
  | 'date-time-ambiguous'
  | 'union-all-ambiguous';

export interface ReasonRule {
  severity: 'uncertain' | 'full' | 'invalid';
  hint: string;
}

export const REASON_RULES: Record<ReasonCode, ReasonRule> = {
  'outer-join': {
    severity: 'full',
    hint:
      'use the stream-join pattern (land both streams in one table and pivot them with an aggregating MV grouped by the key), ' +
      "or inner join against a dimension that has a default 'unknown' row",
  },
  'set-operation': {
    severity: 'full',
    hint:
      'use a top-level UNION ALL (no aggregates, no SORTKEY) and deduplicate with GROUP BY in an MV built on it; ' +
      'INTERSECT is an inner join on all columns; EXCEPT/MINUS belongs in a serving view',
  },
  'union-all-in-subquery': {
    severity: 'full',
    hint: 'move the UNION ALL to the top level of its own MV (no aggregates, no SORTKEY) and build this MV on that one',
  },
  'union-all-with-aggregate': {
    severity: 'full',
    hint: 'split it: a lower MV that is only the top-level UNION ALL, and an aggregating MV on top of it',
  },
  'union-all-with-sortkey': {
    severity: 'full',
    hint: 'drop the SORTKEY from this MV and sort the MVs built on it, or land the inputs in one table',
  },
  'non-incremental-aggregate': {
    severity: 'full',
    hint: 'keep additive pieces in the MV (COUNT, SUM, MIN, MAX, histogram buckets) and derive the value in a serving view',
  },
  'approximate-aggregate': {
    severity: 'full',
    hint:
      'for a distinct count, group by the counted column in a lower MV and count its rows there; ' +
      'for a percentile, keep histogram buckets (SUM(CASE WHEN ... THEN 1 ELSE 0 END)) and estimate it in a serving view',
  },
  'distinct-aggregate': {
    severity: 'full',
    hint: 'COUNT(DISTINCT x) → group by x in a lower MV and count its rows there (SUM(DISTINCT x) likewise sums them there)',
  },
  'select-distinct': {
    severity: 'full',
    hint: 'replace SELECT DISTINCT cols with GROUP BY cols (add COUNT(*) AS n if useful): grouping is incremental',
  },
  'window-function': {
    severity: 'full',
    hint: 'compute it at query time in a serving view over this MV; a running total per key is an aggregate grouped by the key',
  },
  qualify: {
    severity: 'full',
    hint: 'QUALIFY filters on window functions: apply it in a serving view over this MV',
  },
  subquery: {
    severity: 'full',
    hint:
      'make the subquery its own MV and inner join it; rewrite IN/EXISTS as an inner join on a relation grouped by the key',
  },
  'mutable-function': {
    severity: 'full',
    hint:
      'keep every row in the MV and filter by time at query time in a serving view (WHERE ts >= DATEADD(day, -7, GETDATE()))',
  },
  'cross-database-table': {
    severity: 'full',
    hint: 'land the data in this database (COPY or a pipeline table) and build the MV on the local table',
  },
  'chain-on-full-mv': {
    severity: 'full',
    hint: 'make the lower MV incremental first; every link of a chain must refresh incrementally',
  },
  'order-by': {
    severity: 'invalid',
    hint: 'remove ORDER BY: give the MV a SORTKEY, or sort when querying it',
  },
  limit: {
    severity: 'invalid',
    hint: 'remove LIMIT/TOP/FETCH: limit when querying the MV',
  },
  offset: {
    severity: 'invalid',
    hint: 'remove OFFSET: page when querying the MV',
  },
  'system-table': {
    severity: 'invalid',
    hint: 'copy the rows you need from the system table into a regular table on a schedule and build the MV on that',
  },
  'temporary-table': {
    severity: 'invalid',
    hint: 'build the MV on a permanent table',
  },
  'view-input': {
    severity: 'invalid',
    hint: "inline the view's SELECT into the MV, or make the view an MV itself",
  },
  'leader-node-function': {
    severity: 'invalid',
    hint: 'leader-node-only functions cannot run in an MV: use a literal, or call the function when querying the MV',
  },
  'chain-on-invalid-mv': {
    severity: 'invalid',
    hint: 'fix the lower MV first: it cannot be created, so neither can this one',
  },
  'auto-refresh-nested': {
    severity: 'invalid',
    hint: 'use AUTO REFRESH NO and refresh the chain with REFRESH MATERIALIZED VIEW ... CASCADE (or in dependency order)',
  },
  'auto-refresh-mutable': {
    severity: 'invalid',
    hint: 'remove the mutable function (filter by time in a serving view) or use AUTO REFRESH NO',
  },
  'if-not-exists': {
    severity: 'invalid',
    hint: 'remove IF NOT EXISTS; to make the script rerunnable, DROP MATERIALIZED VIEW IF EXISTS before the CREATE',
  },
  'column-list': {
    severity: 'invalid',
    hint: 'remove the column list and alias each column in the SELECT (expr AS name)',
  },
  'iceberg-clause': {
    severity: 'invalid',
    hint: 'an Iceberg MV is laid out by PARTITIONED BY and refreshed with REFRESH MATERIALIZED VIEW: remove BACKUP, DISTSTYLE, DISTKEY, SORTKEY and AUTO REFRESH',
  },
  'late-binding-view': {
    severity: 'invalid',
    hint: "inline the late-binding view's SELECT into the MV, or read the tables it reads",
  },
  'auto-refresh-external': {
    severity: 'invalid',
    hint: 'use AUTO REFRESH NO and refresh on a schedule (mvkit refresh); only streaming (Kinesis, MSK/Kafka) external schemas take AUTO REFRESH YES',
  },
  'iceberg-aggregate': {
    severity: 'full',
    hint: 'keep COUNT and SUM in the Iceberg MV (AVG = SUM / COUNT in a view over it); for MIN/MAX use a Redshift-stored MV',
  },
  'date-time-ambiguous': {
    severity: 'uncertain',
    hint:
      'use a form the REFRESH MATERIALIZED VIEW page lists as incremental: DATE(ts), DATE_TRUNC(unit, ts), or DATE_PART on an ' +
      'interval (DATE_PART(epoch, b - a) for DATEDIFF(second, a, b)); or compute it in a serving view over the MV',
  },
  'union-all-ambiguous': {
    severity: 'uncertain',
    hint: 'land the branches in one table (a stream with a discriminator column) and build the MV on it without UNION ALL',
  },
};

/** Pages the newer rules follow (cited in their messages and in the analyzer's fixtures). */
export const DOCS = {
  cmv: 'https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-create-sql-command.html',
  iceberg: 'https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-iceberg.html',
  refresh: 'https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-refresh.html',
  rmv: 'https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-refresh-sql-command.html',
  lateBinding: 'https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_VIEW.html',
} as const;

/** A reason as the checker finds it: offset is a UTF-16 offset in the original SQL. */
export interface FoundReason {
  code: ReasonCode;
  message: string;
  offset: number;
  hint?: string;
}
