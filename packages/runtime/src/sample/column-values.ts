import type { ManifestColumn } from '@mvkit/compiler';
import type { Prng } from './prng.ts';

/** A value as written to an NDJSON line: numbers that a double holds exactly stay JSON numbers, the rest text. */
export type JsonValue = string | number | boolean | null;

/** What a column's SQL type lets the generator write, with the type's limits. */
export type ValueKind =
  | { readonly k: 'text'; readonly length: number | null; readonly fixed: boolean }
  | { readonly k: 'int'; readonly max: number }
  | { readonly k: 'numeric'; readonly intDigits: number; readonly scale: number }
  | { readonly k: 'float' }
  | { readonly k: 'boolean' }
  | { readonly k: 'timestamp' }
  | { readonly k: 'date' };

export function valueKind(type: string): ValueKind {
  const t = type.toUpperCase().trim();
  const len = /^(VARCHAR|CHAR|CHARACTER VARYING|CHARACTER)\s*\((\d+)\)$/.exec(t);
  if (len) return { k: 'text', length: Number(len[2]), fixed: len[1] === 'CHAR' || len[1] === 'CHARACTER' };
  if (t === 'SMALLINT' || t === 'INT2') return { k: 'int', max: 32_767 };
  if (t === 'INTEGER' || t === 'INT' || t === 'INT4') return { k: 'int', max: 2_147_483_647 };
  if (t === 'BIGINT' || t === 'INT8') return { k: 'int', max: Number.MAX_SAFE_INTEGER };
  const num = /^(?:NUMERIC|DECIMAL)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(t);
  if (num) {
    const scale = Number(num[2] ?? (num[1] ? 0 : 2));
    return { k: 'numeric', intDigits: num[1] ? Number(num[1]) - scale : 6, scale };
  }
  if (/^(?:DOUBLE PRECISION|FLOAT[48]?|FLOAT\(\d+\)|REAL)$/.test(t)) return { k: 'float' };
  if (t === 'BOOLEAN' || t === 'BOOL') return { k: 'boolean' };
  if (t.startsWith('TIMESTAMP')) return { k: 'timestamp' };
  if (t === 'DATE') return { k: 'date' };
  return { k: 'text', length: null, fixed: false };
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `n` in base 26 letters, `width` wide (AA, AB, …): identifiers for columns too short for a word. */
function letters(n: number, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++, n = Math.floor(n / 26)) s = LETTERS[n % 26] + s;
  return s;
}

/** Text for the n-th distinct value of a column: `<prefix>-<n>` when it fits, letters when the column is narrow. */
export function textValue(prefix: string, n: number, kind: Extract<ValueKind, { k: 'text' }>): string {
  const word = `${prefix}-${n}`;
  const max = kind.length ?? 64;
  if (word.length <= max && !kind.fixed) return word;
  if (kind.fixed && word.length === max) return word;
  // A CHAR(n) column holds exactly n characters; a narrow VARCHAR as many letters as it takes.
  const width = kind.fixed ? max : Math.min(max, Math.max(1, Math.ceil(Math.log(n + 1) / Math.log(26))));
  return letters(n, width);
}

/** The n-th key value of a column: distinct for distinct n. */
export function keyValue(prefix: string, n: number, col: ManifestColumn): JsonValue {
  const kind = valueKind(col.type);
  switch (kind.k) {
    case 'int': return n + 1;
    case 'numeric': return String(n + 1);
    case 'float': return n + 1;
    case 'boolean': return n % 2 === 0;
    case 'timestamp': return new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
    case 'date': return new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
    case 'text': return textValue(prefix, n, kind);
  }
}

/** A key value no generated row has: for the references that find nothing to join. */
export function missingKeyValue(prefix: string, n: number, col: ManifestColumn): JsonValue {
  const kind = valueKind(col.type);
  if (kind.k === 'text') {
    const word = `missing-${n}`;
    return (kind.length ?? 64) >= word.length && !kind.fixed ? word : letters(26 ** Math.min(kind.length ?? 2, 6) - 1 - n, kind.length ?? 2);
  }
  if (kind.k === 'int') return Math.min(kind.max, 30_000 - n);
  return keyValue(prefix, 100_000 + n, col);
}

export interface ValueContext {
  readonly rng: Prng;
  /** The event's time (ms): other timestamps of the row fall near it, inside the generated window. */
  readonly atMs: number;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Values the models compare this column with. */
  readonly literals: readonly string[];
}

/** A plain (non-key, non-reference) value of the column's type; NULL now and then where the column allows it. */
export function plainValue(col: ManifestColumn, ctx: ValueContext): JsonValue {
  const r = ctx.rng;
  if (col.nullable && r.chance(0.03)) return null;
  const kind = valueKind(col.type);
  switch (kind.k) {
    case 'text': {
      const fits = ctx.literals.filter((l) => l.length <= (kind.length ?? Infinity) && (!kind.fixed || l.length === kind.length));
      if (fits.length && r.chance(0.9)) return r.pick(fits);
      return textValue(col.name.replace(/_id$/, ''), r.int(1, 8), kind);
    }
    // Small, so that sums and products in the models stay far from their types' limits.
    case 'int': return r.int(0, Math.min(kind.max, 10_000));
    case 'numeric': {
      const intDigits = Math.max(0, Math.min(kind.intDigits, 6));
      const whole = intDigits ? r.int(0, 10 ** intDigits - 1) : 0;
      if (!kind.scale) return String(whole);
      const frac = String(r.int(0, 10 ** Math.min(kind.scale, 9) - 1)).padStart(Math.min(kind.scale, 9), '0');
      return `${r.chance(0.05) ? '-' : ''}${whole}.${frac}`;
    }
    case 'float': return Math.round(r.next() * 1_000_000) / 1000;
    case 'boolean': return r.chance(0.5);
    case 'timestamp': {
      const at = Math.min(ctx.windowEndMs - 1, Math.max(ctx.windowStartMs, ctx.atMs + Math.round(r.logNormal(60_000, 1.2))));
      return new Date(at).toISOString();
    }
    case 'date': return new Date(ctx.atMs).toISOString().slice(0, 10);
  }
}
