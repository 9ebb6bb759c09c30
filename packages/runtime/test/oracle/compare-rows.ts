import type { ColType } from '@mvkit/compiler';
import type { Row } from './evaluate-models.ts';
import { catOfSql, Dec, parseTs, Ts, type Cat } from './sql-values.ts';

type Plain = string | number | boolean | null;

/**
 * One value of a stored row or of the oracle's, in a form both share: numbers as JS numbers
 * (a BIGINT or NUMERIC read as a string, a bigint or a Dec all become the nearest double of the
 * same decimal), timestamps as UTC milliseconds.
 */
function plain(v: unknown, cat: Cat): Plain {
  if (v === null || v === undefined) return null;
  switch (cat) {
    case 'int': case 'dec': case 'float':
      if (v instanceof Dec) return Number(v.toString());
      return Number(v as string | number | bigint);
    case 'ts':
      if (v instanceof Ts) return v.ms;
      if (v instanceof Date) return v.getTime();
      return parseTs(String(v)).ms;
    case 'bool': return typeof v === 'boolean' ? v : v === 't' || v === 'true';
    default: return String(v);
  }
}

const close = (a: Plain, b: Plain) => a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));

export interface RowDiff {
  /** Rows the definition gives that the table lacks. */
  readonly missing: Record<string, Plain>[];
  /** Rows of the table the definition does not give. */
  readonly extra: Record<string, Plain>[];
}

/** Compares as multisets; doubles within a relative 1e-9, every other type exactly. */
export function diffRows(columns: Readonly<Record<string, ColType>>, expected: readonly Row[], actual: readonly Record<string, unknown>[]): RowDiff {
  const cats = Object.entries(columns).map(([n, t]) => [n, catOfSql(t.sql)] as const);
  const norm = (r: Readonly<Record<string, unknown>>) => Object.fromEntries(cats.map(([n, c]) => [n, plain(r[n], c)]));
  const floats = cats.filter(([, c]) => c === 'float').map(([n]) => n);
  // Exact part of the key; doubles are matched within tolerance among rows of the same exact part.
  const exactKey = (r: Record<string, Plain>) => JSON.stringify(cats.filter(([, c]) => c !== 'float').map(([n]) => r[n]));
  const pending = new Map<string, Record<string, Plain>[]>();
  for (const r of actual.map(norm)) {
    const k = exactKey(r);
    pending.set(k, [...(pending.get(k) ?? []), r]);
  }
  const missing: Record<string, Plain>[] = [];
  for (const r of expected.map(norm)) {
    const list = pending.get(exactKey(r)) ?? [];
    const i = list.findIndex((x) => floats.every((f) => close(x[f] ?? null, r[f] ?? null)));
    if (i < 0) missing.push(r);
    else list.splice(i, 1);
  }
  return { missing, extra: [...pending.values()].flat() };
}
