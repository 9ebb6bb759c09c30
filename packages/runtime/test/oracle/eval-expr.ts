import type { ExprNode } from '@mvkit/compiler';
import {
  arith, arithCat, castTo, catOfSql, coerceLiteral, compare, dateTrunc, literalOf, OracleError, show, Ts, isNum,
  type Cat, type Val,
} from './sql-values.ts';

/** What an expression can read: each column's declared SQL type and its value in the current row. */
export interface Scope {
  type(rel: string | null, name: string): string;
  value(rel: string | null, name: string): Val;
}

/** Three-valued logic: true, false or NULL (unknown). */
type Bool = boolean | null;

/** The static type Postgres gives the expression. */
export function typeOf(n: ExprNode, scope: Pick<Scope, 'type'>): Cat {
  const t = (x: ExprNode) => typeOf(x, scope);
  switch (n.kind) {
    case 'column': return catOfSql(scope.type(n.rel, n.name));
    case 'literal': {
      const v = literalOf(n.value);
      return v === null ? 'null' : typeof v === 'string' ? 'unknown' : typeof v === 'boolean' ? 'bool' : typeof v === 'bigint' ? 'int' : 'dec';
    }
    case 'binary':
      return ['+', '-', '*', '/'].includes(n.op) ? arithCat(t(n.left), t(n.right)) : 'bool';
    case 'not': case 'isNull': case 'in': return 'bool';
    case 'case': return common([...n.whens.map(([, v]) => t(v)), ...(n.otherwise ? [t(n.otherwise)] : [])]);
    case 'call': return n.fn === 'ABS' || n.fn === 'ROUND' ? t(n.args[0]!) : common(n.args.map(t));
    case 'dateTrunc': return 'ts';
    case 'secondsBetween': return 'int';
    case 'cast': return catOfSql(n.to);
    case 'raw': throw new OracleError('raw SQL expressions are outside the oracle');
  }
}

/** The common type of CASE branches and COALESCE/LEAST/GREATEST arguments. */
function common(cats: readonly Cat[]): Cat {
  const known = cats.filter((c) => c !== 'null' && c !== 'unknown');
  if (!known.length) return cats.includes('unknown') ? 'text' : 'null';
  if (known.every((c) => c === 'int' || c === 'dec' || c === 'float')) return known.reduce<Cat>((a, b) => arithCat(a, b), known[0]!);
  const first = known[0]!;
  if (known.some((c) => c !== first)) throw new OracleError(`branches of types ${known.join(', ')} do not match`);
  return first;
}

/** A value converted to the static type `cat` (an int in a numeric CASE becomes a numeric, and so on). */
function toCat(v: Val, cat: Cat): Val {
  if (v === null) return null;
  switch (cat) {
    case 'float': return isNum(v) ? castTo(v, 'DOUBLE PRECISION') : v;
    case 'dec': return typeof v === 'bigint' ? castTo(v, 'NUMERIC') : v;
    case 'ts': case 'int': case 'bool': return coerceLiteral(v, cat);
    default: return v;
  }
}

export function evalExpr(n: ExprNode, scope: Scope): Val {
  const e = (x: ExprNode) => evalExpr(x, scope);
  switch (n.kind) {
    case 'column': return scope.value(n.rel, n.name);
    case 'literal': return literalOf(n.value);
    case 'binary': {
      if (n.op === 'AND' || n.op === 'OR') {
        const a = evalBool(n.left, scope);
        const b = evalBool(n.right, scope);
        if (n.op === 'AND') return a === false || b === false ? false : a === null || b === null ? null : true;
        return a === true || b === true ? true : a === null || b === null ? null : false;
      }
      if (n.op === '+' || n.op === '-' || n.op === '*' || n.op === '/') {
        const cat = typeOf(n, scope);
        return arith(n.op, toCat(e(n.left), cat), toCat(e(n.right), cat), cat);
      }
      const c = comparePair(n.left, n.right, scope);
      if (c === null) return null;
      switch (n.op) {
        case '=': return c === 0;
        case '<>': return c !== 0;
        case '<': return c < 0;
        case '<=': return c <= 0;
        case '>': return c > 0;
        case '>=': return c >= 0;
      }
      throw new OracleError(`operator ${n.op}`);
    }
    case 'not': {
      const a = evalBool(n.arg, scope);
      return a === null ? null : !a;
    }
    case 'isNull': return (e(n.arg) === null) !== n.negated;
    case 'in': {
      let unknown = false;
      for (const v of n.values) {
        const c = comparePair(n.arg, v, scope);
        if (c === 0) return true;
        if (c === null) unknown = true;
      }
      return unknown ? null : false;
    }
    case 'case': {
      const cat = typeOf(n, scope);
      for (const [cond, v] of n.whens) if (evalBool(cond, scope) === true) return toCat(e(v), cat);
      return n.otherwise ? toCat(e(n.otherwise), cat) : null;
    }
    case 'call': {
      const cat = typeOf(n, scope);
      const args = n.args.map((a) => toCat(e(a), cat));
      switch (n.fn) {
        case 'COALESCE': return args.find((a) => a !== null) ?? null;
        case 'LEAST': case 'GREATEST': {
          const vals = args.filter((a) => a !== null);
          if (!vals.length) return null;
          return vals.reduce((a, b) => ((compare(a, b) <= 0) === (n.fn === 'LEAST') ? a : b));
        }
        case 'ABS': {
          const a = args[0] ?? null;
          if (a === null) return null;
          return compare(a, 0n) < 0 ? arith('-', toCat(0n, cat), a, cat) : a;
        }
        case 'ROUND': {
          const a = args[0] ?? null;
          if (a === null || typeof a === 'bigint') return a;
          if (typeof a === 'number') return castTo(castTo(a, 'BIGINT'), 'DOUBLE PRECISION'); // rint: half to even
          return castTo(castTo(a, 'NUMERIC(38,0)'), 'NUMERIC');
        }
      }
      throw new OracleError(`function ${String(n.fn)}`);
    }
    case 'dateTrunc': {
      const v = toCat(e(n.arg), 'ts');
      if (v === null) return null;
      if (!(v instanceof Ts)) throw new OracleError(`DATE_TRUNC of ${show(v)}`);
      return dateTrunc(n.grain, v);
    }
    case 'secondsBetween': {
      const a = toCat(e(n.from), 'ts');
      const b = toCat(e(n.to), 'ts');
      if (a === null || b === null) return null;
      if (!(a instanceof Ts) || !(b instanceof Ts)) throw new OracleError('secondsBetween of non-timestamps');
      return BigInt(Math.floor((b.ms - a.ms) / 1000));
    }
    case 'cast': return castTo(e(n.arg), n.to);
    case 'raw': throw new OracleError('raw SQL expressions are outside the oracle');
  }
}

export function evalBool(n: ExprNode, scope: Scope): Bool {
  const v = evalExpr(n, scope);
  if (v !== null && typeof v !== 'boolean') throw new OracleError(`a condition evaluated to ${show(v)}`);
  return v;
}

/** Compares two operands after resolving their types as Postgres does; null when either is NULL. */
function comparePair(l: ExprNode, r: ExprNode, scope: Scope): number | null {
  const lc = typeOf(l, scope);
  const rc = typeOf(r, scope);
  const a = coerceLiteral(evalExpr(l, scope), lc === 'unknown' ? rc : lc);
  const b = coerceLiteral(evalExpr(r, scope), rc === 'unknown' ? lc : rc);
  if (a === null || b === null) return null;
  return compare(a, b);
}
