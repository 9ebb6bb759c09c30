/**
 * SQL values of the reference evaluator, with Postgres semantics written out in TypeScript:
 * exact integers (bigint) and numerics (scaled bigint), doubles, UTC timestamps, text and
 * booleans. Nothing here renders or runs SQL: the oracle must not share the compiler's SQL.
 */

/** An exact decimal: v / 10^s. */
export class Dec {
  constructor(readonly v: bigint, readonly s: number) {}
  toString(): string {
    const neg = this.v < 0n;
    const digits = (neg ? -this.v : this.v).toString().padStart(this.s + 1, '0');
    const int = digits.slice(0, digits.length - this.s);
    const frac = digits.slice(digits.length - this.s);
    return `${neg ? '-' : ''}${int}${this.s ? `.${frac}` : ''}`;
  }
}

/** A TIMESTAMP (without time zone), read as UTC: milliseconds since the epoch. */
export class Ts {
  constructor(readonly ms: number) {}
}

/** int: bigint; numeric: Dec; double: number. */
export type Val = null | string | boolean | bigint | Dec | number | Ts;

/** The static type of an expression, as Postgres resolves it. `unknown`: an untyped string literal. */
export type Cat = 'int' | 'dec' | 'float' | 'text' | 'bool' | 'ts' | 'unknown' | 'null';

export class OracleError extends Error {}

export function catOfSql(sql: string): Cat {
  const t = sql.toUpperCase();
  if (/^(SMALLINT|INTEGER|INT|BIGINT|INT2|INT4|INT8)\b/.test(t)) return 'int';
  if (/^(NUMERIC|DECIMAL)\b/.test(t)) return 'dec';
  if (/^(DOUBLE PRECISION|REAL|FLOAT)/.test(t)) return 'float';
  if (/^(VARCHAR|CHARACTER VARYING|TEXT)\b/.test(t)) return 'text';
  if (/^BOOL/.test(t)) return 'bool';
  if (/^TIMESTAMP\b/.test(t)) return 'ts';
  throw new OracleError(`the oracle does not model the SQL type ${sql}`);
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

function toDec(v: bigint | Dec): Dec {
  return typeof v === 'bigint' ? new Dec(v, 0) : v;
}
function rescale(d: Dec, s: number): Dec {
  return s >= d.s ? new Dec(d.v * pow10(s - d.s), s) : roundDec(d, s);
}
/** Rounds half away from zero, as numeric rounding and numeric → integer casts do. */
function roundDec(d: Dec, s: number): Dec {
  if (s >= d.s) return rescale(d, s);
  const f = pow10(d.s - s);
  const neg = d.v < 0n;
  const a = neg ? -d.v : d.v;
  let q = a / f;
  if ((a % f) * 2n >= f) q += 1n;
  return new Dec(neg ? -q : q, s);
}
export function toFloat(v: bigint | Dec | number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return Number(v.toString());
}

/** The type a binary arithmetic operator yields. */
export function arithCat(a: Cat, b: Cat): Cat {
  if (a === 'null' || b === 'null') return a === 'null' ? (b === 'null' ? 'int' : b) : a;
  if (a === 'float' || b === 'float') return 'float';
  if (a === 'dec' || b === 'dec') return 'dec';
  return 'int';
}

export function arith(op: '+' | '-' | '*' | '/', a: Val, b: Val, cat: Cat): Val {
  if (a === null || b === null) return null;
  if (!isNum(a) || !isNum(b)) throw new OracleError(`arithmetic on ${show(a)} and ${show(b)}`);
  if (cat === 'float') {
    const x = toFloat(a);
    const y = toFloat(b);
    if (op === '/' && y === 0) throw new OracleError('division by zero');
    return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y;
  }
  if (cat === 'int') {
    const x = a as bigint;
    const y = b as bigint;
    if (op === '/') {
      if (y === 0n) throw new OracleError('division by zero');
      return x / y; // truncates toward zero, as integer division does
    }
    return op === '+' ? x + y : op === '-' ? x - y : x * y;
  }
  const x = toDec(a as bigint | Dec);
  const y = toDec(b as bigint | Dec);
  if (op === '*') return new Dec(x.v * y.v, x.s + y.s);
  if (op === '/') throw new OracleError('numeric division is not modelled (its result scale is Postgres-specific)');
  const s = Math.max(x.s, y.s);
  const xv = rescale(x, s).v;
  const yv = rescale(y, s).v;
  return new Dec(op === '+' ? xv + yv : xv - yv, s);
}

export function isNum(v: Val): v is bigint | Dec | number {
  return typeof v === 'bigint' || typeof v === 'number' || v instanceof Dec;
}

/** -1, 0, 1; both non-null and of comparable types (an untyped literal is cast to the other side's type first). */
export function compare(a: Val, b: Val): number {
  if (a === null || b === null) throw new OracleError('compare of NULL');
  if (isNum(a) && isNum(b)) {
    if (typeof a === 'number' || typeof b === 'number') {
      const x = toFloat(a);
      const y = toFloat(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const x = toDec(a);
    const y = toDec(b);
    const s = Math.max(x.s, y.s);
    const d = rescale(x, s).v - rescale(y, s).v;
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  if (a instanceof Ts && b instanceof Ts) return Math.sign(a.ms - b.ms);
  if (typeof a === 'string' && typeof b === 'string') {
    // Code-unit order: the generated text is lower-case ASCII letters and digits, ordered alike by C and en_US collations.
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new OracleError(`cannot compare ${show(a)} with ${show(b)}`);
}

/** The value of a literal read as `cat` (untyped string literals take the type they are compared with). */
export function coerceLiteral(v: Val, cat: Cat): Val {
  if (typeof v !== 'string') return v;
  if (cat === 'ts') return parseTs(v);
  if (cat === 'int') return BigInt(v);
  if (cat === 'bool') return v === 'true';
  return v;
}

export function parseTs(s: string): Ts {
  const ms = Date.parse(`${s.trim().replace(' ', 'T')}${/Z|[+-]\d\d:?\d\d$/.test(s) ? '' : 'Z'}`);
  if (Number.isNaN(ms)) throw new OracleError(`not a timestamp: ${s}`);
  return new Ts(ms);
}

/** A value converted to a value of another type, as an explicit CAST or the assignment to a column of that type does. */
export function castTo(v: Val, sql: string): Val {
  if (v === null) return null;
  const cat = catOfSql(sql);
  switch (cat) {
    case 'int':
      if (typeof v === 'bigint') return v;
      if (v instanceof Dec) return roundDec(v, 0).v;
      if (typeof v === 'number') return BigInt(roundHalfEven(v));
      if (typeof v === 'string') return BigInt(v.trim());
      break;
    case 'dec': {
      const m = /\(\s*\d+\s*,\s*(\d+)\s*\)/.exec(sql);
      const d = typeof v === 'bigint' ? new Dec(v, 0) : v instanceof Dec ? v : typeof v === 'number' ? decOfFloat(v) : typeof v === 'string' ? parseDec(v) : null;
      if (!d) break;
      return m ? roundDec(d, Number(m[1])) : d;
    }
    case 'float':
      if (isNum(v)) return toFloat(v);
      if (typeof v === 'string') return Number(v);
      break;
    case 'text':
      if (typeof v === 'string') return v;
      if (typeof v === 'bigint' || v instanceof Dec) return v.toString();
      if (typeof v === 'boolean') return v ? 'true' : 'false';
      break;
    case 'bool':
      if (typeof v === 'boolean') return v;
      break;
    case 'ts':
      if (v instanceof Ts) return v;
      if (typeof v === 'string') return parseTs(v);
      break;
  }
  throw new OracleError(`the oracle does not model CAST(${show(v)} AS ${sql})`);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** float8 → numeric keeps 15 significant digits (DBL_DIG). */
function decOfFloat(x: number): Dec {
  return parseDec(Number(x.toPrecision(15)).toString());
}

export function parseDec(s: string): Dec {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(s.trim());
  if (!m) throw new OracleError(`not a decimal: ${s}`);
  const frac = m[3] ?? '';
  return new Dec(BigInt(`${m[1]}${m[2] || '0'}${frac}`), frac.length);
}

/** A JS number literal as Postgres types it: an integer literal is an int, one with a fraction a numeric. */
export function literalOf(v: string | number | boolean | null): Val {
  if (typeof v !== 'number') return v;
  if (Number.isInteger(v)) return BigInt(v);
  return parseDec(String(v));
}

export function show(v: Val): string {
  if (v === null) return 'NULL';
  if (v instanceof Ts) return new Date(v.ms).toISOString();
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

/** A key for grouping and joining: equal SQL values (of one column's type) give equal keys. */
export function groupKey(v: Val): string {
  if (v === null) return 'N';
  if (typeof v === 'number') return `f${v}`;
  if (typeof v === 'bigint' || v instanceof Dec) return `n${normDec(toDec(v))}`;
  if (v instanceof Ts) return `t${v.ms}`;
  if (typeof v === 'boolean') return `b${v}`;
  return `s${v}`;
}

function normDec(d: Dec): string {
  let { v, s } = d;
  while (s > 0 && v % 10n === 0n) { v /= 10n; s--; }
  return new Dec(v, s).toString();
}

const GRAIN_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** DATE_TRUNC on a UTC timestamp; weeks start on Monday (ISO), as in Postgres and Redshift. */
export function dateTrunc(grain: 'minute' | 'hour' | 'day' | 'week' | 'month', t: Ts): Ts {
  if (grain === 'minute' || grain === 'hour' || grain === 'day') return new Ts(Math.floor(t.ms / GRAIN_MS[grain]) * GRAIN_MS[grain]);
  const d = new Date(t.ms);
  if (grain === 'month') return new Ts(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  const day = Math.floor(t.ms / GRAIN_MS.day) * GRAIN_MS.day;
  const dow = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return new Ts(day - dow * GRAIN_MS.day);
}
