import type { ManifestColumn } from '@mvkit/compiler';
import { parseIsoDate, parseIsoTimestamp } from './iso-time.ts';
import { JsonNumber } from './json-exact.ts';

export { normalizeTimestamp } from './iso-time.ts';

/** A column as the loader checks it: `requiredBecause` says why a NULL is refused where the table would take one. */
export interface LoadColumn extends ManifestColumn {
  readonly requiredBecause?: string;
}

export type Coerced = { ok: true; value: string | null } | { ok: false; error: string };

type Kind =
  | { readonly k: 'text'; readonly length: number | null }
  | { readonly k: 'int'; readonly name: string; readonly min: bigint; readonly max: bigint }
  | { readonly k: 'numeric'; readonly precision: number | null; readonly scale: number }
  | { readonly k: 'float'; readonly single: boolean }
  | { readonly k: 'boolean' }
  | { readonly k: 'timestamp'; readonly tz: boolean }
  | { readonly k: 'date' }
  | { readonly k: 'other' };

const INTS: Record<string, [string, bigint]> = {
  SMALLINT: ['SMALLINT', 2n ** 15n], INT2: ['SMALLINT', 2n ** 15n],
  INTEGER: ['INTEGER', 2n ** 31n], INT: ['INTEGER', 2n ** 31n], INT4: ['INTEGER', 2n ** 31n],
  BIGINT: ['BIGINT', 2n ** 63n], INT8: ['BIGINT', 2n ** 63n],
};

function kindOf(type: string): Kind {
  const t = type.toUpperCase().trim();
  const len = /^(?:VARCHAR|CHAR|CHARACTER VARYING|CHARACTER)\s*\((\d+)\)$/.exec(t);
  if (len) return { k: 'text', length: Number(len[1]) };
  if (/^(?:TEXT|VARCHAR|CHARACTER VARYING)$/.test(t)) return { k: 'text', length: null };
  const int = INTS[t];
  if (int) return { k: 'int', name: int[0], min: -int[1], max: int[1] - 1n };
  const num = /^(?:NUMERIC|DECIMAL)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(t);
  if (num) return { k: 'numeric', precision: num[1] ? Number(num[1]) : null, scale: Number(num[2] ?? 0) };
  if (/^(?:DOUBLE PRECISION|FLOAT8?|FLOAT\(\d+\))$/.test(t)) return { k: 'float', single: false };
  if (/^(?:REAL|FLOAT4)$/.test(t)) return { k: 'float', single: true };
  if (t === 'BOOLEAN' || t === 'BOOL') return { k: 'boolean' };
  if (t === 'TIMESTAMP' || t === 'TIMESTAMP WITHOUT TIME ZONE') return { k: 'timestamp', tz: false };
  if (t === 'TIMESTAMPTZ' || t === 'TIMESTAMP WITH TIME ZONE') return { k: 'timestamp', tz: true };
  if (t === 'DATE') return { k: 'date' };
  return { k: 'other' };
}

const kinds = new Map<string, Kind>();
const cachedKind = (type: string): Kind => {
  let k = kinds.get(type);
  if (!k) kinds.set(type, (k = kindOf(type)));
  return k;
};

const show = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A value from a CDC record as the text Postgres will accept for the column, or why not. Checked here, row
 * by row, so that one bad value is a rejected line and not a failed transaction for the whole file; and
 * checked exactly, so that no value is stored as something else (rounded, rolled over to another day).
 */
export function coerceValue(value: unknown, col: LoadColumn): Coerced {
  if (value === null || value === undefined) {
    return col.nullable && !col.requiredBecause ? { ok: true, value: null } : missing(col);
  }
  const kind = cachedKind(col.type);
  if (typeof value === 'object' && !(value instanceof JsonNumber)) return { ok: false, error: `${col.name}: expected a single value, got ${Array.isArray(value) ? 'an array' : 'an object'}` };
  const text = value instanceof JsonNumber ? value.text : typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  if (text === undefined) return { ok: false, error: `${col.name}: expected a single value, got ${typeof value}` };
  if (text.includes('\u0000')) return { ok: false, error: `${col.name}: contains a NUL character (\\u0000), which no Postgres or Redshift text can hold` };
  if (kind.k === 'other') return { ok: true, value: text };
  if (kind.k === 'text') {
    if (text === '' && !col.nullable) return missing(col);
    if (kind.length !== null && text.length > kind.length) return { ok: false, error: `${col.name}: ${show(text)} is longer than ${col.type}` };
    return { ok: true, value: text };
  }
  // Postgres ignores spaces around a number, time or boolean; so does the loader (`a, 42` in a CSV line).
  const r = typed(text.trim(), value, col, kind);
  return r.ok ? r : { ok: false, error: `${col.name}: ${r.error}` };
}

/** A refusal; coerceValue puts the column's name in front. */
const bad = (why: string): Coerced => ({ ok: false, error: why });

function typed(text: string, value: unknown, col: LoadColumn, kind: Exclude<Kind, { k: 'text' | 'other' }>): Coerced {
  switch (kind.k) {
    case 'int':
      return integer(text, kind);
    case 'numeric':
      return numeric(text, col.type, kind);
    case 'float':
      return float(text, col.type, kind.single);
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value: String(value) };
      if (/^(?:true|t|1)$/i.test(text)) return { ok: true, value: 'true' };
      if (/^(?:false|f|0)$/i.test(text)) return { ok: true, value: 'false' };
      return bad(`${show(text)} is not a boolean (true, false, t, f, 1 or 0)`);
    case 'timestamp': {
      if (typeof value !== 'string') return bad(`bad timestamp ${show(text)}: expected a string such as "2026-11-27T10:00:00Z"`);
      const r = parseIsoTimestamp(text);
      // Without a zone a timestamptz would be read in the session's time zone: the text is UTC, so say so.
      return r.ok ? { ok: true, value: kind.tz ? `${r.value}+00` : r.value } : bad(`bad timestamp ${show(text)}: ${r.why}`);
    }
    case 'date': {
      if (typeof value !== 'string') return bad(`bad date ${show(text)}: expected a string such as "2026-11-27"`);
      const r = parseIsoDate(text);
      return r.ok ? { ok: true, value: r.value } : bad(`bad date ${show(text)}: ${r.why}`);
    }
  }
}

function missing(col: LoadColumn): Coerced {
  return { ok: false, error: `missing value for ${col.name}${col.requiredBecause ? ` (${col.requiredBecause})` : ''}` };
}

/** Whole numbers only: "1.0" and "1e3" are refused rather than guessed, as is anything outside the type's range. */
function integer(text: string, kind: Extract<Kind, { k: 'int' }>): Coerced {
  const m = /^([+-]?)0*(\d+)$/.exec(text);
  if (!m) return bad(`${show(text)} is not an integer (digits with an optional sign; no decimal point or exponent, so "1.0" and "1e3" are refused)`);
  const digits = m[2]!;
  const canonical = m[1] === '-' && digits !== '0' ? `-${digits}` : digits;
  // Four digits fit every integer type; a 30-digit string fits none (no huge BigInt to say so).
  if (digits.length > 4 && (digits.length > 19 || BigInt(canonical) < kind.min || BigInt(canonical) > kind.max)) {
    return bad(`${show(text)} is out of range for ${kind.name} (${kind.min} to ${kind.max})`);
  }
  return { ok: true, value: canonical };
}

/** Exact decimal text, refused when the column would round it (scale) or cannot hold it (precision). */
function numeric(text: string, type: string, kind: Extract<Kind, { k: 'numeric' }>): Coerced {
  const m = DECIMAL.exec(text);
  if (!m || (!m[2] && !m[3])) return bad(`${show(text)} is not a number`);
  const exp = Number(m[4] ?? 0);
  let digits = `${m[2]}${m[3] ?? ''}`;
  let point = m[2]!.length + exp;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  point -= lead;
  digits = digits.replace(/0+$/, '');
  if (!digits) return { ok: true, value: '0' };
  const intDigits = Math.max(0, point);
  const fracDigits = Math.max(0, digits.length - point);
  const maxInt = kind.precision === null ? 131072 : kind.precision - kind.scale;
  const maxFrac = kind.precision === null ? 16383 : kind.scale;
  if (fracDigits > maxFrac) return bad(`${show(text)} has ${fracDigits} digits after the decimal point; ${type} keeps ${maxFrac} and would round it (round it at the source, or widen the column's scale)`);
  if (intDigits > maxInt) return bad(`${show(text)} has ${intDigits} digits before the decimal point; ${type} holds at most ${maxInt}`);
  const body = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? `${digits}${'0'.repeat(point - digits.length)}` : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return { ok: true, value: m[1] === '-' ? `-${body}` : body };
}

function float(text: string, type: string, single: boolean): Coerced {
  const m = DECIMAL.exec(text);
  if (!m || (!m[2] && !m[3])) return bad(`${show(text)} is not a number`);
  const n = Number(text);
  const stored = single ? Math.fround(n) : n;
  // Postgres refuses values that overflow the type, and those that underflow to zero, with an error.
  if (!Number.isFinite(stored) || (stored === 0 && /[1-9]/.test(`${m[2]}${m[3] ?? ''}`))) return bad(`${show(text)} is out of range for ${type}`);
  return { ok: true, value: text };
}
