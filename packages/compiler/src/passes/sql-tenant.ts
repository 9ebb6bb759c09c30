import { parseSync } from '../analyzer/libpg-query.ts';
import { tenantOf } from '../dsl/aggregate.ts';
import type { SqlModel } from '../dsl/model.ts';
import type { Diagnostic } from '../errors.ts';
import { diag, streamJoinLandingIn, type ModelGraph } from '../graph.ts';

type Node = Record<string, unknown>;

const OPT_OUT = 'or, if this model really spans tenants, opt out explicitly: tenantIsolation: { optOut: "why" }';

/** Aggregate functions: a SELECT that calls one (outside OVER) sums rows together. */
const AGGREGATES = new Set(['count', 'sum', 'min', 'max', 'avg', 'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop',
  'bool_and', 'bool_or', 'bit_and', 'bit_or', 'listagg', 'string_agg', 'array_agg', 'median', 'percentile_cont', 'percentile_disc', 'approximate']);

/** A relation of one FROM: its name in the SELECT, and its tenant column when it holds tenant rows. */
interface Rel {
  readonly scope: string;
  readonly name: string;
  readonly tenant: string | null;
}

interface Context {
  readonly graph: ModelGraph;
  readonly ctes: Map<string, string | null>;
  /** Every tenant-scoped relation read, at any depth. */
  readonly tenantReads: Rel[];
  readonly problems: { code: string; message: string; hint: string }[];
}

/**
 * Tenant isolation of SQL models, by the rules of the DSL kinds, read from the Postgres parse
 * tree of the rendered SQL (every SELECT, subqueries and CTEs included):
 * - a SELECT that aggregates rows of tenant-scoped relations groups by a tenant column (aggregate);
 * - two tenant-scoped relations of one SELECT are joined on their tenant columns, in ON or WHERE,
 *   directly or through a third (enrichment); global dimensions need no tenant key;
 * - a model without `tenant` reads only global relations, or opts out with a reason;
 * - `tenantIsolation: { optOut }` skips the checks (its reason is checked by the tenant pass).
 * A SQL model that does not parse is left to the eligibility pass.
 */
export function sqlTenantPass(graph: ModelGraph, sqlOf: ReadonlyMap<string, string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of graph.models.values()) {
    if (m.kind !== 'sql' || m.tenantIsolation) continue;
    const sql = sqlOf.get(m.name);
    if (sql === undefined) continue;
    let stmt: Node | undefined;
    try {
      stmt = (parseSync(sql) as { stmts?: { stmt?: Node }[] }).stmts?.[0]?.stmt?.SelectStmt as Node | undefined;
    } catch {
      continue;
    }
    if (!stmt) continue;
    out.push(...checkModel(m, stmt, graph));
  }
  return out;
}

function checkModel(m: SqlModel, stmt: Node, graph: ModelGraph): Diagnostic[] {
  const ctx: Context = { graph, ctes: new Map(), tenantReads: [], problems: [] };
  const carried = checkSelect(stmt, ctx);
  const out = ctx.problems.map((p) => diag(m, p.code, p.message, p.hint));
  if (m.tenant && ctx.tenantReads.length && carried !== m.tenant) {
    const input = ctx.tenantReads[0]!;
    out.push(diag(m, 'tenant-column', `"${m.name}" declares tenant "${m.tenant}", but ${carried ? `its SELECT carries the tenant of ${input.name} as "${carried}"` : `its SELECT does not carry the tenant column of ${input.name} (${input.tenant})`}`,
      carried ? `declare tenant: '${carried}'` : `select ${input.scope}.${input.tenant} AS ${m.tenant}`));
  }
  if (m.tenant && !(m.tenant in m.columns)) {
    out.push(diag(m, 'unknown-column', `tenant column "${m.tenant}" is not a column of "${m.name}"`, `columns: ${Object.keys(m.columns).join(', ')}`));
  }
  if (!m.tenant && ctx.tenantReads.length) {
    const reads = [...new Set(ctx.tenantReads.map((r) => `${r.name} (${r.tenant})`))].join(', ');
    out.push(diag(m, 'tenant-undeclared', `"${m.name}" reads tenant-scoped relations, ${reads}, but declares no tenant column: nothing checks that it keeps tenants apart`,
      `declare tenant: '${ctx.tenantReads[0]!.tenant}' (carried through its SELECT, grouped and joined by), ${OPT_OUT}`));
  }
  return out;
}

/** Checks one SELECT (and those inside it); returns the output column that carries the tenant, if any. */
function checkSelect(stmt: Node, ctx: Context): string | null {
  if (stmt.op && stmt.op !== 'SETOP_NONE') {
    const left = checkSelect(stmt.larg as Node, ctx);
    checkSelect(stmt.rarg as Node, ctx);
    return left;
  }
  for (const cte of list((stmt.withClause as Node | undefined)?.ctes)) {
    const c = cte.CommonTableExpr as Node;
    const q = (c.ctequery as Node | undefined)?.SelectStmt as Node | undefined;
    ctx.ctes.set(String(c.ctename), q ? checkSelect(q, ctx) : null);
  }
  const rels: Rel[] = [];
  const conjuncts: Node[] = [];
  const from = (n: Node): void => {
    if (n.RangeVar) {
      const r = n.RangeVar as Node;
      const name = String(r.relname);
      const scope = String((r.alias as Node | undefined)?.aliasname ?? name);
      const rel = { scope, name, tenant: ctx.ctes.has(name) ? ctx.ctes.get(name)! : relationTenant(ctx.graph, name) };
      rels.push(rel);
      // A CTE's own reads were counted where it was checked.
      if (rel.tenant && !ctx.ctes.has(name)) ctx.tenantReads.push(rel);
    } else if (n.JoinExpr) {
      const j = n.JoinExpr as Node;
      from(j.larg as Node);
      from(j.rarg as Node);
      if (j.quals) conjuncts.push(...andArgs(j.quals as Node));
    } else if (n.RangeSubselect) {
      const s = n.RangeSubselect as Node;
      const q = (s.subquery as Node).SelectStmt as Node | undefined;
      const tenant = q ? checkSelect(q, ctx) : null;
      const scope = String((s.alias as Node | undefined)?.aliasname ?? '');
      rels.push({ scope, name: scope ? `the subquery ${scope}` : 'a subquery', tenant });
    }
  };
  list(stmt.fromClause).forEach(from);
  if (stmt.whereClause) conjuncts.push(...andArgs(stmt.whereClause as Node));
  const scoped = rels.filter((r) => r.tenant);
  checkJoins(scoped, conjuncts, ctx);

  const tenantCols = new Set(scoped.map((r) => r.tenant!));
  const targets = list(stmt.targetList).map((t) => t.ResTarget as Node);
  const isTenantRef = (v: Node | undefined) => {
    const f = colRef(v);
    return !!f && tenantCols.has(f[f.length - 1]!);
  };
  const groups = list(stmt.groupClause);
  const aggregates = groups.length > 0 || targets.some((t) => hasAggregate(t.val)) || hasAggregate(stmt.havingClause);
  if (aggregates && scoped.length) {
    const grouped = groups.some((g) => {
      if (isTenantRef(g)) return true;
      const ordinal = ((g.A_Const as Node | undefined)?.ival as Node | undefined)?.ival;
      const named = colRef(g);
      const target = typeof ordinal === 'number' ? targets[ordinal - 1] : named?.length === 1 ? targets.find((t) => t.name === named[0]) : undefined;
      return !!target && isTenantRef(target.val as Node);
    });
    if (!grouped) {
      const t = [...tenantCols][0]!;
      ctx.problems.push({ code: 'tenant-group', message: `a SELECT of this model aggregates rows of ${scoped.map((r) => r.name).join(', ')} without grouping by the tenant column "${t}": it would sum several tenants' rows together`,
        hint: `add ${t} to its GROUP BY (and SELECT), ${OPT_OUT}` });
    }
  }
  const carried = targets.find((t) => isTenantRef(t.val as Node));
  if (!carried) return null;
  const f = colRef(carried.val as Node)!;
  return String(carried.name ?? f[f.length - 1]);
}

/** Every tenant-scoped relation of one SELECT must be tied to the first by tenant equalities. */
function checkJoins(scoped: readonly Rel[], conjuncts: readonly Node[], ctx: Context): void {
  if (scoped.length < 2) return;
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    const p = parent.get(x);
    if (!p || p === x) return x;
    const root = find(p);
    parent.set(x, root);
    return root;
  };
  for (const c of conjuncts) {
    const e = c.A_Expr as Node | undefined;
    if (!e || e.kind !== 'AEXPR_OP' || opName(e) !== '=') continue;
    const a = colRef(e.lexpr as Node);
    const b = colRef(e.rexpr as Node);
    if (a?.length === 2 && b?.length === 2) parent.set(find(a.join('.')), find(b.join('.')));
  }
  const [first, ...rest] = scoped;
  const key = (r: Rel) => `${r.scope}.${r.tenant}`;
  for (const r of rest) {
    if (find(key(r)) === find(key(first!))) continue;
    ctx.problems.push({ code: 'tenant-join', message: `the join of ${first!.name} with ${r.name} does not constrain the tenant key (${key(r)} = ${key(first!)}): one tenant's rows would meet another's`,
      hint: `add AND ${key(r)} = ${key(first!)} to the join's ON, ${OPT_OUT}` });
  }
}

/** The tenant column of a relation the SQL reads: a model, or a stream join's landing table. */
function relationTenant(graph: ModelGraph, name: string): string | null {
  const m = graph.models.get(name);
  if (m) return tenantOf(m);
  const j = streamJoinLandingIn(graph, name);
  return j ? j.tenant : null;
}

function andArgs(n: Node): Node[] {
  const b = n.BoolExpr as Node | undefined;
  if (b && b.boolop === 'AND_EXPR') return list(b.args).flatMap(andArgs);
  return [n];
}

function hasAggregate(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasAggregate);
  if (v === null || typeof v !== 'object') return false;
  const n = v as Node;
  if (n.SubLink || n.SelectStmt) return false;
  const f = n.FuncCall as Node | undefined;
  if (f && !f.over) {
    const parts = list(f.funcname).map((p) => String((p.String as Node | undefined)?.sval ?? ''));
    if (AGGREGATES.has(parts[parts.length - 1]!.toLowerCase())) return true;
  }
  return Object.values(n).some(hasAggregate);
}

function colRef(v: Node | undefined): string[] | null {
  const c = v?.ColumnRef as Node | undefined;
  if (!c) return null;
  const parts = list(c.fields).map((f) => (f.String as Node | undefined)?.sval);
  return parts.every((p) => typeof p === 'string') ? (parts as string[]) : null;
}

function opName(e: Node): string {
  return String((list(e.name)[0]?.String as Node | undefined)?.sval ?? '');
}

function list(v: unknown): Node[] {
  return Array.isArray(v) ? (v as Node[]) : [];
}
