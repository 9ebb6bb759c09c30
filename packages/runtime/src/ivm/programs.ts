import type { Db } from '../db/db.ts';
import { RefreshError } from '../errors.ts';
import { logTable } from './catalog.ts';
import { deltaRows, keyText, materializeDeltas, plainFrom, type Marks } from './delta-sql.ts';
import type { AggRef, NodePlan } from './node-plan.ts';

/** Populates an empty storage table from the inputs at their high marks. */
export async function populate(tx: Db, plan: NodePlan, marks: Marks): Promise<number> {
  const name = plan.node.name;
  const declared = plan.node.columns.map((c) => c.name);
  if (plan.layout === 'full') {
    const [r] = await tx.query<{ n: number }>(`WITH ins AS (INSERT INTO ${name} (${declared.join(', ')}) SELECT ${declared.map((c) => `q.${c}`).join(', ')} FROM (${plan.node.sql}) q RETURNING 1) SELECT count(*)::int AS n FROM ins`);
    return r?.n ?? 0;
  }
  const where = plan.where ? `\nWHERE ${plan.where}` : '';
  let sql: string;
  if (plan.layout === 'agg') {
    const g = plan.projections.map((p) => p.expr);
    const sums = plan.aggs.filter((a) => a.fn === 'sum');
    const target = [...plan.projections.map((p) => p.name), ...plan.aggs.map((a) => a.name), '_ivm_k', '_ivm_count', ...sums.map((a) => `_ivm_nn_${a.name}`)];
    const values = [...g, ...plan.aggs.map((a) => a.expr), keyText(g), 'COUNT(*)', ...sums.map((a) => `COUNT(${a.arg})`)];
    sql = `INSERT INTO ${name} (${target.join(', ')})\nSELECT ${values.join(', ')}\n${plainFrom(plan, marks)}${where}\nGROUP BY ${g.join(', ')}`;
  } else {
    const target = [...plan.projections.map((p) => p.name), '_ivm_k'];
    sql = `INSERT INTO ${name} (${target.join(', ')})\nSELECT ${[...plan.projections.map((p) => p.expr), keyText(plan.keyExprs)].join(', ')}\n${plainFrom(plan, marks)}${where}`;
  }
  const [r] = await tx.query<{ n: number }>(`WITH ins AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM ins`);
  return r?.n ?? 0;
}

const rowOf = (alias: string, cols: readonly string[]) => `ROW(${cols.map((c) => `${alias}.${c}`).join(', ')})`;

/**
 * Group-store maintenance. The delta is aggregated per group into _ivm_d, then merged:
 * COUNT adds, SUM adds (NULL again when its non-null count returns to 0), MIN/MAX fold the
 * inserted values with LEAST/GREATEST. A deletion can only move a MIN/MAX when the deleted
 * value reaches the stored one; those groups are recomputed from the input. Groups whose row
 * count reaches 0 are deleted. The MV's own changes (old and new images of the groups that
 * changed) go to its log.
 */
export async function applyAggDelta(tx: Db, plan: NodePlan, given: Marks, logged = true): Promise<number> {
  const marks = await materializeDeltas(tx, plan, given);
  const name = plan.node.name;
  const g = plan.projections;
  const select = [...g.map((p, i) => `${p.expr} AS _g${i}`), ...plan.aggs.map((a, i) => `${a.arg ?? 'NULL'} AS _a${i}`)].join(', ');
  const nn = (i: number) => `SUM(CASE WHEN _a${i} IS NOT NULL THEN __w ELSE 0 END)`;
  const aggCols = plan.aggs.flatMap((a, i) => {
    switch (a.fn) {
      case 'count': return [`${a.arg ? nn(i) : 'SUM(__w)'} AS ${a.name}`];
      case 'sum': return [`SUM(_a${i} * CAST(__w AS bigint)) AS ${a.name}`, `${nn(i)} AS _ivm_nn_${a.name}`];
      case 'min': case 'max': {
        const f = a.fn.toUpperCase();
        return [`${f}(CASE WHEN __w > 0 THEN _a${i} END) AS ${a.name}`, `${f}(CASE WHEN __w < 0 THEN _a${i} END) AS _ivm_del_${a.name}`];
      }
    }
  });
  const gs = g.map((_, i) => `_g${i}`);
  // The temp tables go out in one multi-statement exec (each statement is planned after the
  // previous one ran, so each sees the actual size of the tables before it): one round trip.
  const setup: string[] = [];
  setup.push(`CREATE TEMP TABLE _ivm_d ON COMMIT DROP AS
SELECT ${g.map((p, i) => `_g${i} AS ${p.name}`).join(', ')}, ${keyText(gs)} AS _ivm_k, SUM(__w) AS _ivm_count, ${aggCols.join(', ')}
FROM (
${deltaRows(plan, marks, select)}
) x
GROUP BY ${gs.join(', ')}`);
  // Old images of the touched groups (index lookups by key), for MIN/MAX and for the MV's log.
  setup.push(`CREATE TEMP TABLE _ivm_o ON COMMIT DROP AS SELECT t.* FROM _ivm_d d JOIN ${name} t ON t._ivm_k = d._ivm_k`);

  const minmax = plan.aggs.filter((a) => a.fn === 'min' || a.fn === 'max');
  if (minmax.length) {
    // A deletion reaching the stored extreme forces a recomputation unless an inserted value lies
    // strictly beyond every deleted one: that value then has only positive rows in the delta (a
    // pair of delta rows that cancel, which the join terms can produce, has its deleted half at
    // least as far out), so it is in the new state, and every other value of the new state lies
    // within it (old values within the old extreme, which the deletion reached). It is the new
    // extreme, which the merge's LEAST/GREATEST yields.
    const touched = minmax.map((a) => {
      const op = a.fn === 'min' ? '<=' : '>=';
      const beyond = a.fn === 'min' ? '<' : '>';
      return `(d._ivm_del_${a.name} IS NOT NULL AND (o.${a.name} IS NULL OR (d._ivm_del_${a.name} ${op} o.${a.name} AND NOT (d.${a.name} IS NOT NULL AND d.${a.name} ${beyond} d._ivm_del_${a.name}))))`;
    });
    setup.push(`CREATE TEMP TABLE _ivm_rc ON COMMIT DROP AS
SELECT d._ivm_k, ${g.map((p) => `d.${p.name}`).join(', ')} FROM _ivm_d d LEFT JOIN _ivm_o o ON o._ivm_k = d._ivm_k
WHERE ${touched.join(' OR ')}`);
  }

  const sums = plan.aggs.filter((a) => a.fn === 'sum');
  const target = [...g.map((p) => p.name), '_ivm_k', '_ivm_count', ...plan.aggs.map((a) => a.name), ...sums.map((a) => `_ivm_nn_${a.name}`)];
  // A new group whose non-null count nets to 0 holds no non-null value (whatever was inserted
  // in the window was deleted in it too): its SUM is NULL. For an existing group EXCLUDED must
  // carry the raw delta (an update 3 → 5 nets +2 with a non-null count of 0); a raw 0 and NULL
  // merge alike.
  const values = [...g.map((p) => p.name), '_ivm_k', '_ivm_count', ...plan.aggs.map((a) => (a.fn === 'sum' ? `CASE WHEN _ivm_nn_${a.name} = 0 AND ${a.name} = 0 THEN NULL ELSE ${a.name} END` : a.name)), ...sums.map((a) => `_ivm_nn_${a.name}`)];
  const set = ['_ivm_count = t._ivm_count + EXCLUDED._ivm_count', ...plan.aggs.flatMap((a) => mergeOf(a))];
  // New images straight from the upsert, so the table is not searched again.
  setup.push(`CREATE TEMP TABLE _ivm_n ON COMMIT DROP AS SELECT * FROM ${name} LIMIT 0`);
  await tx.exec(setup.join(';\n'));
  // The upsert, and in the same statement the counts the next steps branch on (negative and
  // emptied groups; groups whose MIN/MAX is recomputed, with and without a NULL key part).
  const nullish = g.map((p) => `${p.name} IS NULL`).join(' OR ');
  const rcCounts = minmax.length
    ? `(SELECT count(*) FROM _ivm_rc WHERE NOT (${nullish}))::int AS plain, (SELECT count(*) FROM _ivm_rc WHERE ${nullish})::int AS nulls`
    : '0 AS plain, 0 AS nulls';
  const [c] = await tx.query<{ neg: number; zero: number; plain: number; nulls: number }>(`WITH up AS (
  INSERT INTO ${name} AS t (${target.join(', ')})
  SELECT ${values.join(', ')} FROM _ivm_d
  ON CONFLICT (_ivm_k) DO UPDATE SET ${set.join(', ')}
  RETURNING t.*
), ins AS (INSERT INTO _ivm_n SELECT * FROM up)
SELECT count(*) FILTER (WHERE _ivm_count < 0)::int AS neg, count(*) FILTER (WHERE _ivm_count = 0)::int AS zero, ${rcCounts} FROM up`);
  if (c && c.neg > 0) throw new RefreshError(`refresh of ${name} would leave ${c.neg} group(s) with a negative row count`, { hint: 'the change log and the stored groups disagree: rebuild the node (drop and create it)' });
  const after: string[] = [];
  if (c && c.zero > 0) {
    after.push(`DELETE FROM ${name} t USING _ivm_n n WHERE n._ivm_count = 0 AND t._ivm_k = n._ivm_k`);
    after.push('DELETE FROM _ivm_n WHERE _ivm_count = 0');
  }
  if (minmax.length) after.push(...recomputeMinMax(plan, marks, minmax, { plain: c?.plain ?? 0, nulls: c?.nulls ?? 0 }));
  if (after.length) await tx.exec(after.join(';\n'));
  return writeGroupLog(tx, plan, logged);
}

function mergeOf(a: AggRef): string[] {
  switch (a.fn) {
    case 'count': return [`${a.name} = t.${a.name} + EXCLUDED.${a.name}`];
    case 'sum': return [
      `${a.name} = CASE WHEN t._ivm_nn_${a.name} + EXCLUDED._ivm_nn_${a.name} = 0 THEN NULL ELSE COALESCE(t.${a.name}, 0) + COALESCE(EXCLUDED.${a.name}, 0) END`,
      `_ivm_nn_${a.name} = t._ivm_nn_${a.name} + EXCLUDED._ivm_nn_${a.name}`,
    ];
    case 'min': return [`${a.name} = LEAST(t.${a.name}, EXCLUDED.${a.name})`];
    case 'max': return [`${a.name} = GREATEST(t.${a.name}, EXCLUDED.${a.name})`];
  }
}

/**
 * Recomputes MIN/MAX of the touched groups from the input at its high mark. Groups are matched
 * by equality on the group expressions (index-friendly); groups with a NULL key part cannot
 * match by `=` and are matched by their key text in a second statement.
 */
function recomputeMinMax(plan: NodePlan, marks: Marks, minmax: readonly AggRef[], c: { plain: number; nulls: number }): string[] {
  const name = plan.node.name;
  const g = plan.projections;
  const gexprs = g.map((p) => p.expr);
  const nullish = g.map((p) => `${p.name} IS NULL`).join(' OR ');
  const match = [
    `(${gexprs.join(', ')}) IN (SELECT ${g.map((p) => p.name).join(', ')} FROM _ivm_rc WHERE NOT (${nullish}))`,
    `${keyText(gexprs)} IN (SELECT _ivm_k FROM _ivm_rc WHERE ${nullish})`,
  ];
  if (!c.plain && !c.nulls) return [];
  const out: string[] = [];
  for (const [k, cond] of match.entries()) {
    if ((k === 0 ? c.plain : c.nulls) === 0) continue;
    out.push(`UPDATE ${name} t SET ${minmax.map((a) => `${a.name} = r.${a.name}`).join(', ')}
FROM (
  SELECT ${keyText(gexprs)} AS _ivm_k, ${minmax.map((a) => `${a.expr} AS ${a.name}`).join(', ')}
  ${plainFrom(plan, marks)}
  WHERE ${plan.where ? `(${plan.where}) AND ` : ''}${cond}
  GROUP BY ${gexprs.join(', ')}
) r
WHERE t._ivm_k = r._ivm_k`);
  }
  out.push(`DELETE FROM _ivm_n n USING _ivm_rc r WHERE n._ivm_k = r._ivm_k`);
  out.push(`INSERT INTO _ivm_n SELECT t.* FROM _ivm_rc r JOIN ${name} t ON t._ivm_k = r._ivm_k`);
  return out;
}

/** The changed groups (old images out, new images in), written to the MV's log when `logged`; returns how many groups changed. */
async function writeGroupLog(tx: Db, plan: NodePlan, logged: boolean): Promise<number> {
  const name = plan.node.name;
  const declared = plan.node.columns.map((c) => c.name);
  const list = declared.join(', ');
  const same = (a: string, b: string) => `SELECT 1 FROM ${b} WHERE ${b}._ivm_k = ${a}._ivm_k AND ${rowOf(b, declared)} IS NOT DISTINCT FROM ${rowOf(a, declared)}`;
  const [r] = await tx.query<{ n: number }>(`WITH ch AS (
  SELECT -1 AS w, _ivm_o.* FROM _ivm_o WHERE NOT EXISTS (${same('_ivm_o', '_ivm_n')})
  UNION ALL
  SELECT 1 AS w, _ivm_n.* FROM _ivm_n WHERE NOT EXISTS (${same('_ivm_n', '_ivm_o')})
)${logged ? `, ins AS (
  INSERT INTO ${logTable(name)} (_w, ${list}) SELECT w, ${list} FROM ch ORDER BY w
)` : ''}
SELECT count(DISTINCT _ivm_k)::int AS n FROM ch`);
  return r?.n ?? 0;
}

/**
 * Keyed rows (filter/project/join without grouping): the consolidated delta (weights summed
 * per distinct row, zeros dropped) is exactly the MV's change: delete by key, insert, log it.
 */
export async function applyRowsDelta(tx: Db, plan: NodePlan, given: Marks, logged = true): Promise<number> {
  const marks = await materializeDeltas(tx, plan, given);
  const name = plan.node.name;
  const names = plan.projections.map((p) => p.name);
  const select = [...plan.projections.map((p) => `${p.expr} AS ${p.name}`), `${keyText(plan.keyExprs)} AS _ivm_k`].join(', ');
  // One round trip for the delta, the delete, the insert and the log.
  await tx.exec([`CREATE TEMP TABLE _ivm_d ON COMMIT DROP AS
SELECT ${names.join(', ')}, _ivm_k, SUM(__w)::int AS __w
FROM (
${deltaRows(plan, marks, select)}
) x
GROUP BY ${[...names, '_ivm_k'].join(', ')}
HAVING SUM(__w) <> 0`,
    `DELETE FROM ${name} t USING _ivm_d d WHERE d.__w < 0 AND t._ivm_k = d._ivm_k`,
    `INSERT INTO ${name} (${names.join(', ')}, _ivm_k) SELECT ${names.join(', ')}, _ivm_k FROM _ivm_d WHERE __w > 0`,
    ...(logged ? [`INSERT INTO ${logTable(name)} (_w, ${names.join(', ')}) SELECT __w, ${names.join(', ')} FROM _ivm_d ORDER BY __w`] : []),
  ].join(';\n'));
  const [r] = await tx.query<{ n: number }>('SELECT count(DISTINCT _ivm_k)::int AS n FROM _ivm_d');
  return r?.n ?? 0;
}

/** Full recompute: the difference between the stored and the recomputed rows goes to the log. */
export async function applyFull(tx: Db, plan: NodePlan): Promise<number> {
  const name = plan.node.name;
  const list = plan.node.columns.map((c) => c.name).join(', ');
  await tx.exec(`CREATE TEMP TABLE _ivm_new ON COMMIT DROP AS SELECT * FROM ${name} LIMIT 0;`);
  await tx.exec(`INSERT INTO _ivm_new (${list}) SELECT ${list} FROM (${plan.node.sql}) q;`);
  const [r] = await tx.query<{ n: number }>(`WITH diff AS (
  SELECT ${list}, SUM(w)::int AS w FROM (SELECT ${list}, -1 AS w FROM ${name} UNION ALL SELECT ${list}, 1 FROM _ivm_new) u
  GROUP BY ${list} HAVING SUM(w) <> 0
), ins AS (
  INSERT INTO ${logTable(name)} (_w, ${list}) SELECT w, ${list} FROM diff ORDER BY w
)
SELECT COALESCE(SUM(abs(w)), 0)::int AS n FROM diff`);
  const n = r?.n ?? 0;
  if (n > 0) await tx.exec(`DELETE FROM ${name}; INSERT INTO ${name} SELECT * FROM _ivm_new;`);
  return n;
}
