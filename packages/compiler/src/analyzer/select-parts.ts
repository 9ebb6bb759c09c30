/**
 * The select tree of a raw SQL model, converted from the real Postgres parser's tree, so that
 * the local engine maintains it incrementally like a DSL model. Only the shape the engine
 * maintains is accepted: one SELECT over one relation inner-joined with others (ON), a WHERE,
 * and either a plain projection or a GROUP BY whose every non-aggregate item is a group key and
 * whose aggregates are COUNT/SUM/MIN/MAX (COUNT(DISTINCT) too: the engine recomputes that one).
 *
 * Expressions become expression trees where the tree has the construct (columns, literals,
 * comparisons, arithmetic, AND/OR/NOT, IS NULL, IN, CASE, COALESCE, GREATEST/LEAST, casts,
 * DATE_TRUNC); any other supported construct becomes a `raw` leaf, SQL text re-rendered by a
 * deparser for a small node subset, which the engine embeds but never inspects. Any node the
 * deparser does not know, and anything whose value may change without its inputs changing
 * (now(), CURRENT_DATE, random(), ...), makes the whole select opaque: the model is then
 * recomputed in full, which is always correct, and the reason is reported. Nothing here throws.
 */
import { parseSync } from './libpg-query.ts';
import { TIME_GRAINS, type BinaryOp, type ExprNode, type TimeGrain } from '../expr.ts';
import {
  aggregateOf, join, opaque, projection, relation, select, type AggregateNode, type JoinNode, type OutputNode, type QueryNode, type RelationNode, type SelectNode,
} from '../ir/select-node.ts';
import { exprKey } from '../ir/visit.ts';

export interface SqlSelectPartsOptions {
  /**
   * The columns of an input relation, or null when unknown. Only needed to resolve a bare
   * `GROUP BY name` that names an output column: Postgres reads it as an input column first.
   */
  readonly columnsOf?: (relation: string) => readonly string[] | null;
}

type Node = Record<string, unknown>;

/** Thrown inside the deparser for anything unsupported; caught at the top, never escapes. */
class Unsupported extends Error {}
const no = (why: string): never => {
  throw new Unsupported(why);
};

/**
 * A SQL MV's select tree, when it has the engine's shape and selects exactly its declared
 * columns (the storage table has those); else an opaque node that says why not.
 */
export function sqlModelSelect(sql: string, declared: readonly string[], options: SqlSelectPartsOptions = {}): QueryNode {
  let s: SelectNode;
  try {
    s = derive(sql, options);
  } catch (e) {
    return opaque(sql, e instanceof Unsupported ? e.message : `its SQL could not be read (${e instanceof Error ? e.message : String(e)})`);
  }
  const selected = s.outputs.map((o) => o.name);
  if (selected.length !== declared.length || !selected.every((n) => declared.includes(n))) {
    return opaque(sql, `it selects ${selected.join(', ')}, not exactly its declared columns ${declared.join(', ')}`);
  }
  return s;
}

/** The select tree of `sql`, or null when its shape is not one the engine maintains (or it does not parse). */
export function sqlSelectParts(sql: string, options: SqlSelectPartsOptions = {}): SelectNode | null {
  try {
    return derive(sql, options);
  } catch {
    // Unsupported, a parse error, or the parser not loaded: full recompute.
    return null;
  }
}

/** Why `sql` has no select parts (for tests and diagnostics), or null when it has them. */
export function sqlSelectPartsRejection(sql: string, options: SqlSelectPartsOptions = {}): string | null {
  try {
    derive(sql, options);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** What each clause the engine does not maintain is called in SQL. */
const CLAUSES: Record<string, string> = {
  withClause: 'WITH', distinctClause: 'DISTINCT', intoClause: 'SELECT INTO', havingClause: 'HAVING', windowClause: 'WINDOW', sortClause: 'ORDER BY',
  limitOffset: 'OFFSET', limitCount: 'LIMIT', lockingClause: 'FOR UPDATE/SHARE', valuesLists: 'VALUES', larg: 'a set operation', rarg: 'a set operation',
};

function derive(sql: string, options: SqlSelectPartsOptions): SelectNode {
  const tree = parseSync(sql) as { stmts?: { stmt?: Node }[] };
  const stmts = tree.stmts ?? [];
  if (stmts.length !== 1) no('not exactly one statement');
  const s = stmts[0]!.stmt?.SelectStmt as Node | undefined;
  if (!s) no('not a SELECT');
  const stmt = s!;
  if (stmt.op !== undefined && stmt.op !== 'SETOP_NONE') no('set operation');
  for (const k of ['withClause', 'distinctClause', 'intoClause', 'havingClause', 'windowClause', 'sortClause', 'limitOffset', 'limitCount', 'lockingClause', 'valuesLists', 'larg', 'rarg']) {
    if (present(stmt[k])) no(`${CLAUSES[k]} is not maintained incrementally`);
  }
  if (stmt.groupDistinct) no('GROUP BY DISTINCT');
  if (stmt.limitOption && stmt.limitOption !== 'LIMIT_OPTION_DEFAULT') no('FETCH');

  // FROM: one relation, then inner joins ON, left-deep.
  const fromClause = list(stmt.fromClause);
  if (fromClause.length !== 1) no('FROM must be one relation or a chain of inner joins');
  const from: { relation: RelationNode; on: ExprNode | null }[] = [];
  const walk = (n: Node): void => {
    if (n.RangeVar) {
      from.push({ relation: rangeVar(n.RangeVar as Node), on: null });
      return;
    }
    const j = n.JoinExpr as Node | undefined;
    if (!j) no('FROM item is not a table');
    const join = j!;
    if (join.jointype !== 'JOIN_INNER' || join.isNatural || present(join.usingClause) || join.alias || join.join_using_alias || !join.quals) no('only INNER JOIN ... ON');
    walk(join.larg as Node);
    const right = join.rarg as Node;
    if (!right.RangeVar) no('the right side of a join must be a table');
    from.push({ relation: rangeVar(right.RangeVar as Node), on: expr(join.quals as Node) });
  };
  walk(fromClause[0]!);
  const scopes = from.map((f) => f.relation.alias ?? f.relation.name);
  if (new Set(scopes).size !== scopes.length) no('two FROM items with one name');
  if (new Set(from.map((f) => f.relation.name)).size !== from.length) no('a relation read twice (self-join)');
  const joins: JoinNode[] = from.slice(1).map((f) => join(f.relation, f.on!));

  const where = stmt.whereClause ? expr(stmt.whereClause as Node) : null;

  // The target list.
  const items = list(stmt.targetList).map((t) => {
    const r = t.ResTarget as Node | undefined;
    if (!r || present(r.indirection)) no('unsupported target item');
    const val = r!.val as Node;
    if (val.ColumnRef && list((val.ColumnRef as Node).fields).some((f) => f.A_Star)) no('SELECT *');
    let name = r!.name as string | undefined;
    if (!name && val.ColumnRef) name = fieldName(list((val.ColumnRef as Node).fields).at(-1)!);
    if (!name) no('a target item without a name');
    if (!PLAIN.test(name!) || name!.startsWith('_ivm_') || name === '__w') no(`output name ${name} is not a plain identifier`);
    return { name: name!, val };
  });
  if (!items.length) no('empty target list');
  if (new Set(items.map((i) => i.name)).size !== items.length) no('two output columns with one name');

  const columns: OutputNode[] = items.map(({ name, val }) => aggregate(name, val) ?? projection(name, expr(val)));
  const driving = from[0]!.relation;
  const groupClause = list(stmt.groupClause);
  if (!groupClause.length) {
    if (columns.some((c) => c.kind === 'aggregate')) no('aggregate without GROUP BY');
    return select(driving, joins, where, columns, false);
  }

  // GROUP BY: exactly the non-aggregate items, by expression, ordinal or output name.
  const keys = new Set<number>();
  const keyOf = (c: OutputNode) => (c.kind === 'projection' ? exprKey(c.expr) : null);
  // Every output item with the expression of a group key is grouped by (`a AS x, a AS y ... GROUP BY a`).
  const group = (text: string) => columns.forEach((c, i) => { if (keyOf(c) === text) keys.add(i); });
  for (const g of groupClause) {
    if (g.GroupingSet) no('GROUPING SETS, ROLLUP or CUBE');
    const c = g.A_Const as Node | undefined;
    if (c && c.ival !== undefined) {
      const col = columns[intOf(c) - 1];
      if (!col || col.kind === 'aggregate') no(`GROUP BY ${intOf(c)} is not a non-aggregate output column`);
      group(keyOf(col!)!);
      continue;
    }
    const text = exprKey(expr(g));
    if (columns.some((col) => keyOf(col) === text)) {
      group(text);
      continue;
    }
    // A bare output name: Postgres reads it as an input column when an input has one by that name.
    const fields = list((g.ColumnRef as Node | undefined)?.fields);
    const named = fields.length === 1 ? columns.find((col) => col.name === fieldName(fields[0]!)) : undefined;
    const inputs = options.columnsOf ? from.map((f) => options.columnsOf!(f.relation.name)) : [null];
    if (!named || named.kind === 'aggregate' || !inputs.every((cols) => cols !== null && !cols.includes(named.name))) no(`GROUP BY ${scalar(g)} is not an output column`);
    group(keyOf(named!)!);
  }
  columns.forEach((c, i) => {
    if (c.kind === 'projection' && !keys.has(i)) no(`${c.name} is neither aggregated nor grouped by`);
    // The engine groups by the key expressions themselves: a literal there would be an ordinal or an error.
    if (c.kind === 'projection' && items[i]!.val.A_Const) no(`group key ${c.name} is a constant`);
  });
  if (!columns.some((c) => c.kind === 'aggregate')) no('GROUP BY without aggregates (SELECT DISTINCT)');
  return select(driving, joins, where, columns, true);
}

const PLAIN = /^[a-z_][a-z0-9_]*$/;

function present(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function list(v: unknown): Node[] {
  return Array.isArray(v) ? (v as Node[]) : [];
}

function rangeVar(r: Node): RelationNode {
  if (r.schemaname || r.catalogname) no('a schema-qualified relation');
  if (r.inh === false) no('ONLY');
  const relName = r.relname as string;
  if (!PLAIN.test(relName) || KEYWORDS.has(relName)) no(`relation ${relName} is not a plain name`);
  const alias = r.alias as Node | undefined;
  if (!alias) return relation(relName, null);
  if (present(alias.colnames)) no('column aliases on a relation');
  const name = alias.aliasname as string;
  if (!PLAIN.test(name) || KEYWORDS.has(name)) no(`alias ${name} is not a plain name`);
  return relation(relName, name);
}



function fieldName(f: Node): string {
  const s = f.String as Node | undefined;
  if (!s || typeof s.sval !== 'string') return no('unsupported name');
  return s.sval;
}

function intOf(c: Node): number {
  const v = (c.ival as Node | undefined)?.ival;
  return typeof v === 'number' ? v : 0;
}

/** An identifier as written: bare when plain and not a keyword, else double-quoted. */
function ident(s: string): string {
  return PLAIN.test(s) && !KEYWORDS.has(s) ? s : `"${s.replace(/"/g, '""')}"`;
}

// ---- aggregates --------------------------------------------------------------------------

/** A target item that is one aggregate call, or null when it is not an aggregate at all. */
function aggregate(outName: string, val: Node): AggregateNode | null {
  const f = val.FuncCall as Node | undefined;
  if (!f) return null;
  const name = funcName(f);
  if (!name || !['count', 'sum', 'min', 'max'].includes(name)) return null;
  if (f.over) no('window function');
  if (present(f.agg_order) || f.agg_within_group || f.func_variadic) no(`${name} with ORDER BY, WITHIN GROUP or VARIADIC`);
  const args = list(f.args);
  const filter = f.agg_filter ? expr(f.agg_filter as Node) : null;
  if (name === 'count') {
    if (f.agg_star) {
      if (args.length || f.agg_distinct) no('COUNT(*) with arguments');
      return aggregateOf(outName, 'count', null, filter);
    }
    if (args.length !== 1) no('COUNT of several arguments');
    return aggregateOf(outName, f.agg_distinct ? 'countDistinct' : 'count', expr(args[0]!), filter);
  }
  if (f.agg_star || args.length !== 1) no(`${name} takes one argument`);
  if (f.agg_distinct && name === 'sum') no('SUM(DISTINCT)');
  // MIN(DISTINCT x) is MIN(x).
  return aggregateOf(outName, name as 'sum' | 'min' | 'max', expr(args[0]!), filter);
}

/** The lowercase name of a plain or pg_catalog function, or null for another schema's. */
function funcName(f: Node): string | null {
  const parts = list(f.funcname).map(fieldName);
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 2 && parts[0] === 'pg_catalog') return parts[1]!;
  return null;
}

// ---- expression trees ---------------------------------------------------------------------

const BINARY = new Set<string>(['=', '<>', '<', '<=', '>', '>=', '+', '-', '*', '/']);
const raw = (n: Node): ExprNode => ({ kind: 'raw', sql: scalar(n) });

/** A plain, unquoted name the tree's column node can hold (the renderer writes it as it is). */
const bare = (s: string) => PLAIN.test(s) && !KEYWORDS.has(s);

/**
 * A scalar expression as a tree: the constructs the tree has become nodes, everything else a
 * `raw` leaf of deparsed text (the deparser also rejects what the engine cannot maintain).
 */
function expr(n: Node): ExprNode {
  const [kind, v] = Object.entries(n)[0] ?? [];
  const x = v as Node;
  switch (kind) {
    case 'ColumnRef': {
      const fields = list(x.fields);
      if (fields.some((f) => f.A_Star)) no('*');
      const names = fields.map(fieldName);
      if (names.includes('__w')) no('a column named __w');
      if (names.length === 1 && bare(names[0]!)) return { kind: 'column', rel: null, name: names[0]! };
      if (names.length === 2 && bare(names[0]!) && bare(names[1]!)) return { kind: 'column', rel: names[0]!, name: names[1]! };
      return raw(n);
    }
    case 'A_Const': {
      if (x.isnull) return { kind: 'literal', value: null };
      if (x.ival !== undefined) return { kind: 'literal', value: intOf(x) };
      if (x.boolval !== undefined) return { kind: 'literal', value: !!(x.boolval as Node).boolval };
      if (x.sval !== undefined) return { kind: 'literal', value: String((x.sval as Node).sval ?? '') };
      // Decimal and bit-string constants keep their text: a number would change their type.
      return raw(n);
    }
    case 'TypeCast': return { kind: 'cast', arg: expr(x.arg as Node), to: typeName(x.typeName as Node) };
    case 'BoolExpr': {
      const args = list(x.args).map(expr);
      if (x.boolop === 'NOT_EXPR') return { kind: 'not', arg: args[0]! };
      const op = x.boolop === 'AND_EXPR' ? 'AND' : x.boolop === 'OR_EXPR' ? 'OR' : no('unknown boolean operator');
      return args.reduce((a, b) => ({ kind: 'binary', op: op as BinaryOp, left: a, right: b }));
    }
    case 'NullTest': {
      if (x.argisrow) no('row null test');
      if (x.nulltesttype !== 'IS_NULL' && x.nulltesttype !== 'IS_NOT_NULL') no('unknown null test');
      return { kind: 'isNull', arg: expr(x.arg as Node), negated: x.nulltesttype === 'IS_NOT_NULL' };
    }
    case 'A_Expr': {
      const l = x.lexpr as Node | undefined;
      const r = x.rexpr as Node | undefined;
      if (x.kind === 'AEXPR_OP' && l && r) {
        const op = opName(x);
        if (BINARY.has(op)) return { kind: 'binary', op: op as BinaryOp, left: expr(l), right: expr(r) };
      }
      if (x.kind === 'AEXPR_IN' && l && opName(x) === '=') {
        const items = (r?.List as Node | undefined)?.items;
        if (Array.isArray(items)) return { kind: 'in', arg: expr(l), values: list(items).map(expr) };
      }
      return raw(n);
    }
    case 'CaseExpr': {
      if (x.arg) return raw(n);
      const whens = list(x.args).map((w) => {
        const cw = w.CaseWhen as Node | undefined;
        if (!cw) no('unknown CASE arm');
        return [expr(cw!.expr as Node), expr(cw!.result as Node)] as const;
      });
      return { kind: 'case', whens, otherwise: x.defresult ? expr(x.defresult as Node) : null };
    }
    case 'CoalesceExpr': return { kind: 'call', fn: 'COALESCE', args: list(x.args).map(expr) };
    case 'MinMaxExpr': {
      const fn = x.op === 'IS_GREATEST' ? 'GREATEST' : x.op === 'IS_LEAST' ? 'LEAST' : no('unknown GREATEST/LEAST');
      return { kind: 'call', fn: fn as 'GREATEST' | 'LEAST', args: list(x.args).map(expr) };
    }
    case 'FuncCall': {
      funcCall(x); // rejects what the engine cannot maintain
      const name = funcName(x);
      const args = list(x.args);
      const qualified = list(x.funcname).length === 2;
      const grain = ((args[0]?.A_Const as Node | undefined)?.sval as Node | undefined)?.sval;
      if (!qualified && name === 'date_trunc' && args.length === 2 && typeof grain === 'string' && (TIME_GRAINS as readonly string[]).includes(grain)) {
        return { kind: 'dateTrunc', grain: grain as TimeGrain, arg: expr(args[1]!) };
      }
      if (!qualified && (name === 'abs' || name === 'round')) return { kind: 'call', fn: name === 'abs' ? 'ABS' : 'ROUND', args: args.map(expr) };
      return raw(n);
    }
    default: return raw(n);
  }
}

// ---- the scalar deparser -----------------------------------------------------------------

/** Nodes rendered without parentheses as an operand. */
function atomic(n: Node): boolean {
  if (n.ColumnRef || n.FuncCall || n.CaseExpr || n.CoalesceExpr || n.MinMaxExpr || n.TypeCast || n.A_ArrayExpr) return true;
  const c = n.A_Const as Node | undefined;
  if (c) {
    if (c.ival !== undefined) return intOf(c) >= 0;
    if (c.fval !== undefined) return !String((c.fval as Node).fval).startsWith('-');
    return true;
  }
  if (n.A_Expr && (n.A_Expr as Node).kind === 'AEXPR_NULLIF') return true;
  return false;
}

function operand(n: Node): string {
  const text = scalar(n);
  return atomic(n) ? text : `(${text})`;
}

/** A scalar expression: no aggregates, windows, subqueries or time- and session-dependent values. */
function scalar(n: Node): string {
  const [kind, v] = Object.entries(n)[0] ?? [];
  const x = v as Node;
  switch (kind) {
    case 'ColumnRef': {
      const fields = list(x.fields);
      if (fields.some((f) => f.A_Star)) no('*');
      const names = fields.map(fieldName);
      if (names.includes('__w')) no('a column named __w');
      return names.map(ident).join('.');
    }
    case 'A_Const': return constant(x);
    case 'TypeCast': return `CAST(${scalar(x.arg as Node)} AS ${typeName(x.typeName as Node)})`;
    case 'CollateClause': return `${operand(x.arg as Node)} COLLATE ${list(x.collname).map((p) => ident(fieldName(p))).join('.')}`;
    case 'A_Expr': return aExpr(x);
    case 'BoolExpr': {
      const args = list(x.args);
      if (x.boolop === 'NOT_EXPR') return `NOT ${operand(args[0]!)}`;
      if (x.boolop === 'AND_EXPR') return args.map(operand).join(' AND ');
      if (x.boolop === 'OR_EXPR') return args.map(operand).join(' OR ');
      return no('unknown boolean operator');
    }
    case 'NullTest': {
      if (x.argisrow) no('row null test');
      const op = x.nulltesttype === 'IS_NULL' ? 'IS NULL' : x.nulltesttype === 'IS_NOT_NULL' ? 'IS NOT NULL' : no('unknown null test');
      return `${operand(x.arg as Node)} ${op}`;
    }
    case 'BooleanTest': {
      const op = BOOL_TESTS[x.booltesttype as string] ?? no('unknown boolean test');
      return `${operand(x.arg as Node)} ${op}`;
    }
    case 'CaseExpr': {
      const parts = ['CASE'];
      if (x.arg) parts.push(operand(x.arg as Node));
      for (const w of list(x.args)) {
        const cw = w.CaseWhen as Node | undefined;
        if (!cw) no('unknown CASE arm');
        parts.push(`WHEN ${scalar(cw!.expr as Node)} THEN ${scalar(cw!.result as Node)}`);
      }
      if (x.defresult) parts.push(`ELSE ${scalar(x.defresult as Node)}`);
      parts.push('END');
      return parts.join(' ');
    }
    case 'CoalesceExpr': return `COALESCE(${list(x.args).map(scalar).join(', ')})`;
    case 'MinMaxExpr': {
      const f = x.op === 'IS_GREATEST' ? 'GREATEST' : x.op === 'IS_LEAST' ? 'LEAST' : no('unknown GREATEST/LEAST');
      return `${f}(${list(x.args).map(scalar).join(', ')})`;
    }
    case 'A_ArrayExpr': return `ARRAY[${list(x.elements).map(scalar).join(', ')}]`;
    case 'FuncCall': return funcCall(x);
    default: return no(`${kind ?? 'an empty node'} is not supported in an expression`);
  }
}

const BOOL_TESTS: Record<string, string> = {
  IS_TRUE: 'IS TRUE', IS_NOT_TRUE: 'IS NOT TRUE', IS_FALSE: 'IS FALSE', IS_NOT_FALSE: 'IS NOT FALSE', IS_UNKNOWN: 'IS UNKNOWN', IS_NOT_UNKNOWN: 'IS NOT UNKNOWN',
};

function constant(c: Node): string {
  if (c.isnull) return 'NULL';
  if (c.ival !== undefined) return String(intOf(c));
  if (c.fval !== undefined) {
    const f = String((c.fval as Node).fval);
    if (!/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(f)) no(`number ${f}`);
    return f;
  }
  if (c.boolval !== undefined) return (c.boolval as Node).boolval ? 'TRUE' : 'FALSE';
  if (c.sval !== undefined) return quoteString(String((c.sval as Node).sval ?? ''));
  if (c.bsval !== undefined) {
    const b = String((c.bsval as Node).bsval);
    if (/^b[01]*$/.test(b)) return `B'${b.slice(1)}'`;
    if (/^x[0-9a-f]*$/i.test(b)) return `X'${b.slice(1)}'`;
    return no('bit string');
  }
  return no('unknown constant');
}

function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const PG_TYPES: Record<string, string> = {
  int2: 'SMALLINT', int4: 'INTEGER', int8: 'BIGINT', float4: 'REAL', float8: 'DOUBLE PRECISION', bool: 'BOOLEAN', numeric: 'NUMERIC',
  varchar: 'VARCHAR', bpchar: 'CHAR', timestamp: 'TIMESTAMP', timestamptz: 'TIMESTAMPTZ', time: 'TIME', timetz: 'TIMETZ', interval: 'INTERVAL', bit: 'BIT', varbit: 'VARBIT',
};

function typeName(t: Node): string {
  if (t.setof || t.pct_type) no('SETOF or %TYPE');
  const names = list(t.names).map(fieldName);
  let base: string;
  if (names.length === 2 && names[0] === 'pg_catalog' && PG_TYPES[names[1]!]) base = PG_TYPES[names[1]!]!;
  else if (names.length === 1) base = ident(names[0]!);
  else return no(`type ${names.join('.')}`);
  const mods = list(t.typmods);
  if (mods.length) {
    if (base === 'INTERVAL') no('INTERVAL with fields');
    base += `(${mods.map((m) => {
      const c = m.A_Const as Node | undefined;
      if (!c || c.ival === undefined) no('a type modifier that is not an integer');
      return String(intOf(c!));
    }).join(', ')})`;
  }
  for (const b of list(t.arrayBounds)) {
    const c = b.Integer as Node | undefined;
    const size = c && typeof c.ival === 'number' && c.ival >= 0 ? c.ival : null;
    base += size === null ? '[]' : `[${size}]`;
  }
  return base;
}

function opName(x: Node): string {
  const names = list(x.name).map(fieldName);
  if (names.length !== 1) no('a schema-qualified operator');
  const op = names[0]!;
  if (!/^[+\-*/<>=~!@#%^&|`?]+$/.test(op)) no(`operator ${op}`);
  return op;
}

function aExpr(x: Node): string {
  const l = x.lexpr as Node | undefined;
  const r = x.rexpr as Node | undefined;
  switch (x.kind) {
    case 'AEXPR_OP': {
      const op = opName(x);
      if (!r) no('postfix operator');
      return l ? `${operand(l)} ${op} ${operand(r!)}` : `${op} ${operand(r!)}`;
    }
    case 'AEXPR_OP_ANY': case 'AEXPR_OP_ALL':
      return `${operand(l!)} ${opName(x)} ${x.kind === 'AEXPR_OP_ANY' ? 'ANY' : 'ALL'} (${scalar(r!)})`;
    case 'AEXPR_DISTINCT': return `${operand(l!)} IS DISTINCT FROM ${operand(r!)}`;
    case 'AEXPR_NOT_DISTINCT': return `${operand(l!)} IS NOT DISTINCT FROM ${operand(r!)}`;
    case 'AEXPR_NULLIF': return `NULLIF(${scalar(l!)}, ${scalar(r!)})`;
    case 'AEXPR_IN': {
      const items = (r?.List as Node | undefined)?.items;
      if (!Array.isArray(items)) no('IN without a list');
      const op = opName(x);
      const not = op === '<>' ? 'NOT ' : op === '=' ? '' : no(`IN with ${op}`);
      return `${operand(l!)} ${not}IN (${list(items).map(scalar).join(', ')})`;
    }
    case 'AEXPR_LIKE': case 'AEXPR_ILIKE': {
      const op = opName(x);
      const word = x.kind === 'AEXPR_LIKE' ? 'LIKE' : 'ILIKE';
      const not = op.startsWith('!') ? 'NOT ' : '';
      return `${operand(l!)} ${not}${word} ${operand(r!)}`;
    }
    case 'AEXPR_BETWEEN': case 'AEXPR_NOT_BETWEEN': case 'AEXPR_BETWEEN_SYM': case 'AEXPR_NOT_BETWEEN_SYM': {
      const bounds = list((r?.List as Node | undefined)?.items);
      if (bounds.length !== 2) no('BETWEEN without two bounds');
      const word = { AEXPR_BETWEEN: 'BETWEEN', AEXPR_NOT_BETWEEN: 'NOT BETWEEN', AEXPR_BETWEEN_SYM: 'BETWEEN SYMMETRIC', AEXPR_NOT_BETWEEN_SYM: 'NOT BETWEEN SYMMETRIC' }[x.kind as string]!;
      return `${operand(l!)} ${word} ${operand(bounds[0]!)} AND ${operand(bounds[1]!)}`;
    }
    default: return no(`${String(x.kind)} is not supported`);
  }
}

/** Aggregate functions of Postgres and Redshift: none may appear in a scalar expression. */
const AGGREGATES = new Set([
  'avg', 'count', 'sum', 'min', 'max', 'every', 'bool_and', 'bool_or', 'bit_and', 'bit_or', 'bit_xor', 'array_agg', 'string_agg', 'listagg', 'median',
  'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg', 'json_agg_strict', 'jsonb_agg_strict', 'json_object_agg_strict', 'json_object_agg_unique', 'json_object_agg_unique_strict',
  'jsonb_object_agg_strict', 'jsonb_object_agg_unique', 'jsonb_object_agg_unique_strict', 'xmlagg', 'any_value', 'range_agg', 'range_intersect_agg',
  'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp', 'corr', 'covar_pop', 'covar_samp',
  'regr_avgx', 'regr_avgy', 'regr_count', 'regr_intercept', 'regr_r2', 'regr_slope', 'regr_sxx', 'regr_sxy', 'regr_syy',
  'percentile_cont', 'percentile_disc', 'mode', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'grouping',
  'approximate', 'hll', 'hll_create_sketch', 'hll_combine', 'ratio_to_report',
]);

/**
 * Functions whose value changes with time, the session or a sequence, not with the inputs: an
 * incrementally maintained result would drift from its recomputation.
 */
const VOLATILE = new Set([
  'now', 'random', 'random_normal', 'setseed', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp', 'timeofday', 'getdate', 'sysdate',
  'nextval', 'currval', 'lastval', 'setval', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'uuidv4', 'uuidv7',
  'txid_current', 'txid_current_if_assigned', 'current_setting', 'set_config', 'current_database', 'current_schema', 'current_schemas', 'current_user',
  'session_user', 'inet_client_addr', 'inet_server_addr', 'version', 'dblink', 'to_regclass', 'to_regtype', 'has_table_privilege',
]);

function funcCall(f: Node): string {
  const name = funcName(f);
  if (name === null) return no('a function of another schema');
  if (f.over) no('window function');
  if (f.agg_star || f.agg_distinct || f.agg_filter || present(f.agg_order) || f.agg_within_group) no(`aggregate ${name} inside an expression`);
  if (f.func_variadic) no('VARIADIC');
  if (AGGREGATES.has(name)) no(`aggregate ${name} inside an expression (or not the whole output expression)`);
  if (VOLATILE.has(name) || name.startsWith('pg_') || name.startsWith('txid_')) no(`${name}() does not depend on the inputs alone`);
  const args = list(f.args);
  if (args.some((a) => a.NamedArgExpr)) no('named arguments');
  if (name === 'age' && args.length === 1) no('age(x) depends on the current date');
  const qualified = list(f.funcname).length === 2;
  if (f.funcformat === 'COERCE_SQL_SYNTAX' && name === 'extract' && args.length === 2) {
    const field = (args[0]!.A_Const as Node | undefined)?.sval as Node | undefined;
    if (field && typeof field.sval === 'string' && /^[a-z]+$/.test(field.sval)) return `EXTRACT(${field.sval.toUpperCase()} FROM ${scalar(args[1]!)})`;
  }
  // A SQL-syntax call (AT TIME ZONE, SUBSTRING ... FROM, TRIM, ...) is the pg_catalog function it stands for.
  const shown = qualified ? `pg_catalog.${ident(name)}` : PLAIN.test(name) ? name.toUpperCase() : ident(name);
  return `${shown}(${args.map(scalar).join(', ')})`;
}

/**
 * Postgres keywords that cannot (or not everywhere) be a bare column or relation name: reserved,
 * type/function-name and column-name keywords. Quoting any of them keeps its meaning.
 */
const KEYWORDS = new Set(`all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create
current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end
except false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp not
null offset on only or order placing primary references returning select session_user some symmetric system_user table then to
trailing true union unique user using variadic when where window with
authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join left like natural notnull
outer overlaps right similar tablesample verbose
between bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout int integer interval json
json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar json_serialize json_table json_value least
merge_action national nchar none normalize nullif numeric out overlay position precision real row setof smallint substring time
timestamp treat trim values varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot
xmlserialize xmltable`.split(/\s+/));
