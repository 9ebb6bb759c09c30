/**
 * Words a model or column name may not be, on either target. mvkit rejects them rather than
 * quoting them: the local engine runs every project, and hand-written SQL (sqlModels, macros,
 * dashboards) would otherwise have to quote the name everywhere, on both targets.
 */

/**
 * Amazon Redshift's reserved words, from https://docs.aws.amazon.com/redshift/latest/dg/r_pg_keywords.html
 * (besides the Postgres ones it adds words such as tag, snapshot, open, pivot, top, delta, new, old).
 */
export const REDSHIFT_RESERVED: ReadonlySet<string> = new Set([
  'aes128', 'aes256', 'all', 'allowoverwrite', 'analyse', 'analyze', 'and', 'any', 'array', 'as',
  'asc', 'authorization', 'az64', 'backup', 'between', 'binary', 'blanksasnull', 'both',
  'bytedict', 'bzip2', 'case', 'cast', 'check', 'collate', 'column', 'constraint', 'create',
  'credentials', 'cross', 'current_date', 'current_time', 'current_timestamp', 'current_user',
  'current_user_id', 'default', 'deferrable', 'deflate', 'defrag', 'delta', 'delta32k', 'desc',
  'disable', 'distinct', 'do', 'else', 'emptyasnull', 'enable', 'encode', 'encrypt', 'encryption',
  'end', 'except', 'explicit', 'false', 'for', 'foreign', 'freeze', 'from', 'full',
  'globaldict256', 'globaldict64k', 'grant', 'group', 'gzip', 'having', 'identity', 'ignore',
  'ilike', 'in', 'initially', 'inner', 'intersect', 'interval', 'into', 'is', 'isnull', 'join',
  'leading', 'left', 'like', 'limit', 'localtime', 'localtimestamp', 'lun', 'luns', 'lzo', 'lzop',
  'minus', 'mostly16', 'mostly32', 'mostly8', 'natural', 'new', 'not', 'notnull', 'null', 'nulls',
  'off', 'offline', 'offset', 'oid', 'old', 'on', 'only', 'open', 'or', 'order', 'outer',
  'overlaps', 'parallel', 'partition', 'percent', 'permissions', 'pivot', 'placing', 'primary',
  'raw', 'readratio', 'recover', 'references', 'rejectlog', 'resort', 'respect', 'restore',
  'right', 'select', 'session_user', 'similar', 'snapshot', 'some', 'sysdate', 'system', 'table',
  'tag', 'tdes', 'text255', 'text32k', 'then', 'timestamp', 'to', 'top', 'trailing', 'true',
  'truncatecolumns', 'union', 'unique', 'unnest', 'unpivot', 'user', 'using', 'verbose', 'wallet',
  'when', 'where', 'with', 'without',
]);

/**
 * Postgres 17 keywords that cannot be a bare column name, from `SELECT word, catcode FROM
 * pg_get_keywords()` (PGlite 0.4, Postgres 17.5): catcode 'R' (reserved: `user`, `order`,
 * `group`...) and 'T' (reserved, but allowed as function or type names: `left`, `join`, `like`,
 * `verbose`...). Both fail in `CREATE TABLE t (w INT)` and `SELECT w FROM t`; worse, `user`
 * and `current_user` parse in a SELECT and read the session user. The 'C' words (`timestamp`,
 * `values`, `position`, `time`...) are left out: the grammar takes them as column and table names
 * in every position mvkit writes (checked with libpg-query: CREATE TABLE, SELECT, qualified,
 * GROUP BY, WHERE, `AS` alias); those Redshift reserves are in its own list.
 */
export const POSTGRES_RESERVED: ReadonlySet<string> = new Set([
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'both', 'case',
  'cast', 'check', 'collate', 'column', 'constraint', 'create', 'current_catalog', 'current_date',
  'current_role', 'current_time', 'current_timestamp', 'current_user', 'default', 'deferrable',
  'desc', 'distinct', 'do', 'else', 'end', 'except', 'false', 'fetch', 'for', 'foreign', 'from',
  'grant', 'group', 'having', 'in', 'initially', 'intersect', 'into', 'lateral', 'leading',
  'limit', 'localtime', 'localtimestamp', 'not', 'null', 'offset', 'on', 'only', 'or', 'order',
  'placing', 'primary', 'references', 'returning', 'select', 'session_user', 'some', 'symmetric',
  'system_user', 'table', 'then', 'to', 'trailing', 'true', 'union', 'unique', 'user', 'using',
  'variadic', 'when', 'where', 'window', 'with',
  // catcode 'T'
  'authorization', 'binary', 'collation', 'concurrently', 'cross', 'current_schema', 'freeze',
  'full', 'ilike', 'inner', 'is', 'isnull', 'join', 'left', 'like', 'natural', 'notnull', 'outer',
  'overlaps', 'right', 'similar', 'tablesample', 'verbose',
]);

/** Where a name is reserved, or null. */
export function reservedIn(name: string): 'Postgres and Redshift' | 'Postgres' | 'Redshift' | null {
  const n = name.toLowerCase();
  const pg = POSTGRES_RESERVED.has(n);
  const rs = REDSHIFT_RESERVED.has(n);
  return pg && rs ? 'Postgres and Redshift' : pg ? 'Postgres' : rs ? 'Redshift' : null;
}
