import type { BaseType } from '@mvkit/compiler';

/** A column compared: its name and the kind of value it holds. */
export interface ComparedColumn {
  readonly name: string;
  readonly base: BaseType;
}

/** Rows of one model that did not match: expected but not found, found but not expected. */
export interface RowsDiff {
  readonly model: string;
  readonly missing: readonly Record<string, unknown>[];
  readonly unexpected: readonly Record<string, unknown>[];
  /** Each missing row paired with the unexpected row closest to it (most equal columns), and the columns that differ. */
  readonly closest: readonly { readonly expected: Record<string, unknown>; readonly actual: Record<string, unknown>; readonly differs: readonly string[] }[];
}

/** Numbers: equal within a relative 1e-9 (sums of doubles added in another order); exact for integers that size. */
const RELATIVE = 1e-9;

/** A time as text or Date → ms since the epoch, read as UTC when it names no zone. */
function instant(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  const s = String(v).trim().replace(' ', 'T');
  return Date.parse(/(Z|[+-]\d\d(:?\d\d)?)$/.test(s) || /^\d{4}-\d\d-\d\d$/.test(s) ? s : `${s}Z`);
}

/** A value in the form it is compared and shown in: numbers as numbers, times as ISO text, dates as YYYY-MM-DD. */
export function normalize(v: unknown, base: BaseType): unknown {
  if (v === null || v === undefined) return null;
  switch (base) {
    case 'number': return typeof v === 'number' ? v : Number(v);
    case 'boolean': return typeof v === 'boolean' ? v : v === 't' || v === 'true';
    case 'timestamp': {
      const ms = instant(v);
      return Number.isNaN(ms) ? String(v) : new Date(ms).toISOString();
    }
    case 'date': {
      const ms = instant(v);
      return Number.isNaN(ms) ? String(v) : new Date(ms).toISOString().slice(0, 10);
    }
    default: return String(v);
  }
}

function same(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= RELATIVE * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}

function project(row: Readonly<Record<string, unknown>>, columns: readonly ComparedColumn[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c.name] = normalize(row[c.name], c.base);
  return out;
}

/**
 * Expected and actual rows as multisets over `columns`: each expected row takes one equal
 * actual row. Null when they match.
 */
export function compareRows(model: string, columns: readonly ComparedColumn[], expected: readonly Readonly<Record<string, unknown>>[], actual: readonly Readonly<Record<string, unknown>>[]): RowsDiff | null {
  const exp = expected.map((r) => project(r, columns));
  const left = actual.map((r) => project(r, columns));
  const missing: Record<string, unknown>[] = [];
  for (const e of exp) {
    const i = left.findIndex((a) => columns.every((c) => same(e[c.name], a[c.name])));
    if (i < 0) missing.push(e);
    else left.splice(i, 1);
  }
  if (!missing.length && !left.length) return null;
  const pool = [...left];
  const closest: RowsDiff['closest'][number][] = [];
  for (const e of missing) {
    let best = -1;
    let score = -1;
    pool.forEach((a, i) => {
      const s = columns.filter((c) => same(e[c.name], a[c.name])).length;
      if (s > score) { best = i; score = s; }
    });
    if (best < 0 || score === 0) continue;
    const a = pool.splice(best, 1)[0]!;
    closest.push({ expected: e, actual: a, differs: columns.filter((c) => !same(e[c.name], a[c.name])).map((c) => c.name) });
  }
  return { model, missing, unexpected: left, closest };
}

const show = (r: Record<string, unknown>) => JSON.stringify(r);

/** The diff as lines: the pairs with the columns that differ, then the rows left over on either side. */
export function renderDiff(d: RowsDiff, indent = '    '): string[] {
  const out = [`${indent}${d.model}: ${d.missing.length} expected row(s) not found, ${d.unexpected.length} row(s) not expected`];
  const paired = new Set(d.closest.map((p) => p.expected));
  const pairedActual = new Set(d.closest.map((p) => p.actual));
  for (const p of d.closest) {
    out.push(`${indent}  - expected ${show(p.expected)}`, `${indent}  + actual   ${show(p.actual)}`);
    out.push(`${indent}    ${p.differs.map((c) => `${c}: expected ${JSON.stringify(p.expected[c])}, actual ${JSON.stringify(p.actual[c])}`).join('; ')}`);
  }
  for (const r of d.missing) if (!paired.has(r)) out.push(`${indent}  - expected ${show(r)} (no such row)`);
  for (const r of d.unexpected) if (!pairedActual.has(r)) out.push(`${indent}  + actual   ${show(r)} (not expected)`);
  return out;
}
