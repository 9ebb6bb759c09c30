import type { Diagnostic } from '../errors.ts';
import { diag, type ModelGraph } from '../graph.ts';
import { exprsOf, walk } from './model-exprs.ts';

/**
 * Type bounds both targets accept. Redshift's are the tighter ones, so they bind on every target:
 * - CHAR(n): at most 4096 bytes, VARCHAR(n): at most 65535 bytes
 *   (https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html); Postgres allows
 *   10485760 for both.
 * - NUMERIC(p,s): precision 1 to 38, scale 0 to p
 *   (https://docs.aws.amazon.com/redshift/latest/dg/r_Numeric_types201.html); Postgres allows a
 *   precision up to 1000 and, since 15, a negative scale, which Redshift refuses.
 * A length or precision below 1 is refused by both.
 */
export const MAX_VARCHAR = 65535;
export const MAX_CHAR = 4096;
export const MAX_NUMERIC_PRECISION = 38;

/** The problem with a SQL type's bounds, and the fix; null when it fits both targets. */
export function typeBoundProblem(sql: string): { message: string; hint: string } | null {
  const text = /^\s*(VARCHAR|CHARACTER VARYING|CHAR|CHARACTER|NVARCHAR|NCHAR)\s*\(\s*(-?\d+)\s*\)\s*$/i.exec(sql);
  if (text) {
    const varying = /VAR|VARYING/i.test(text[1]!);
    const n = Number(text[2]);
    const max = varying ? MAX_VARCHAR : MAX_CHAR;
    const name = varying ? 'VARCHAR' : 'CHAR';
    if (n < 1) return { message: `${sql} has a length below 1`, hint: `declare a length of 1 to ${max}` };
    if (n > max) {
      return {
        message: `${sql} is longer than Redshift allows: ${name} is at most ${max} bytes (Postgres allows more, but the project must deploy to both)`,
        hint: varying ? `use t.varchar(${MAX_VARCHAR}) or less` : `use t.char(${MAX_CHAR}) or less, or t.varchar(n) for longer text`,
      };
    }
    return null;
  }
  const num = /^\s*(NUMERIC|DECIMAL)\s*\(\s*(-?\d+)\s*(?:,\s*(-?\d+)\s*)?\)\s*$/i.exec(sql);
  if (num) {
    const p = Number(num[2]);
    const s = num[3] === undefined ? 0 : Number(num[3]);
    if (p < 1 || p > MAX_NUMERIC_PRECISION) {
      return {
        message: `${sql} has precision ${p}; Redshift allows a NUMERIC precision of 1 to ${MAX_NUMERIC_PRECISION} digits`,
        hint: `use t.numeric(${MAX_NUMERIC_PRECISION}, ${Math.min(Math.max(s, 0), MAX_NUMERIC_PRECISION)}) or less, or t.double() for wider ranges`,
      };
    }
    if (s < 0 || s > p) return { message: `${sql} has scale ${s}; the scale must be between 0 and the precision (${p})`, hint: `use t.numeric(${p}, ${Math.min(Math.max(s, 0), p)})` };
  }
  return null;
}

/**
 * Bounds of every type a model writes itself: the declared columns of streams, dimensions and
 * SQL models, and CASTs in expressions. Types carried from an input are reported at the input.
 */
export function typeBoundsPass(graph: ModelGraph): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of graph.models.values()) {
    if (m.kind === 'stream' || m.kind === 'dimension' || m.kind === 'sql') {
      for (const [c, t] of Object.entries(m.columns)) {
        const p = t && typeBoundProblem(t.sql);
        if (p) out.push(diag(m, 'type-bounds', `column "${c}" of "${m.name}": ${p.message}`, p.hint));
      }
    }
    for (const e of exprsOf(m)) {
      walk(e, (n) => {
        if (n.kind !== 'cast') return;
        const p = typeBoundProblem(n.to);
        if (p) out.push(diag(m, 'type-bounds', `a cast in "${m.name}": ${p.message}`, p.hint));
      });
    }
  }
  return out;
}
