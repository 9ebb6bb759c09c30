import type { FuncCall, SelectStmt } from 'libpg-query';
import { isAggregateCall } from './redshift-catalog.ts';
import type { Token } from './tokenizer.ts';

/** Helpers over the libpg-query JSON tree (its locations are the parser's: see pg-parser.ts). */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function functionName(fn: FuncCall): string {
  const last = fn.funcname?.[fn.funcname.length - 1];
  return last && 'String' in last ? (last.String.sval ?? '').toLowerCase() : '';
}

/** Smallest location in a subtree: where its text starts, as nodes sit at or after their first token (the parser's offsets, in the same order as the original text's). */
export function minLocation(node: unknown): number | undefined {
  let min: number | undefined;
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) walk(value[i]);
    } else if (isRecord(value)) {
      for (const key in value) {
        const child = value[key];
        if (key === 'location' && typeof child === 'number') {
          if (child >= 0 && (min === undefined || child < min)) min = child;
        } else walk(child);
      }
    }
  };
  walk(node);
  return min;
}

export function firstTokenAtOrAfter(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.start < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function collectCteNames(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) collectCteNames(value[i], into);
  } else if (isRecord(value)) {
    for (const key in value) {
      const child = value[key];
      if (key === 'CommonTableExpr' && isRecord(child) && typeof child.ctename === 'string') into.add(child.ctename.toLowerCase());
      if (child !== null && typeof child === 'object') collectCteNames(child, into);
    }
  }
}

/** Whether the MV's own query (its set-operation branches, not its subqueries) aggregates. */
export function hasAggregate(stmt: SelectStmt): boolean {
  if (stmt.op && stmt.op !== 'SETOP_NONE') return hasAggregate(stmt.larg ?? {}) || hasAggregate(stmt.rarg ?? {});
  if (stmt.groupClause?.length) return true;
  let found = false;
  const walk = (value: unknown): void => {
    if (found) return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) walk(value[i]);
    } else if (isRecord(value)) {
      for (const key in value) {
        const child = value[key];
        if (key === 'SubLink' || key === 'RangeSubselect') continue;
        if (key === 'FuncCall' && isRecord(child)) {
          const fn = child as FuncCall;
          if (isAggregateCall(fn, functionName(fn))) {
            found = true;
            return;
          }
        }
        walk(child);
      }
    }
  };
  walk([stmt.targetList, stmt.havingClause]);
  return found;
}
