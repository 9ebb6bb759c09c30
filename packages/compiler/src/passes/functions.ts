import { parseSync } from '../analyzer/libpg-query.ts';
import type { Model } from '../dsl/model.ts';
import { functionInfo, supports, type FunctionTarget } from '../emit/functions.ts';
import type { Diagnostic } from '../errors.ts';
import { diag, type ModelGraph } from '../graph.ts';
import { exprsOf, walk } from './model-exprs.ts';

type Node = Record<string, unknown>;

export interface FunctionCall {
  readonly name: string;
  /** UTF-8 byte offset in the parsed text. */
  readonly location: number;
}

/**
 * The function calls of a SQL text, from the Postgres parse tree (the parser must be loaded:
 * `await initAnalyzer()`). Special syntax that parses into a call (EXTRACT, AT TIME ZONE, TRIM,
 * SUBSTRING ... FROM) and schema-qualified user functions are left out. Throws on a parse error.
 */
export function functionCalls(sql: string): FunctionCall[] {
  const out: FunctionCall[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(visit); return; }
    if (v === null || typeof v !== 'object') return;
    const call = (v as Node).FuncCall as Node | undefined;
    if (call && call.funcformat !== 'COERCE_SQL_SYNTAX') {
      const parts = ((call.funcname as Node[] | undefined) ?? []).map((p) => String((p.String as Node | undefined)?.sval ?? ''));
      if (parts.length === 1 || parts[0] === 'pg_catalog') out.push({ name: parts[parts.length - 1]!.toLowerCase(), location: Number(call.location ?? 0) });
    }
    for (const child of Object.values(v as Node)) visit(child);
  };
  visit(parseSync(sql));
  return out;
}

/**
 * The targets whose functions a project must stay within: the local engine (Postgres) always,
 * since it runs every project; Redshift when a target uses it, or when no target is declared
 * (a project is written for Redshift until it says otherwise).
 */
export function functionTargets(engines: readonly string[] | null): FunctionTarget[] {
  return !engines || engines.length === 0 || engines.includes('redshift') ? ['postgres', 'redshift'] : ['postgres'];
}

const TARGET_NAME: Record<FunctionTarget, string> = { postgres: 'the local engine (Postgres)', redshift: 'Redshift' };

/**
 * Every function a sqlExpr fragment or a SQL model calls, checked against the function table of
 * each target: a function one target lacks passes validate today and breaks `apply` there.
 */
export function functionsPass(graph: ModelGraph, sqlOf: ReadonlyMap<string, string>, targets: readonly FunctionTarget[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of graph.models.values()) {
    const texts: { sql: string; where: string }[] = [];
    if (m.kind === 'sql') {
      const sql = sqlOf.get(m.name);
      if (sql !== undefined) texts.push({ sql, where: 'its SQL' });
    }
    for (const e of exprsOf(m)) walk(e, (n) => { if (n.kind === 'raw') texts.push({ sql: n.sql, where: `sqlExpr(${JSON.stringify(n.sql)})` }); });
    const reported = new Set<string>();
    for (const { sql, where } of texts) {
      let calls: FunctionCall[];
      try {
        calls = functionCalls(where === 'its SQL' ? sql : `SELECT ${sql}`);
      } catch (e) {
        // A SQL model's own parse errors are the eligibility pass's; a fragment's are reported here.
        if (where !== 'its SQL') out.push(diag(m, 'sql-expr-syntax', `${where} in "${m.name}" does not parse as a SQL expression: ${(e as Error).message}`, 'fix the expression text; it is copied into the SELECT as it is written'));
        continue;
      }
      for (const c of calls) {
        for (const t of targets) {
          if (supports(t, c.name) || reported.has(`${t}:${c.name}`)) continue;
          reported.add(`${t}:${c.name}`);
          out.push(unsupported(m, c, t, where, sql, targets));
        }
      }
    }
  }
  return out;
}

function unsupported(m: Model, c: FunctionCall, target: FunctionTarget, where: string, sql: string, targets: readonly FunctionTarget[]): Diagnostic {
  const info = functionInfo(c.name)!;
  const owner = info.redshift ? 'a Redshift function' : info.postgres ? 'a Postgres function' : 'a function';
  const fn = `${c.name.toUpperCase()}()`;
  const line = lineAt(sql, c.location);
  const at = where === 'its SQL' ? `line ${line} of its SQL` : where;
  const why = target === 'postgres' ? 'it runs every project, so `apply` would fail there' : 'the project deploys to Redshift (or declares no target, and is checked for it)';
  const both = targets.length > 1 ? 'both targets' : TARGET_NAME[targets[0]!];
  const hint = info.portable
    ? `write ${info.portable} instead (${both} ${targets.length > 1 ? 'have' : 'has'} that form)`
    : `no form of ${fn} exists on ${both}: ${info.advice ?? 'compute it another way, or outside the model'}`;
  return diag(m, 'unsupported-function', `${fn} (${at}) is ${owner}: ${TARGET_NAME[target]} does not have it, and ${why}`, hint);
}

/** The 1-based line of a UTF-8 byte offset. */
function lineAt(sql: string, byteOffset: number): number {
  const before = Buffer.from(sql, 'utf8').subarray(0, Math.max(0, byteOffset)).toString('utf8');
  return before.split('\n').length;
}
