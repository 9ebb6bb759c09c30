import { aggInput, effectiveWhere, postgresDialect, relationsOf, renderExpr, renderOutput, type ExprNode, type Manifest, type ManifestColumn, type ManifestNode } from '@mvkit/compiler';
import { RefreshError } from '../errors.ts';

export type Capture = 'seq' | 'log' | 'none';
export type Layout = 'agg' | 'rows' | 'full';

/** One item of the FROM list, with what the engine knows about its change stream. */
export interface InputRef {
  readonly relation: string;
  /** The name expressions use: the alias, else the relation itself. */
  readonly alias: string;
  /** The join condition, as SQL and as a tree (null for the driving input). */
  readonly on: string | null;
  readonly onExpr: ExprNode | null;
  readonly columns: readonly string[];
  readonly types: Readonly<Record<string, string>>;
  readonly capture: 'seq' | 'log';
  /** Written by the engine itself (an MV): its log numbers commit in order. */
  readonly engineWritten: boolean;
  /** The input's unique key, if it has one. */
  readonly key: readonly string[] | null;
}

export interface AggRef {
  readonly name: string;
  readonly fn: 'count' | 'sum' | 'min' | 'max';
  /** The aggregated value (filter folded in) as SQL; null: COUNT(*). */
  readonly arg: string | null;
  /** The aggregate call as SQL. */
  readonly expr: string;
  /** The argument is never NULL (see SelectColumn.agg.notNull): a SUM then needs no count of its non-null values. */
  readonly notNull: boolean;
  /**
   * What a SUM's argument is known to hold (see integerKind): 'small', the literals 1, 0 and -1
   * (a countIf's CASE ... THEN 1 ELSE 0), whose weighted sum Postgres adds as int4 into a bigint;
   * 'int', other integers (columns, literals), whose sum, numeric in Postgres, is a bigint again
   * once cast; null, anything else (summed as Postgres sums it).
   */
  readonly integer: 'small' | 'int' | null;
}

/**
 * Whether a SUM keeps a count of its non-null arguments (hidden column _ivm_nn_<name>): SUM over
 * only NULLs is NULL, and that count tells when a sum goes back to NULL. A SUM whose argument is
 * never NULL is NULL only for a group without rows, which the store deletes: no count needed.
 */
export function countsNonNull(a: AggRef): boolean {
  return a.fn === 'sum' && !a.notNull;
}

/** A group key (agg) or output column (rows): its SQL text and its tree. */
export interface Projection {
  readonly name: string;
  readonly expr: string;
  readonly node: ExprNode;
}

/**
 * How a node is maintained: derived once from its select tree, used by DDL, refresh and
 * createNode. Expressions are rendered here, once, with the Postgres dialect; structural
 * questions are answered from the trees kept next to them.
 */
export interface NodePlan {
  readonly node: ManifestNode;
  readonly layout: Layout;
  /** Why a node is recomputed in full (layout 'full'). */
  readonly reason: string | null;
  readonly inputs: readonly InputRef[];
  readonly where: string | null;
  /** agg: the group columns; rows: every column. */
  readonly projections: readonly Projection[];
  readonly aggs: readonly AggRef[];
  /**
   * Expressions of the unique key over the input scope; of a multiset, every column (the stored
   * _ivm_k then names a row's value, which several identical rows share).
   */
  readonly keyExprs: readonly string[];
  /**
   * rows without a unique key (an enrichment of a stream, whose events may repeat): the storage
   * is a multiset, a row of the delta with weight w inserts w copies or deletes -w of them.
   */
  readonly multiset?: boolean;
}

export function captureOf(node: ManifestNode): Capture {
  if (node.kind === 'view') return 'none';
  if (node.kind === 'table') return node.appendOnly ? 'seq' : 'log';
  return 'log';
}

export function findNode(manifest: Manifest, name: string): ManifestNode {
  const node = manifest.nodes.find((n) => n.name === name);
  if (!node) throw new RefreshError(`no node "${name}" in the manifest`, { hint: `nodes: ${manifest.nodes.map((n) => n.name).join(', ')}` });
  return node;
}

const sql = (e: ExprNode) => renderExpr(e, postgresDialect);

/**
 * Plans made, per manifest and node: a refresh plans every MV it refreshes, and the plan is the
 * identity the temp tables' names are derived from (see tempName), so a refresh that plans
 * afresh also pays for naming them afresh. A plan is reused while the node and every input node
 * it was made from are the same objects in the same manifest (manifests are not edited in place).
 */
const plans = new WeakMap<Manifest, WeakMap<ManifestNode, { plan: NodePlan; from: readonly (ManifestNode | undefined)[] }>>();

export function planNode(manifest: Manifest, node: ManifestNode): NodePlan {
  let byNode = plans.get(manifest);
  if (!byNode) plans.set(manifest, (byNode = new WeakMap()));
  const from = () => (node.select && node.select.kind !== 'opaque' ? relationsOf(node.select).map((r) => manifest.nodes.find((n) => n.name === r.name)) : []);
  const hit = byNode.get(node);
  if (hit) {
    const now = from();
    if (now.length === hit.from.length && now.every((n, k) => n === hit.from[k])) return hit.plan;
  }
  const plan = makePlan(manifest, node);
  byNode.set(node, { plan, from: from() });
  return plan;
}

function makePlan(manifest: Manifest, node: ManifestNode): NodePlan {
  const full = (reason: string): NodePlan => ({ node, layout: 'full', reason, inputs: [], where: null, projections: [], aggs: [], keyExprs: [] });
  const s = node.select;
  if (!s) return full('no select tree to maintain it by');
  if (s.kind === 'opaque') return full(`SQL model outside the shape maintained incrementally: ${s.reason}`);
  const inputs: InputRef[] = [];
  const ons = [null, ...s.joins.map((j) => j.on)];
  for (const [k, r] of relationsOf(s).entries()) {
    const input = manifest.nodes.find((n) => n.name === r.name);
    if (!input) return full(`input ${r.name} is not a node of the project`);
    if (input.kind === 'view') return full(`input ${r.name} is a view and has no change stream`);
    const on = ons[k] ?? null;
    inputs.push({
      relation: r.name, alias: r.alias ?? r.name, on: on && sql(on), onExpr: on, columns: input.columns.map((c) => c.name), types: Object.fromEntries(input.columns.map((c) => [c.name, c.type.toUpperCase()])),
      capture: captureOf(input) as 'seq' | 'log', engineWritten: input.kind === 'mv', key: input.key,
    });
  }
  const filter = effectiveWhere(s);
  const where = filter && sql(filter);
  if (s.groupBy) {
    const aggs: AggRef[] = [];
    for (const o of s.outputs) {
      if (o.kind !== 'aggregate') continue;
      if (o.fn === 'countDistinct') return full(`${o.name} is COUNT(DISTINCT ...), which is not incrementally maintainable`);
      const arg = aggInput(o);
      aggs.push({ name: o.name, fn: o.fn, arg: arg && sql(arg), expr: renderOutput(o, postgresDialect), notNull: o.notNull, integer: arg && o.fn === 'sum' ? sumKind(arg, inputs, node.columns.find((c) => c.name === o.name)?.type) : null });
    }
    const groups = s.outputs.flatMap((o) => (o.kind === 'projection' ? [{ name: o.name, expr: sql(o.expr), node: o.expr }] : []));
    // A global aggregate has a row even over no input (COUNT = 0); a group store would drop it.
    if (!groups.length) return full('aggregate without GROUP BY');
    return { node, layout: 'agg', reason: null, inputs, where, projections: groups, aggs, keyExprs: groups.map((g) => g.expr) };
  }
  const key = node.key;
  const cols: Projection[] = [];
  for (const o of s.outputs) {
    if (o.kind !== 'projection') return full(`${o.name} is an aggregate in a select without GROUP BY`);
    cols.push({ name: o.name, expr: sql(o.expr), node: o.expr });
  }
  // Identical rows are interchangeable: a multiset is maintained exactly by the counts the
  // weighted delta gives per distinct row, whatever repeats in the stream or the join.
  if (!key?.length) return { node, layout: 'rows', reason: null, inputs, where, projections: cols, aggs: [], keyExprs: cols.map((c) => c.expr), multiset: true };
  const keyExprs: string[] = [];
  for (const k of key) {
    const c = cols.find((x) => x.name === k);
    if (!c) return full(`key column ${k} is not selected`);
    keyExprs.push(c.expr);
  }
  return { node, layout: 'rows', reason: null, inputs, where, projections: cols, aggs: [], keyExprs };
}

/** Integer column types: their SUM fits a bigint wherever the stored total does. */
const INTEGER_TYPES = new Set(['SMALLINT', 'INT2', 'INTEGER', 'INT', 'INT4', 'BIGINT', 'INT8']);

/**
 * What an aggregate's argument is known to hold: 'small', only the literals 1, 0 and -1 (or
 * NULL), a countIf's `CASE WHEN ... THEN 1 ELSE 0 END`, which times a weight (an int4) is an
 * int4 that cannot overflow; 'int', integer values (an integer column or literal, or a CASE of
 * such values); null, unknown. A column is found by its name in the inputs (qualified by alias
 * when it is), and only when one input has it: an ambiguous name is unknown.
 */
export function integerKind(e: ExprNode, inputs: readonly InputRef[]): 'small' | 'int' | null {
  switch (e.kind) {
    case 'literal':
      if (e.value === null || e.value === 0 || e.value === 1 || e.value === -1) return 'small';
      return typeof e.value === 'number' && Number.isSafeInteger(e.value) ? 'int' : null;
    case 'column': {
      const owners = inputs.filter((i) => (e.rel === null || i.alias === e.rel || i.relation === e.rel) && i.types[e.name] !== undefined);
      return owners.length === 1 && INTEGER_TYPES.has(typeBase(owners[0]!.types[e.name])) ? 'int' : null;
    }
    case 'case': {
      const kinds = [...e.whens.map(([, v]) => integerKind(v, inputs)), e.otherwise ? integerKind(e.otherwise, inputs) : 'small'];
      return kinds.includes(null) ? null : kinds.includes('int') ? 'int' : 'small';
    }
    default:
      return null;
  }
}

/** A SUM's integerKind, 'int' only where the MV stores the sum as an integer (a cast to bigint could fail on a numeric total). */
function sumKind(arg: ExprNode, inputs: readonly InputRef[], declared: string | undefined): 'small' | 'int' | null {
  const kind = integerKind(arg, inputs);
  return kind === 'int' && !INTEGER_TYPES.has(typeBase(declared)) ? null : kind;
}

/** Column types whose values can be grouped by (equality defined): every type the compiler emits for Postgres. */
const GROUPABLE = new Set(['VARCHAR', 'CHAR', 'CHARACTER', 'CHARACTER VARYING', 'TEXT', 'BPCHAR', ...INTEGER_TYPES, 'REAL', 'FLOAT', 'FLOAT4', 'FLOAT8',
  'DOUBLE PRECISION', 'NUMERIC', 'DECIMAL', 'BOOLEAN', 'BOOL', 'DATE', 'TIMESTAMP', 'TIMESTAMPTZ', 'TIMESTAMP WITHOUT TIME ZONE', 'TIMESTAMP WITH TIME ZONE', 'TIME', 'TIMETZ']);

/** Whether values of a column type can be grouped by (see GROUPABLE). */
export function groupableType(type: string | undefined): boolean {
  return GROUPABLE.has(typeBase(type));
}

/**
 * Whether the node reads its one input's delta consolidated (each distinct row once, with its
 * net weight; rows whose changes cancel dropped): a MIN/MAX group store over one logged input.
 * Then a row of positive weight is in the input's new state, which lets the merge keep an
 * extreme that a deleted row and an inserted row share without recomputing it (see applyAggDelta).
 */
export function consolidatesInput(plan: NodePlan): boolean {
  const [only, ...rest] = plan.inputs;
  return plan.layout === 'agg' && !!only && !rest.length && only.capture === 'log' && plan.aggs.some((a) => a.fn === 'min' || a.fn === 'max')
    && only.columns.every((c) => GROUPABLE.has(typeBase(only.types[c])));
}

const TEXT_TYPES = new Set(['VARCHAR', 'CHAR', 'CHARACTER', 'CHARACTER VARYING', 'TEXT', 'BPCHAR']);

/** The type name of a column type without its modifiers: `VARCHAR(32)` → `VARCHAR`. */
export function typeBase(type: string | undefined): string {
  if (!type) return '';
  const paren = type.indexOf('(');
  return (paren < 0 ? type : type.slice(0, paren)).trim().toUpperCase();
}

/**
 * The input column a group expression of a node over one input is, unqualified (the engine's
 * lookup index on the input names it as it is), or null for anything else.
 */
export function plainColumn(plan: NodePlan, e: ExprNode): string | null {
  const [only, ...rest] = plan.inputs;
  return !!only && !rest.length && e.kind === 'column' && e.rel === null && only.columns.includes(e.name) ? e.name : null;
}

/**
 * Whether a group expression of a node over one input is a plain text column of that input.
 * The engine's MIN/MAX lookup index on the input keys such a column bytewise (see lookupExpr).
 */
export function isTextColumn(plan: NodePlan, p: Projection): boolean {
  const c = plainColumn(plan, p.node);
  return c !== null && TEXT_TYPES.has(typeBase(plan.inputs[0]!.types[c]));
}

/**
 * A group expression as the engine's MIN/MAX lookup index on the input keys it, and as the
 * recomputation of an extreme compares it (`ref`: the same value elsewhere, the RC table's
 * column): a text column under COLLATE "C", anything else as it is. Lookups are by equality,
 * which every deterministic collation (the database's default is one) decides bytewise, while
 * ordering the index entries under a libc collation such as C.UTF-8 costs a strcoll per
 * comparison: a new entry of a six-column index meets ~30 comparisons on its way to a leaf.
 */
export function lookupExpr(plan: NodePlan, p: Projection, ref = p.expr): string {
  return isTextColumn(plan, p) ? `${ref} COLLATE "C"` : ref;
}

/**
 * Whether the node's program reads its delta in place (the input's range, straight from the
 * landing table or log) instead of from a session temp copy: a group store over one input,
 * whose delta is read once, by the statement that aggregates it per group. Joins keep the copy:
 * each delta is read by several terms, and their plans need its size (see readDeltas).
 */
export function readsDeltaInPlace(plan: NodePlan): boolean {
  return plan.layout === 'agg' && plan.inputs.length === 1;
}

export function declaredColumns(node: ManifestNode): readonly ManifestColumn[] {
  return node.columns;
}
