import { cast, coalesce, dateTrunc, secondsBetween, when, type BaseType, type Expr } from '@mvkit/compiler';
import { typeOf } from './eval-expr.ts';
import { catOfSql } from './sql-values.ts';

/** A seeded PRNG (mulberry32): a seed replays the same project and operations. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number { return min + Math.floor(this.next() * (max - min + 1)); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]!; }
  /** A random subset in the original order. */
  subset<T>(items: readonly T[], min = 0, max = items.length): T[] {
    const n = this.int(Math.min(min, items.length), Math.min(max, items.length));
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(this.int(0, items.length - 1));
    return items.filter((_, i) => chosen.has(i));
  }
}

/** The columns an expression may read: name → declared SQL type, and the DSL's typed references. */
export interface ExprScope {
  readonly types: Readonly<Record<string, string>>;
  readonly c: Readonly<Record<string, Expr<BaseType>>>;
}

export const TEXT_VALUES = ['a', 'b', 'c', 'd'];
export const BASE_TIME = Date.UTC(2026, 2, 1);
export const tsText = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

type Cat = ReturnType<typeof catOfSql>;
// The tenant column holds tenant ids, not the values conditions test for: left out of them.
const colsOf = (s: ExprScope, cats: readonly Cat[]) => Object.keys(s.types).filter((n) => n !== 'tenant_id' && cats.includes(catOfSql(s.types[n]!)));
const catOf = (s: ExprScope, e: Expr<BaseType>) => typeOf(e.node, { type: (_rel, name) => s.types[name]! });

const INTS: Cat[] = ['int'];
const NUMS: Cat[] = ['int', 'dec'];

/**
 * Random expressions built with the DSL's own operators, kept to what Postgres evaluates
 * exactly and without errors: no numeric division (its result scale is Postgres' own), divisors
 * are non-zero literals, products are by small literals (INTEGER and SMALLINT overflow).
 */
export function genNum(r: Rng, s: ExprScope, depth = 2): Expr<'number'> | null {
  const nums = colsOf(s, NUMS);
  const tss = colsOf(s, ['ts']);
  const pick = r.int(0, depth > 0 ? 7 : 1);
  const col = () => (nums.length ? (s.c[r.pick(nums)] as Expr<'number'>) : null);
  switch (pick) {
    case 0: case 1: return col();
    case 2: { const a = genNum(r, s, depth - 1); return a && a.plus(r.pick([1, 2, -3, 0.5])); }
    case 3: { const a = genNum(r, s, depth - 1); const b = genNum(r, s, depth - 1); return a && b && (r.chance(0.5) ? a.plus(b) : a.minus(b)); }
    case 4: { const a = genNum(r, s, depth - 1); return a && a.times(r.pick([2, -1, 3])); }
    case 5: {
      const a = genNum(r, s, depth - 1);
      if (!a) return null;
      // Integer division truncates toward zero; a double divides exactly; a numeric is cast to a double first.
      const c = catOf(s, a);
      return (c === 'dec' ? cast(a, 'DOUBLE PRECISION', 'number') : a).div(r.pick([2, 3, -4]));
    }
    case 6: {
      const a = col();
      return a && coalesce(a, r.pick([0, -1]));
    }
    default: {
      if (tss.length && r.chance(0.5)) return secondsBetween(s.c[r.pick(tss)] as Expr<'timestamp'>, s.c[r.pick(tss)] as Expr<'timestamp'>);
      const b = genBool(r, s, depth - 1);
      const x = genNum(r, s, depth - 1);
      return b && x && when([[b, x]], r.chance(0.5) ? r.pick([0, 7]) : undefined as never);
    }
  }
}

export function genBool(r: Rng, s: ExprScope, depth = 2): Expr<'boolean'> | null {
  const all = Object.keys(s.types);
  if (!all.length) return null;
  const pick = r.int(0, depth > 0 ? 8 : 4);
  switch (pick) {
    case 0: {
      const n = genNum(r, s, Math.min(depth, 1));
      if (!n) return genBool(r, s, depth);
      const v = r.pick([0, 1, 3, 5, 10, 2.5, -1]);
      return r.pick([(x: Expr<'number'>) => x.gt(v), (x: Expr<'number'>) => x.lte(v), (x: Expr<'number'>) => x.eq(v), (x: Expr<'number'>) => x.ne(v)])(n);
    }
    case 1: {
      const texts = colsOf(s, ['text']);
      if (!texts.length) return genBool(r, s, depth);
      const t = s.c[r.pick(texts)] as Expr<'text'>;
      return r.pick([() => t.eq(r.pick(TEXT_VALUES)), () => t.in(r.subset(TEXT_VALUES, 1, 2)), () => t.lt(r.pick(TEXT_VALUES)), () => coalesce(t, 'z').ne('b')])();
    }
    case 2: {
      const c = s.c[r.pick(all)]!;
      return r.chance(0.5) ? c.isNull() : c.isNotNull();
    }
    case 3: {
      const bools = colsOf(s, ['bool']);
      if (!bools.length) return genBool(r, s, depth);
      const b = s.c[r.pick(bools)] as Expr<'boolean'>;
      return r.pick([() => b, () => b.eq(true), () => b.not()])();
    }
    case 4: {
      const tss = colsOf(s, ['ts']);
      if (!tss.length) return genBool(r, s, depth);
      const t = s.c[r.pick(tss)] as Expr<'timestamp'>;
      const at = tsText(BASE_TIME + r.int(0, 60) * 3_600_000);
      return r.chance(0.7) ? t.gte(at) : dateTrunc('day', t).lt(at);
    }
    case 5: {
      const ints = colsOf(s, INTS);
      if (!ints.length) return genBool(r, s, depth);
      return (s.c[r.pick(ints)] as Expr<'number'>).in([1, 2, 3]);
    }
    default: {
      const a = genBool(r, s, depth - 1);
      const b = genBool(r, s, depth - 1);
      if (!a || !b) return a ?? b;
      return pick === 6 ? a.and(b) : pick === 7 ? a.or(b) : a.and(b).not();
    }
  }
}

/** A derived column of any type. */
export function genAny(r: Rng, s: ExprScope): Expr<BaseType> | null {
  const pick = r.int(0, 3);
  if (pick === 0) return genBool(r, s);
  if (pick === 1) {
    const tss = colsOf(s, ['ts']);
    if (tss.length) return r.chance(0.5) ? dateTrunc(r.pick(['hour', 'day', 'week', 'month'] as const), s.c[r.pick(tss)] as Expr<'timestamp'>) : s.c[r.pick(tss)]!;
  }
  if (pick === 2) {
    const texts = colsOf(s, ['text']);
    const b = genBool(r, s, 1);
    if (texts.length && b) return r.chance(0.5) ? coalesce(s.c[r.pick(texts)] as Expr<'text'>, 'z') : when([[b, s.c[r.pick(texts)] as Expr<'text'>]], 'none');
  }
  return genNum(r, s);
}
