/**
 * The SQL functions of each target, as far as analysts reach for them: a table of what Redshift
 * and Postgres (the local engine) each have, and what to write instead when one lacks a function.
 *
 * The Postgres column is checked against PGlite's pg_proc by a test; the Redshift column follows
 * the Redshift SQL function reference (https://docs.aws.amazon.com/redshift/latest/dg/c_SQL_functions.html)
 * and "Unsupported PostgreSQL functions" (https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-functions.html).
 * A function not in the table is not judged (`supports` says true): it may be a user-defined
 * function, and Postgres has thousands more than the ones listed here.
 *
 * Syntax forms that parse into function calls (EXTRACT, POSITION ... IN, SUBSTRING ... FROM,
 * TRIM, AT TIME ZONE) exist on both targets and are not looked up here.
 */
export type FunctionTarget = 'redshift' | 'postgres';
export type FunctionCategory = 'date/time' | 'string' | 'math' | 'conditional' | 'aggregate' | 'window' | 'json' | 'set-returning' | 'hash';

export interface FunctionInfo {
  /** Lower case, as the parser reports it. */
  readonly name: string;
  readonly category: FunctionCategory;
  readonly redshift: boolean;
  readonly postgres: boolean;
  /** What to write instead, on both targets, when one of them lacks the function. */
  readonly portable?: string;
  /** When nothing equivalent exists on both: what to do. */
  readonly advice?: string;
}

const both = (category: FunctionCategory, names: string): FunctionInfo[] =>
  names.split(/\s+/).filter(Boolean).map((name) => ({ name, category, redshift: true, postgres: true }));
const only = (target: FunctionTarget, category: FunctionCategory, name: string, portable?: string): FunctionInfo =>
  ({ name, category, redshift: target === 'redshift', postgres: target === 'postgres', ...(portable ? { portable } : {}) });
const lacking = (target: FunctionTarget, category: FunctionCategory, name: string, advice: string): FunctionInfo =>
  ({ name, category, redshift: target === 'redshift', postgres: target === 'postgres', advice });

const NO_CLOCK = 'an MV must not read the clock (it could not be refreshed incrementally); compute it in a serving view or the dashboard';

export const FUNCTIONS: readonly FunctionInfo[] = [
  ...both('date/time', 'date_trunc date_part to_char to_date to_timestamp timezone timeofday'),
  only('redshift', 'date/time', 'convert_timezone', "(ts AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Paris'"),
  only('redshift', 'date/time', 'datediff', "secondsBetween(from, to) in the DSL, or DATE_PART('epoch', to - from) for seconds"),
  only('redshift', 'date/time', 'dateadd', "ts + INTERVAL '1 day'"),
  only('redshift', 'date/time', 'add_months', "ts + INTERVAL '1 month'"),
  only('redshift', 'date/time', 'months_between', "DATE_PART('year', b) * 12 + DATE_PART('month', b) - (DATE_PART('year', a) * 12 + DATE_PART('month', a)) for whole months"),
  only('redshift', 'date/time', 'last_day', "DATE_TRUNC('month', d) + INTERVAL '1 month' - INTERVAL '1 day'"),
  only('redshift', 'date/time', 'next_day'),
  only('redshift', 'date/time', 'date_part_year', "DATE_PART('year', d)"),
  only('redshift', 'date/time', 'getdate', `CURRENT_TIMESTAMP; but ${NO_CLOCK}`),
  only('postgres', 'date/time', 'age', 'b - a (an interval on both targets)'),
  only('postgres', 'date/time', 'make_date', "CAST(y || '-' || m || '-' || d AS DATE)"),
  only('postgres', 'date/time', 'make_timestamp'),
  only('postgres', 'date/time', 'make_interval', "n * INTERVAL '1 day'"),
  only('postgres', 'date/time', 'date_bin', "DATE_TRUNC('hour', ts) (or bucket: in an aggregate)"),
  only('postgres', 'date/time', 'clock_timestamp', `CURRENT_TIMESTAMP; but ${NO_CLOCK}`),
  only('postgres', 'date/time', 'statement_timestamp', `CURRENT_TIMESTAMP; but ${NO_CLOCK}`),
  only('postgres', 'date/time', 'transaction_timestamp', `CURRENT_TIMESTAMP; but ${NO_CLOCK}`),
  only('postgres', 'date/time', 'justify_days'),
  only('postgres', 'date/time', 'justify_hours'),
  only('postgres', 'date/time', 'justify_interval'),
  only('postgres', 'date/time', 'isfinite'),

  ...both('string', 'lower upper length char_length character_length octet_length substring substr left right btrim ltrim rtrim replace translate strpos split_part concat lpad rpad repeat reverse initcap regexp_replace regexp_substr regexp_count regexp_instr quote_ident quote_literal ascii chr to_hex to_number'),
  only('redshift', 'string', 'len', 'LENGTH(s)'),
  only('redshift', 'string', 'charindex', 'STRPOS(s, sub), or POSITION(sub IN s)'),
  only('redshift', 'string', 'replicate', 'REPEAT(s, n)'),
  only('redshift', 'string', 'strtol'),
  only('redshift', 'string', 'soundex'),
  only('redshift', 'string', 'difference'),
  only('postgres', 'string', 'concat_ws', "a || ',' || b (|| exists on both; Redshift's CONCAT takes two arguments)"),
  only('postgres', 'string', 'format', "|| concatenation and TO_CHAR"),
  only('postgres', 'string', 'starts_with', "LEFT(s, LENGTH(prefix)) = prefix, or s LIKE 'prefix%'"),
  only('postgres', 'string', 'string_to_array', 'SPLIT_PART(s, delimiter, n)'),
  only('postgres', 'string', 'regexp_split_to_array', 'SPLIT_PART(s, delimiter, n)'),
  only('postgres', 'string', 'regexp_matches', 'REGEXP_SUBSTR(s, pattern)'),

  ...both('hash', 'md5'),
  only('redshift', 'hash', 'sha2', 'MD5(s)'),
  only('redshift', 'hash', 'fnv_hash', 'MD5(s)'),
  only('redshift', 'hash', 'crc32', 'MD5(s)'),
  only('postgres', 'hash', 'sha256', 'MD5(s)'),
  only('postgres', 'hash', 'sha512', 'MD5(s)'),

  ...both('math', 'abs ceil ceiling floor round trunc sign sqrt cbrt exp ln log power mod pi random radians degrees sin cos tan asin acos atan atan2 cot dexp dlog1 dlog10 pow'),
  only('postgres', 'math', 'log10', 'LOG(x) (base 10 on both targets)'),
  only('postgres', 'math', 'width_bucket', 'CASE WHEN x < b1 THEN 0 WHEN x < b2 THEN 1 ... END, or FLOOR((x - low) / width)'),
  only('postgres', 'math', 'div', 'FLOOR(a / b) (or TRUNC for negative operands)'),
  only('postgres', 'math', 'gcd'),
  only('postgres', 'math', 'lcm'),
  only('postgres', 'math', 'factorial'),

  only('redshift', 'conditional', 'nvl', 'COALESCE(a, b)'),
  only('redshift', 'conditional', 'nvl2', 'CASE WHEN a IS NOT NULL THEN b ELSE c END'),
  // Postgres has a DECODE, but it decodes binary text (base64, hex): not Redshift's CASE.
  only('redshift', 'conditional', 'decode', 'CASE x WHEN a THEN b ... ELSE c END'),

  ...both('aggregate', 'count sum min max avg stddev stddev_samp stddev_pop variance var_samp var_pop bool_and bool_or bit_and bit_or percentile_cont percentile_disc'),
  only('redshift', 'aggregate', 'median', 'PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY x)'),
  lacking('redshift', 'aggregate', 'listagg', 'Postgres concatenates with STRING_AGG, Redshift with LISTAGG: keep one row per value and concatenate in the dashboard'),
  lacking('postgres', 'aggregate', 'string_agg', 'Postgres concatenates with STRING_AGG, Redshift with LISTAGG: keep one row per value and concatenate in the dashboard'),
  lacking('postgres', 'aggregate', 'array_agg', 'keep one row per value (Redshift has no arrays outside SUPER) and aggregate in the dashboard'),

  ...both('window', 'row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value'),
  only('redshift', 'window', 'ratio_to_report', 'x / SUM(x) OVER (PARTITION BY ...)'),

  ...both('json', 'json_extract_path_text json_array_length'),
  only('redshift', 'json', 'json_extract_array_element_text'),
  only('redshift', 'json', 'json_parse'),
  only('redshift', 'json', 'is_valid_json'),
  only('postgres', 'json', 'jsonb_extract_path_text', 'JSON_EXTRACT_PATH_TEXT(json, key, ...)'),
  only('postgres', 'json', 'to_json'),
  only('postgres', 'json', 'to_jsonb'),

  lacking('postgres', 'set-returning', 'generate_series', 'use a table of numbers or dates (a dimension), joined'),
  lacking('postgres', 'set-returning', 'unnest', 'land one row per element, landed as such'),
];

const byName = new Map(FUNCTIONS.map((f) => [f.name, f]));
const sets: Record<FunctionTarget, ReadonlySet<string>> = {
  redshift: new Set(FUNCTIONS.filter((f) => f.redshift).map((f) => f.name)),
  postgres: new Set(FUNCTIONS.filter((f) => f.postgres).map((f) => f.name)),
};

/** The functions of the table a target has (lower case). */
export function functionsOf(target: FunctionTarget): ReadonlySet<string> {
  return sets[target];
}

/** What the table knows of a function (any case), or undefined. */
export function functionInfo(name: string): FunctionInfo | undefined {
  return byName.get(name.toLowerCase());
}

/** False only for a function the table knows the target lacks; unknown names may be UDFs. */
export function supports(target: FunctionTarget, name: string): boolean {
  const f = functionInfo(name);
  return !f || f[target];
}
