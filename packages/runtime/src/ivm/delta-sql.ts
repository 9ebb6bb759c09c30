import { KEY_COLLATION, SEQ, logTable } from './catalog.ts';
import type { InputRef, NodePlan } from './node-plan.ts';

/**
 * An input's change positions for one refresh: `from` is the consumer's watermark (W), `to`
 * the high mark it advances to (H). `changes` counts change rows in (W, H]; `beyond` says the
 * snapshot also holds changes past H (a dimension write that committed after H was read).
 */
export interface Mark {
  readonly from: number;
  readonly to: number;
  readonly changes: number;
  /** How many of the `changes` have negative weight, when known (a handed-over delta). */
  readonly deletes?: number;
  readonly beyond: boolean;
  /** A temp table holding the delta (columns + __w), once materialized. */
  readonly table?: string;
  /** The delta is consolidated as it is read (each distinct row once with its net weight, zeros dropped); not set for a range consolidated as it lies. */
  readonly consolidated?: boolean;
  /**
   * The delta was handed over in `table` by the input's refresh earlier in the same unit and is
   * not in the input's log (see refreshUnit): the input's table already holds it. `from` is the
   * watermark, which stays; `to` is from + 0.5, a position between it and the log's next number
   * that stands for "after this unit's change", so that the state at `from` is the table minus
   * the handed-over rows and the state at `to` the table itself.
   */
  readonly handoff?: boolean;
}
export type Marks = ReadonlyMap<string, Mark>;

const cols = (i: InputRef) => i.columns.join(', ');

function markOf(marks: Marks, i: InputRef): Mark {
  const m = marks.get(i.relation);
  if (!m) throw new Error(`no mark for input ${i.relation}`);
  return m;
}

/** Whether the log holds entries after position p (so the table's state at p differs from the table). */
function laterChanges(m: Mark, p: number): boolean {
  return p >= m.to ? m.beyond : m.changes > 0 || m.beyond;
}

/**
 * The input as it was at position p, as a weighted relation (columns + __w), given as the arms
 * of a UNION ALL. A logged relation at p is its current table minus the log entries after p:
 * the table and its log are written in one transaction, so one snapshot sees both or neither.
 */
export function weightedStateArms(i: InputRef, p: number, marks: Marks): string[] {
  if (i.capture === 'seq') return [`SELECT ${cols(i)}, 1 AS __w FROM ${i.relation} WHERE ${SEQ} <= ${p}`];
  const m = markOf(marks, i);
  const arms = [`SELECT ${cols(i)}, 1 AS __w FROM ${i.relation}`];
  if (!laterChanges(m, p)) return arms;
  if (p >= m.to || !m.table) return [...arms, `SELECT ${cols(i)}, -_w AS __w FROM ${logTable(i.relation)} WHERE _seq > ${p}`];
  // At the watermark: minus the (materialized) delta, minus what lies beyond the high mark.
  arms.push(`SELECT ${cols(i)}, -__w AS __w FROM ${m.table}`);
  if (m.beyond) arms.push(`SELECT ${cols(i)}, -_w AS __w FROM ${logTable(i.relation)} WHERE _seq > ${m.to}`);
  return arms;
}

export function weightedState(i: InputRef, p: number, marks: Marks): string {
  return weightedStateArms(i, p, marks).join(' UNION ALL ');
}

export function weightedDelta(i: InputRef, marks: Marks): string {
  const m = markOf(marks, i);
  if (m.table) return `SELECT ${cols(i)}, __w FROM ${m.table}`;
  if (i.capture === 'seq') return `SELECT ${cols(i)}, 1 AS __w FROM ${i.relation} WHERE ${SEQ} > ${m.from} AND ${SEQ} <= ${m.to}`;
  return logRows(i, `_seq > ${m.from} AND _seq <= ${m.to}`, !!m.consolidated);
}

/** A log's entries matching `where` as weighted rows (columns + __w); `consolidated`: summed per distinct row, zeros dropped. */
export function logRows(i: InputRef, where: string, consolidated: boolean): string {
  const src = `${logTable(i.relation)} WHERE ${where}`;
  return consolidated ? `SELECT ${cols(i)}, SUM(_w)::int AS __w FROM ${src} GROUP BY ${cols(i)} HAVING SUM(_w) <> 0` : `SELECT ${cols(i)}, _w AS __w FROM ${src}`;
}

/** The input at its high mark as a plain multiset, for populating and MIN/MAX recomputation: the relation itself, or a SELECT. */
export function plainState(i: InputRef, marks: Marks): string {
  const m = markOf(marks, i);
  if (i.capture === 'seq') return `SELECT * FROM ${i.relation} WHERE ${SEQ} <= ${m.to}`;
  if (!laterChanges(m, m.to)) return i.relation;
  return `SELECT ${cols(i)} FROM (SELECT ${cols(i)}, SUM(__w) AS __n FROM (${weightedState(i, m.to, marks)}) s GROUP BY ${cols(i)} HAVING SUM(__w) > 0) c CROSS JOIN LATERAL generate_series(1, c.__n)`;
}

/** The FROM clause over one item per input: the input's relation itself, or a SELECT (parenthesized here). */
export function fromClause(plan: NodePlan, items: readonly string[]): string {
  return plan.inputs
    .map((i, k) => {
      const item = items[k]!;
      const src = item === i.relation ? item : `(${item})`;
      return k === 0 ? `FROM ${src} AS ${i.alias}` : `JOIN ${src} AS ${i.alias} ON ${i.on}`;
    })
    .join('\n');
}

/**
 * The weighted rows of Δ(σ(R1 ⋈ … ⋈ Rn)) projected to `select`: one term per changed input k,
 * Rj at its new state for j < k, ΔRk, Rj at its old state for j > k (the telescoping sum, exact
 * with signed weights: weights multiply through the join).
 */
export function deltaRows(plan: NodePlan, marks: Marks, select: string): string {
  const terms: string[] = [];
  const w = plan.inputs.map((i) => `${i.alias}.__w`).join(' * ');
  plan.inputs.forEach((ik, k) => {
    if (markOf(marks, ik).changes === 0) return;
    const arms = plan.inputs.map((ij, j) => {
      const m = markOf(marks, ij);
      if (j === k) return [weightedDelta(ij, marks)];
      return weightedStateArms(ij, j < k ? m.to : m.from, marks);
    });
    // The join distributes over each state's UNION ALL arms: plain joins plan far better than
    // a join against an Append (which Postgres re-runs per outer row when it parameterizes it).
    for (const items of product(arms)) {
      terms.push(`SELECT ${select}, ${w} AS __w\n${fromClause(plan, items)}${plan.where ? `\nWHERE ${plan.where}` : ''}`);
    }
  });
  return terms.join('\nUNION ALL\n');
}

function product(lists: readonly (readonly string[])[]): string[][] {
  return lists.reduce<string[][]>((acc, l) => acc.flatMap((a) => l.map((x) => [...a, x])), [[]]);
}

export function plainFrom(plan: NodePlan, marks: Marks): string {
  return fromClause(plan, plan.inputs.map((i) => plainState(i, marks)));
}

/** A row's key as one value, in the collation of the stored key column (see KEY_COLLATION). */
export function keyText(exprs: readonly string[]): string {
  return `(json_build_array(${exprs.join(', ')})::text COLLATE "${KEY_COLLATION}")`;
}
