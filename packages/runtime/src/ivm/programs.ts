import { explainable, sqlOf, type Db, type Explainable, type Statement } from '../db/db.ts';
import { RefreshError } from '../errors.ts';
import { logTable } from './catalog.ts';
import { deltaRows, keyText, plainFrom, type Marks } from './delta-sql.ts';
import { consolidatesInput, countsNonNull, groupableType, lookupExpr, readsDeltaInPlace, type AggRef, type NodePlan } from './node-plan.ts';
import { ensureTemp, fillTemp, tempName, type TempCache } from './temp.ts';
import type { HandOff } from './marks.ts';

/**
 * Where a refresh writes the MV's change: its log ('log'), nowhere ('none': nothing reads the
 * log), or a session temp table handed to its consumers later in the same unit ('handoff').
 */
export type ChangeSink = 'log' | 'none' | 'handoff';

/** Populates an empty storage table from the inputs at their high marks. */
export async function populate(tx: Db, plan: NodePlan, marks: Marks): Promise<number> {
  const name = plan.node.name;
  const declared = plan.node.columns.map((c) => c.name);
  if (plan.layout === 'full') {
    const [r] = await tx.query<{ n: number }>(explainable(`WITH ins AS (INSERT INTO ${name} (${declared.join(', ')}) SELECT ${declared.map((c) => `q.${c}`).join(', ')} FROM (${plan.node.sql}) q RETURNING 1) SELECT count(*)::int AS n FROM ins`));
    return r?.n ?? 0;
  }
  const where = plan.where ? `\nWHERE ${plan.where}` : '';
  let sql: string;
  if (plan.layout === 'agg') {
    const g = plan.projections.map((p) => p.expr);
    const sums = plan.aggs.filter(countsNonNull);
    const target = [...plan.projections.map((p) => p.name), ...plan.aggs.map((a) => a.name), '_ivm_k', '_ivm_count', ...sums.map((a) => `_ivm_nn_${a.name}`)];
    const values = [...g, ...plan.aggs.map((a) => a.expr), keyText(g), 'COUNT(*)', ...sums.map((a) => `COUNT(${a.arg})`)];
    sql = `INSERT INTO ${name} (${target.join(', ')})\nSELECT ${values.join(', ')}\n${plainFrom(plan, marks)}${where}\nGROUP BY ${g.join(', ')}`;
  } else {
    const target = [...plan.projections.map((p) => p.name), '_ivm_k'];
    sql = `INSERT INTO ${name} (${target.join(', ')})\nSELECT ${[...plan.projections.map((p) => p.expr), keyText(plan.keyExprs)].join(', ')}\n${plainFrom(plan, marks)}${where}`;
  }
  const [r] = await tx.query<{ n: number }>(explainable(`WITH ins AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM ins`));
  return r?.n ?? 0;
}

const rowOf = (alias: string, cols: readonly string[]) => `ROW(${cols.map((c) => `${alias}.${c}`).join(', ')})`;

/**
 * The stored rows of `alias` whose key is one of the delta table D's (those of D's rows that
 * match `where`): one scan of the key's index over the keys as an array, which Postgres 17 walks
 * in key order, descending once per leaf page rather than once per key (2,500 keys in a store of
 * 2.5M rows: ~1.1 ms, against ~3.1 ms for a lookup per key by a LATERAL join).
 */
const keyLookup = (alias: string, D: string, where?: string) => `${alias}._ivm_k = ANY (ARRAY(SELECT d._ivm_k FROM ${D} d${where ? ` WHERE ${where}` : ''}))`;

/*
 * INSERT_ORDER: rows are inserted into a store in the order of its key (ORDER BY _ivm_k): each
 * index entry then lands next to the one before it, in a leaf page just touched, instead of in a
 * page anywhere in the index (the delta comes out of a hash aggregation in no order). 25,000 new
 * messages into a store of 2.5M: ~140 ms sorted, sort included, against ~170 ms in hash order;
 * 2,500: ~14 against ~19 ms. Not for a multiset, whose _ivm_k index is a hash index.
 */

/** What a node's session temp tables derive their column types from (see tempName). */
const definitionOf = (plan: NodePlan) => [plan.node, plan.inputs];

/**
 * A group store's place in a chain of group stores refreshed in one unit (see refreshUnit):
 * `next`, the one MV that reads this one's change, a group store over it alone, whose delta
 * table this MV's merge fills directly (aggregated from the change as the next MV reads it,
 * instead of the change written to a temp table for the next MV to aggregate); `prefilled`,
 * this MV's delta table was filled so by the MV before it.
 */
export interface ChainStep {
  readonly next?: NodePlan;
  /** The delta table the MV before filled (its HandOff's `filled`). */
  readonly prefilled?: string;
}

/** The change of a group store as its next MV's delta reads it: the columns and a weight, in this CTE of the merge. */
const CHANGE = '_ivm_change';

/**
 * A group store's delta aggregated per group, as the SELECT that fills its session temp table D
 * (named here): the group values, the key, the row count, each aggregate's part of the merge
 * (with the deleted extremes of a MIN/MAX over inputs that may delete), and over a delta read in
 * place the rows counted. `staticChoice`: whether the delta is consolidated first (see
 * projectsDelta) is decided without its size, as it must be when the MV before it in a chain
 * fills D (see ChainStep), and then by the consumer alike.
 */
function groupDelta(plan: NodePlan, marks: Marks, staticChoice: boolean): { D: string; select: string; projected: boolean } {
  const g = plan.projections;
  const select = [...g.map((p, i) => `${p.expr} AS _g${i}`), ...plan.aggs.map((a, i) => `${a.arg ?? 'NULL'} AS _a${i}`)].join(', ');
  const insertOnly = plan.inputs.every((i) => i.capture === 'seq');
  const nn = (i: number) => (insertOnly ? `COUNT(_a${i})` : `SUM(CASE WHEN _a${i} IS NOT NULL THEN __w ELSE 0 END)`);
  const aggCols = plan.aggs.flatMap((a, i) => {
    switch (a.fn) {
      case 'count': return [`${a.arg ? nn(i) : insertOnly ? 'COUNT(*)' : 'SUM(__w)'} AS ${a.name}`];
      case 'sum': {
        // An integer sum stays an integer: over integer literals (a countIf's 0 or 1) weighted
        // in int4 and summed into a bigint; over integer columns summed as Postgres does (into a
        // numeric) and cast back, so that the merge adds bigints, not numerics, to the stored
        // total (a bigint column either way). Measured alone, a numeric SUM costs ~1.4× an int4 one.
        const weighted = insertOnly ? `_a${i}` : a.integer === 'small' ? `_a${i} * __w` : `_a${i} * CAST(__w AS bigint)`;
        const sum = a.integer === 'int' ? `CAST(SUM(${weighted}) AS bigint) AS ${a.name}` : `SUM(${weighted}) AS ${a.name}`;
        return countsNonNull(a) ? [sum, `${nn(i)} AS _ivm_nn_${a.name}`] : [sum];
      }
      case 'min': case 'max': {
        const f = a.fn.toUpperCase();
        if (insertOnly) return [`${f}(_a${i}) AS ${a.name}`];
        return [`${f}(CASE WHEN __w > 0 THEN _a${i} END) AS ${a.name}`, `${f}(CASE WHEN __w < 0 THEN _a${i} END) AS _ivm_del_${a.name}`];
      }
    }
  });
  const gs = g.map((_, i) => `_g${i}`);
  // Over a delta that may delete, when the node leaves columns of an input unread, the delta's
  // rows are first consolidated as the node sees them (group values and aggregate arguments,
  // weights summed, zeros dropped): a change to unread columns only (a campaign renamed under an
  // aggregate that does not read its name) then cancels here instead of touching its groups.
  const projected = projectsDelta(plan, insertOnly, marks, staticChoice);
  const as = [...gs, ...plan.aggs.map((_, i) => `_a${i}`)];
  const rows = projected
    ? `SELECT ${as.join(', ')}, SUM(__w)::int AS __w\nFROM (\n${deltaRows(plan, marks, select)}\n) y\nGROUP BY ${as.join(', ')}\nHAVING SUM(__w) <> 0`
    : deltaRows(plan, marks, select);
  const D = tempName('d', plan.node.name, definitionOf(plan));
  return {
    D,
    projected,
    select: `SELECT ${g.map((p, i) => `_g${i} AS ${p.name}`).join(', ')}, ${keyText(gs)} AS _ivm_k, SUM(__w) AS _ivm_count, ${aggCols.join(', ')}${readsDeltaInPlace(plan) ? ', COUNT(*) AS _ivm_n' : ''}
FROM (
${rows}
) x
GROUP BY ${gs.join(', ')}`,
  };
}

/** The marks under which the one MV after `name` reads its change from `table` (a CTE of the merge). */
function changeMarks(name: string, table: string): Marks {
  return new Map([[name, { from: 0, to: 0.5, changes: 1, beyond: false, table, consolidated: true, handoff: true }]]);
}

/** D as a CTE of the group merge that computes it (see applyAggDelta). */
const INLINE_D = '_ivm_d';

/** The most delta rows a group merge is run for through a prepared statement (see applyAggDelta). */
export const PREPARED_MAX_ROWS = 16_384;

/**
 * Group-store maintenance, in one round trip (two when an extreme must be recomputed): the delta
 * aggregated per group (D: a CTE of the merge, or a temp table filled by a statement before it
 * or by the MV before in a chain), then the merge, guarded by whether any group would go negative
 * and, for MIN/MAX, whether any group's extreme must be recomputed; when one must, its answer
 * gives the patterns of NULL key parts of those groups, which the second round trip lists in RC
 * (their old images looked up by key, from D written to its temp table), and the merge is sent
 * again with them. The merge is one statement: the old images of the touched groups (O, index lookups
 * by key, read before any write, with their tuple ids, by which the groups deleted or updated are
 * found again without a second lookup), the recomputed extremes (R), the groups whose row count reaches 0 deleted,
 * the other existing groups updated (COUNT adds, SUM adds and is NULL again when its non-null
 * count returns to 0, MIN/MAX fold the inserted values with LEAST/GREATEST or take R's value),
 * the new groups inserted, and the MV's own changes (old images out, new images in, unchanged
 * groups left out) written to its log from O and the RETURNING of the update and the insert.
 * The CTEs run in order on one snapshot, and a CTE that is never read still runs to completion.
 */
export async function applyAggDelta(tx: Db, plan: NodePlan, marks: Marks, sink: ChangeSink = 'log', temps?: TempCache, prefix: readonly Statement[] = [], chain: ChainStep = {}): Promise<{ changed: number; inputRows: number; handoff?: HandOff }> {
  const logged = sink === 'log';
  const name = plan.node.name;
  const g = plan.projections;
  // Only append-only inputs: every delta row is an insertion of weight 1, so nothing is deleted,
  // no group shrinks and no extreme needs recomputing: plain aggregates, no deleted extremes.
  const insertOnly = plan.inputs.every((i) => i.capture === 'seq');
  const def = definitionOf(plan);
  // The old images of the touched groups: a CTE of the merge (see below).
  const O = '_ivm_old';
  const RC = tempName('rc', name, def);
  // A delta read in place (readsDeltaInPlace) was not counted: D counts its rows per group.
  const inPlace = readsDeltaInPlace(plan);
  const prefilled = chain.prefilled !== undefined;
  const { D, select: fillSelect, projected } = groupDelta(plan, marks, prefilled);
  if (prefilled && chain.prefilled !== D) throw new Error(`${name}: its delta table is ${D}, but ${chain.prefilled} was filled for it`);
  // D's temp table filled (and created, the first time in the session): asked for only where it is sent.
  const fillD = () => prefilled ? [] : fillTemp(D, fillSelect, temps);
  const next = chain.next && sink === 'handoff' && temps ? chain.next : undefined;
  const declared = plan.node.columns.map((c) => c.name);
  const list = declared.join(', ');
  // The change handed over (sink 'handoff'): the MV's declared columns and a weight.
  const H = tempName('h', name, def);
  // Or, with a next MV in the chain, that MV's delta table filled from the change (not written
  // to H): created once per session, from the same SELECT over an empty change of this MV's columns.
  const nextFill = next && groupDelta(next, changeMarks(name, CHANGE), true);
  const shape = `SELECT ${list}, 1::int AS __w FROM ${name}`;
  // The setup of the merge: D filled (prepared, as the merge, when it can be: see below).
  const setupWith = (fill: readonly Statement[]): Statement[] => [
    ...(sink !== 'handoff' ? []
      : nextFill && temps ? temps.create(nextFill.D, `WITH ${CHANGE} AS (${shape} LIMIT 0)\n${nextFill.select}`)
      : temps ? temps.create(H, shape) : [ensureTemp(H, shape)]),
    // A range read in place is estimated from stale statistics, often at a few rows, for which
    // the planner sorts to group; the delta is grouped by hashing whatever its size. Left off
    // for the rest of the refresh: nothing after it needs a sort (lookups, hash joins).
    ...(inPlace ? [...sortOff(prefix), ...fill] : [...prefix, ...fill]),
  ];
  // Old images by key lookups, driven by the delta: a join the planner is free to plan hashes
  // the whole store once the delta is large enough (25,000 groups), a sequential scan of every
  // row at every refresh (2.5M messages: ~1 s). The merge looks them up in one index scan over
  // the delta's keys as an array (keyLookup); RC's rare lookup, one by one (~3-5 µs a group).
  // Read by the merge, into a CTE (O) of its statement: all of its parts see the table as it
  // was when the statement started, whatever its writes.
  const lookup = (cols: string) => `LEFT JOIN LATERAL (SELECT ${cols} FROM ${name} t WHERE t._ivm_k = d._ivm_k OFFSET 0) o ON true`;
  // Groups the delta leaves below zero rows (none over append-only inputs): counted by the merge
  // from O; the refresh then fails, and its transaction rolls back what the merge wrote.
  const neg = (src: string) => insertOnly ? null : `(SELECT count(*) FROM ${src} d LEFT JOIN ${O} o ON o._ivm_k = d._ivm_k WHERE d._ivm_count < 0 AND COALESCE(o._ivm_count, 0) + d._ivm_count < 0)::int`;
  const minmax = plan.aggs.filter((a) => a.fn === 'min' || a.fn === 'max');
  // The groups whose extreme must be recomputed, as a condition on d (the delta's group) and o
  // (its old image, NULL for a new group).
  let recomputed: string | null = null;
  if (minmax.length && !insertOnly) {
    // A deletion reaching the stored extreme forces a recomputation unless an inserted value lies
    // strictly beyond every deleted one: that value then has only positive rows in the delta (a
    // pair of delta rows that cancel, which the join terms can produce, has its deleted half at
    // least as far out), so it is in the new state, and every other value of the new state lies
    // within it (old values within the old extreme, which the deletion reached). It is the new
    // extreme, which the merge's LEAST/GREATEST yields. Over a consolidated delta every row of
    // positive weight is in the new state, so an inserted value as far out as the deleted one
    // (an updated group whose extreme did not move) is enough. Groups that end up empty are deleted.
    const consolidated = consolidatesInput(plan) || projected;
    const touched = minmax.map((a) => {
      const op = a.fn === 'min' ? '<=' : '>=';
      const beyond = (a.fn === 'min' ? '<' : '>') + (consolidated ? '=' : '');
      return `(d._ivm_del_${a.name} IS NOT NULL AND (o.${a.name} IS NULL OR (d._ivm_del_${a.name} ${op} o.${a.name} AND NOT (d.${a.name} IS NOT NULL AND d.${a.name} ${beyond} d._ivm_del_${a.name}))))`;
    });
    recomputed = `(${minmax.map((a) => `d._ivm_del_${a.name} IS NOT NULL`).join(' OR ')}) AND (${touched.join(' OR ')}) AND COALESCE(o._ivm_count, 0) + d._ivm_count > 0`;
  }
  // The merge follows the setup in the same round trip, first as if no extreme needed
  // recomputing (the usual case), under a guard when one may: the groups to recompute are
  // listed from O in the statement itself (_ivm_rc) and, if there are any, it writes nothing
  // (no group deleted, updated or inserted, no change handed over or logged) and answers which
  // patterns of NULL key parts they hold. Then a second round trip lists them in RC (their old
  // images looked up by key) and sends the merge with their recomputation.
  type Answer = { n: number; h?: number; hd?: number; rows_in?: number; neg?: number; ok?: boolean; patterns?: string[] | null };
  // Prepared once per session (see TempCache.prepare) when its text is the same at every refresh
  // and its input's size is known, which names the size class: every changed input's delta lies
  // in a session temp table (handed over, or copied: its row count), or is an append-only range
  // (at most its width in rows); a log range read in place has an unknown size, and its marks
  // as literals in the merge when it is consolidated there. Only for small deltas, whose merge
  // plans about as long as it runs: a large one plans afresh, for the sizes it has (its planning
  // is a small part of its time).
  const sizes = plan.inputs.map((i) => {
    const m = marks.get(i.relation);
    if (!m || m.changes === 0) return 0;
    if (m.table !== undefined) return m.changes;
    return i.capture === 'seq' && !projected ? m.to - m.from : null;
  });
  const rowsIn = sizes.reduce<number>((n, k) => n + (k ?? Infinity), 0);
  const stable = temps && tx.kind !== 'redshift' && rowsIn <= PREPARED_MAX_ROWS;
  const size = Math.ceil(Math.log2(1 + rowsIn));
  // D computed inside the merge, as its first CTE (INLINE_D), instead of written to its session
  // temp table by a statement before it: when the merge is planned afresh at each refresh anyway
  // (not stable), or when D's text is the same at every refresh (one input whose delta lies in a
  // session temp table, read by name, with no marks as literals), so that the merge, D with it,
  // is still prepared. A delta read in place with its marks as literals keeps its own statement:
  // its merge is prepared without them. D filled by the MV before (prefilled) is read where it lies.
  const only = plan.inputs.length === 1 ? marks.get(plan.inputs[0]!.relation) : undefined;
  const inline = !prefilled && (!stable || only?.table !== undefined);
  const merge = mergeSql([], recomputed !== null, inline ? INLINE_D : D);
  const prepared = stable ? temps.prepare(sqlOf(merge), size) : null;
  const setup = setupWith(inline ? [] : fillD());
  let r: Answer | undefined;
  try {
    [r] = await tx.script<Answer>([...setup, ...(prepared ? [...prepared.setup, prepared.run] : [merge])]);
  } catch (e) {
    if (prepared?.setup.length) temps!.failed();
    throw e;
  }
  prepared?.done();
  const inputRows = inPlace && !prefilled ? Number(r?.rows_in ?? 0) : [...marks.values()].reduce((s, m) => s + m.changes, 0);
  if (recomputed !== null && r && !r.ok) {
    // D computed inside the guarded merge was not kept: it is written to its temp table now, for RC's and the merge's reads.
    [r] = await tx.script<Answer>([
      ...(inline ? fillD() : []),
      ...fillTemp(RC, `SELECT d._ivm_k, ${g.map((p) => `d.${p.name}`).join(', ')} FROM ${D} d ${lookup(['t._ivm_count', ...minmax.map((a) => `t.${a.name}`)].join(', '))}\nWHERE ${recomputed}`, temps),
      mergeSql(r.patterns ?? [], false, D),
    ]);
  }
  if (r?.neg) throw new RefreshError(`refresh of ${name} would leave ${r.neg} group(s) with a negative row count`, { hint: 'the change log and the stored groups disagree: rebuild the node (drop and create it)' });
  const out: { changed: number; inputRows: number; handoff?: HandOff } = { changed: r?.n ?? 0, inputRows };
  if (sink === 'handoff' && r?.h) out.handoff = { table: H, rows: r.h, deletes: r.hd ?? 0, ...(nextFill ? { filled: nextFill.D } : {}) };
  return out;

  /**
   * The merge, recomputing the extremes of RC's groups (one arm per pattern), or guarded (see
   * above), reading D from `src`: its temp table, or INLINE_D, a CTE of the merge computing it.
   */
  function mergeSql(patterns: readonly string[], guarded: boolean, src: string): Explainable {
    const recompute = patterns.length > 0;
    const ok = guarded ? ' AND (SELECT ok FROM _ivm_ok)' : '';
    const sums = plan.aggs.filter(countsNonNull);
    const target = [...g.map((p) => p.name), '_ivm_k', '_ivm_count', ...plan.aggs.map((a) => a.name), ...sums.map((a) => `_ivm_nn_${a.name}`)];
    // New groups are inserted (in key order: see INSERT_ORDER), existing ones (those in O: only
    // this refresh, under the node's lock, writes the table) updated in place: a plain INSERT
    // skips the speculative insertion of INSERT ... ON CONFLICT, and the UPDATE reads the
    // recomputed extremes by a join.
    // A new group whose non-null count nets to 0 holds no non-null value (whatever was inserted
    // in the window was deleted in it too): its SUM is NULL. A recomputed extreme replaces the
    // stored one.
    const rJoin = recompute ? ' LEFT JOIN r ON r._ivm_k = d._ivm_k' : '';
    const values = [
      ...g.map((p) => `d.${p.name}`), 'd._ivm_k', 'd._ivm_count',
      ...plan.aggs.map((a) => {
        if (countsNonNull(a)) return `CASE WHEN d._ivm_nn_${a.name} = 0 AND d.${a.name} = 0 THEN NULL ELSE d.${a.name} END`;
        if ((a.fn === 'min' || a.fn === 'max') && recompute) return `CASE WHEN r._ivm_k IS NULL THEN d.${a.name} ELSE r.${a.name} END`;
        return `d.${a.name}`;
      }),
      ...sums.map((a) => `d._ivm_nn_${a.name}`),
    ];
    const set: [string, string][] = [['_ivm_count', 't._ivm_count + d._ivm_count'], ...plan.aggs.flatMap((a) => mergeOf(a, recompute))];
    // A group whose stored row the merge leaves as it is (its delta nets to nothing: rows that
    // moved in and out again, or a change to columns this MV does not read) is not written: no
    // new row version, no index entries, and no change to hand over or log.
    const moves = `ROW(${set.map(([, e]) => e).join(', ')}) IS DISTINCT FROM ROW(${set.map(([c]) => `t.${c}`).join(', ')})`;
    // Two images of one key hold the same group values (the key is their JSON text): only the
    // aggregates can differ, so only they are compared.
    const measured = plan.aggs.map((a) => a.name);
    // An image as the change carries it: the declared columns.
    const cols = (alias: string) => declared.map((c) => `${alias}.${c}`).join(', ');
    // An updated group's old image, returned by the UPDATE beside the new one (from O, in its
    // FROM list) as _ivm_o0, _ivm_o1, ... (declared columns in order): no join back to O.
    const oldCols = (alias: string) => declared.map((_, i) => `${alias}._ivm_o${i}`).join(', ');
    const differs = `${rowOf('n', measured)} IS DISTINCT FROM ROW(${measured.map((c) => `n._ivm_o${declared.indexOf(c)}`).join(', ')})`;
    const ctes = [
      ...(src === INLINE_D ? [`${INLINE_D} AS MATERIALIZED (\n${fillSelect}\n)`] : []),
      `${O} AS MATERIALIZED (SELECT t.ctid AS _ivm_tid, t.* FROM ${name} t WHERE ${keyLookup('t', src)})`,
      ...(guarded ? [
        `_ivm_rc AS MATERIALIZED (SELECT ${g.map((p) => `d.${p.name}`).join(', ')} FROM ${src} d LEFT JOIN ${O} o ON o._ivm_k = d._ivm_k WHERE ${recomputed})`,
        `_ivm_ok AS MATERIALIZED (SELECT NOT EXISTS (SELECT 1 FROM _ivm_rc) AS ok)`,
      ] : []),
      ...(recompute ? [`r AS MATERIALIZED (\n${recomputeArms(plan, marks, minmax, patterns, RC).join('\nUNION ALL\n')}\n)`] : []),
      `del AS (
  DELETE FROM ${name} t USING ${src} d JOIN ${O} o ON o._ivm_k = d._ivm_k
  WHERE o._ivm_count + d._ivm_count = 0 AND t.ctid = o._ivm_tid${ok}
  RETURNING ${cols('t')}
)`,
      `upd AS (
  UPDATE ${name} t SET ${set.map(([c, e]) => `${c} = ${e}`).join(', ')}
  FROM ${src} d JOIN ${O} o ON o._ivm_k = d._ivm_k${rJoin}
  WHERE t.ctid = o._ivm_tid AND o._ivm_count + d._ivm_count > 0 AND ${moves}${ok}
  RETURNING ${cols('t')}, ${declared.map((c, i) => `o.${c} AS _ivm_o${i}`).join(', ')}
)`,
      `ins AS (
  INSERT INTO ${name} (${target.join(', ')})
  SELECT ${values.join(', ')} FROM ${src} d${rJoin}
  WHERE d._ivm_count > 0${ok} AND NOT EXISTS (SELECT 1 FROM ${O} o WHERE o._ivm_k = d._ivm_k)
  ORDER BY d._ivm_k
  RETURNING ${list}
)`,
      // Old images of the groups deleted (the rows the DELETE returns) or changed (an updated
      // group whose declared columns did not move, only its hidden counts, is no change), then
      // new images of the changed and the new groups, all read from what the writes returned.
      `ch AS (
  SELECT -1 AS w, ${cols('x')} FROM del x
  UNION ALL
  SELECT -1 AS w, ${oldCols('n')} FROM upd n WHERE ${differs}
  UNION ALL
  SELECT 1 AS w, ${cols('n')} FROM upd n WHERE ${differs}
  UNION ALL
  SELECT 1 AS w, ${cols('n')} FROM ins n
)`,
      // ch is read once, by the log's INSERT (or by the count when nothing is logged), so it is
      // inlined there rather than collected into a tuplestore of whole images and scanned twice.
      ...(logged ? [`lg AS (INSERT INTO ${logTable(name)} (_w, ${list}) SELECT w, ${list} FROM ch RETURNING _w)`] : []),
      ...(sink === 'handoff' && !nextFill ? [`lg AS (INSERT INTO ${H} (${list}, __w) SELECT ${list}, w FROM ch RETURNING __w AS _w)`] : []),
      // With a next MV in the chain: the change, aggregated as that MV aggregates its delta, into
      // its delta table (the INSERT runs to completion whether or not it is read).
      ...(nextFill ? [`${CHANGE} AS (SELECT ${list}, w AS __w FROM ch)`, `lg AS (INSERT INTO ${nextFill.D}\n${nextFill.select}\nRETURNING 1)`] : []),
    ];
    // Groups changed: each has one new image, except a deleted group, which has none. With the
    // change's size and its old images when it is handed over: all three in one scan of it.
    const [changeRel, weight] = nextFill ? [CHANGE, '__w'] : sink !== 'none' ? ['lg', '_w'] : ['ch', 'w'];
    // (A next MV's delta is filled only from a change handed over.)
    const handed = sink === 'handoff' ? ', chg.h, chg.hd' : '';
    // A delta read in place was not counted: D counts its rows per group (consolidated first,
    // its rows are counted where they lie: the rows that cancelled are in no group).
    const counted = !inPlace || prefilled ? '' : projected
      ? `, (SELECT count(*) FROM (\n${deltaRows(plan, marks, '1 AS _')}\n) c)::int AS rows_in`
      : `, (SELECT COALESCE(SUM(_ivm_n), 0) FROM ${src})::int AS rows_in`;
    const negative = neg(src);
    const checked = (negative ? `, ${negative} AS neg` : '') + (guarded ? `, (SELECT ok FROM _ivm_ok) AS ok, (SELECT array_agg(DISTINCT ${nullPattern(g.map((p) => p.name))}) FROM _ivm_rc) AS patterns` : '');
    const counts = `SELECT (count(*) FILTER (WHERE ${weight} = 1))::int AS i, count(*)::int AS h, (count(*) FILTER (WHERE ${weight} < 0))::int AS hd FROM ${changeRel}`;
    return explainable(`WITH ${ctes.join(',\n')}\nSELECT (chg.i + (SELECT count(*) FROM del))::int AS n${handed}${counted}${checked}\nFROM (${counts}) chg`);
  }
}

/** Turns sorting on again (for the statements of the next MV of a unit that may sort: see refreshUnit). */
export const SORT_ON = 'SET LOCAL enable_sort = on';

/**
 * `prefix` (statements sent first), then sorting turned off: a prefix that ends by turning it
 * on, with nothing in between to use it, only turns it off.
 */
function sortOff(prefix: readonly Statement[]): Statement[] {
  return [...(prefix.at(-1) === SORT_ON ? prefix.slice(0, -1) : prefix), 'SET LOCAL enable_sort = off'];
}

/** A handed-over delta is consolidated as it is projected when at least one of this many of its rows is a deletion. */
const PROJECT_MIN_DELETES = 8;

/**
 * Whether a group store consolidates its delta as it projects it (see applyAggDelta): over inputs
 * that may delete (a logged one), when some input column is named nowhere in the node's
 * expressions (group values, aggregates, filter, join conditions), and every input column can be
 * grouped by. Otherwise no row can cancel that the aggregation would not cancel anyway, and
 * grouping every row once more would cost without return. `staticChoice`: without the rule on
 * the delta's size and deletions, for a delta whose size is not known yet (see ChainStep).
 */
function projectsDelta(plan: NodePlan, insertOnly: boolean, marks: Marks, staticChoice = false): boolean {
  if (insertOnly) return false;
  // A delta whose size and deletions are known (handed over) with few deletions has few rows to
  // cancel: at most two per deletion (100,000 events with 1,260 messages renamed: grouping the
  // ~27,000 rows once more costs ~70 ms, more than the cancelled rows save).
  const known = [...marks.values()].filter((m) => m.changes > 0);
  if (!staticChoice && known.length && known.every((m) => m.deletes !== undefined && m.deletes * PROJECT_MIN_DELETES < m.changes)) return false;
  const text = [...plan.projections.map((p) => p.expr), ...plan.aggs.map((a) => a.arg ?? ''), plan.where ?? '', ...plan.inputs.map((i) => i.on ?? '')].join('\n');
  return plan.inputs.some((i) => i.capture === 'log' && i.columns.some((c) => !mentions(text, c)))
    && plan.inputs.every((i) => i.columns.every((c) => groupableType(i.types[c])));
}

/** Whether SQL text mentions a column (as a whole word, in any case). */
function mentions(text: string, column: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_$])${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_$])`, 'i').test(text);
}

/** The SET clause of an existing group, as (column, value) pairs: stored value `t.x` merged with the delta's `d.x`. */
function mergeOf(a: AggRef, recompute: boolean): [string, string][] {
  switch (a.fn) {
    case 'count': return [[a.name, `t.${a.name} + d.${a.name}`]];
    case 'sum': return !countsNonNull(a) ? [[a.name, `t.${a.name} + d.${a.name}`]] : [
      [a.name, `CASE WHEN t._ivm_nn_${a.name} + d._ivm_nn_${a.name} = 0 THEN NULL ELSE COALESCE(t.${a.name}, 0) + COALESCE(d.${a.name}, 0) END`],
      [`_ivm_nn_${a.name}`, `t._ivm_nn_${a.name} + d._ivm_nn_${a.name}`],
    ];
    case 'min': case 'max': {
      const fold = `${a.fn === 'min' ? 'LEAST' : 'GREATEST'}(t.${a.name}, d.${a.name})`;
      return [[a.name, recompute ? `CASE WHEN r._ivm_k IS NULL THEN ${fold} ELSE r.${a.name} END` : fold]];
    }
  }
}

/** '0' for a non-NULL key part, '1' for a NULL one, per group column: which parts of a key are NULL. */
function nullPattern(cols: readonly string[]): string {
  return cols.map((c) => `CASE WHEN ${c} IS NULL THEN '1' ELSE '0' END`).join(' || ');
}

/**
 * MIN/MAX of the groups listed in RC, recomputed from the input at its high mark, one arm per
 * pattern of NULL key parts present: non-NULL parts matched by `=` against RC, NULL parts by
 * IS NULL, both of which an index on the group expressions (the consumer's lookup index) serves
 * (text columns compared bytewise, as that index keys them: see lookupExpr).
 */
function recomputeArms(plan: NodePlan, marks: Marks, minmax: readonly AggRef[], patterns: readonly string[], RC: string): string[] {
  const g = plan.projections;
  const gexprs = g.map((p) => p.expr);
  return patterns.map((pattern) => {
    const isNull = (i: number) => pattern[i] === '1';
    const inRc = g.map((p, i) => `${p.name} IS ${isNull(i) ? '' : 'NOT '}NULL`).join(' AND ');
    const eq = g.filter((_, i) => !isNull(i));
    const conds = [
      eq.length
        ? `(${eq.map((p) => lookupExpr(plan, p)).join(', ')}) IN (SELECT ${eq.map((p) => lookupExpr(plan, p, p.name)).join(', ')} FROM ${RC} WHERE ${inRc})`
        : `EXISTS (SELECT 1 FROM ${RC} WHERE ${inRc})`,
      ...g.filter((_, i) => isNull(i)).map((p) => `${p.expr} IS NULL`),
    ];
    return `SELECT ${keyText(gexprs)} AS _ivm_k, ${minmax.map((a) => `${a.expr} AS ${a.name}`).join(', ')}
${plainFrom(plan, marks)}
WHERE ${plan.where ? `(${plan.where}) AND ` : ''}${conds.join(' AND ')}
GROUP BY ${gexprs.join(', ')}`;
  });
}

/**
 * Keyed rows (filter/project/join without grouping): the consolidated delta (weights summed
 * per distinct row, zeros dropped) is exactly the MV's change: delete by key, insert, log it;
 * one round trip.
 */
export async function applyRowsDelta(tx: Db, plan: NodePlan, marks: Marks, sink: ChangeSink = 'log', temps?: TempCache, prefix: readonly Statement[] = []): Promise<{ changed: number; handoff?: HandOff }> {
  const logged = sink === 'log';
  const name = plan.node.name;
  const names = plan.projections.map((p) => p.name);
  const select = [...plan.projections.map((p) => `${p.expr} AS ${p.name}`), `${keyText(plan.keyExprs)} AS _ivm_k`].join(', ');
  const D = tempName('rows', name, definitionOf(plan));
  const rows = deltaRows(plan, marks, select);
  const [r] = await tx.script<{ n: number; h?: number; hd?: number }>([
    // Consolidated by hashing: sorting the delta on every column costs about twice as much.
    // Left off for the rest of the refresh, which needs no sort.
    ...sortOff(prefix),
    ...fillTemp(D, consolidatedAsJoined(plan, marks) ? rows : `SELECT ${names.join(', ')}, _ivm_k, SUM(__w)::int AS __w
FROM (
${rows}
) x
GROUP BY ${[...names, '_ivm_k'].join(', ')}
HAVING SUM(__w) <> 0`, temps),
    ...(plan.multiset ? multisetWrites(plan, D, logged) : [
      // The old images deleted by key lookups, driven by the delta (keyLookup): a join the
      // planner is free to plan scans the whole table to hash it once the delta is a few
      // thousand rows (250,000 messages: ~100 ms against ~6 ms for 1,300 lookups; see O in applyAggDelta).
      explainable(`DELETE FROM ${name} s WHERE ${keyLookup('s', D, 'd.__w < 0')}`),
      // In key order (see INSERT_ORDER).
      explainable(`INSERT INTO ${name} (${names.join(', ')}, _ivm_k) SELECT ${names.join(', ')}, _ivm_k FROM ${D} WHERE __w > 0 ORDER BY _ivm_k`),
      ...(logged ? [explainable(`INSERT INTO ${logTable(name)} (_w, ${names.join(', ')}) SELECT __w, ${names.join(', ')} FROM ${D}`)] : []),
    ]),
    // Keys changed: the distinct keys of the delta (each has an old image out, a new one in, or
    // both); handed over, D itself is the change (columns, _ivm_k, __w), consolidated.
    plan.multiset
      ? `SELECT count(*)::int AS n${sink === 'handoff' ? `, (SELECT count(*) FROM ${D})::int AS h, (SELECT count(*) FROM ${D} WHERE __w < 0)::int AS hd` : ''} FROM (SELECT _ivm_k FROM ${D} GROUP BY _ivm_k) k`
      // A keyed MV holds one row per key, and D at most one new image per key: its keys number
      // its rows less the keys that have both images, which are the keys of old images found in
      // the MV after the writes (a key only deleted is gone). One scan of D and an index scan
      // over its deleted keys, instead of grouping every row of D by key (~15 ms at 26,000 rows).
      : `SELECT (c.h - (SELECT count(*) FROM ${name} s WHERE ${keyLookup('s', D, 'd.__w < 0')}))::int AS n, c.h, c.hd FROM (SELECT count(*)::int AS h, (count(*) FILTER (WHERE __w < 0))::int AS hd FROM ${D}) c`,
  ]);
  const out: { changed: number; handoff?: HandOff } = { changed: r?.n ?? 0 };
  if (sink === 'handoff' && r?.h) out.handoff = { table: D, rows: r.h, deletes: r.hd ?? 0 };
  return out;
}

/**
 * Whether a keyed rows MV's delta comes out of its join consolidated already, so that grouping
 * every row of it on every column (~30% of the join's time at 100,000 events) can be left out:
 * - one input changed, and its delta is consolidated (each distinct row once, zeros dropped: a
 *   handed-over change, or a log range read consolidated);
 * - every other input is read at one state, its table (nothing past its high mark): the delta is
 *   one term, that input's delta joined to the tables;
 * - the MV's columns name every column of the changed input, so that two rows of its delta (an
 *   old and a new image) give two different rows. (Were they to give the same row, the key would
 *   be deleted and its row inserted again: the same contents, one key counted as changed.)
 * Two distinct rows of the input then give distinct rows of the MV, or rows with the same key,
 * which the key's unique index refuses as it refuses them consolidated. A multiset is always
 * consolidated: its rows are counted by their weights.
 */
function consolidatedAsJoined(plan: NodePlan, marks: Marks): boolean {
  if (plan.multiset) return false;
  const changed = plan.inputs.filter((i) => (marks.get(i.relation)?.changes ?? 0) > 0);
  if (changed.length !== 1) return false;
  const k = changed[0]!;
  if (marks.get(k.relation)?.consolidated !== true) return false;
  if (plan.inputs.some((i) => i !== k && i.capture !== 'seq' && marks.get(i.relation)?.beyond !== false)) return false;
  const text = plan.projections.map((p) => p.expr).join('\n');
  return k.columns.every((c) => mentions(text, c));
}

/**
 * A multiset's writes (NodePlan.multiset): a distinct row of weight -n deletes n of its stored
 * copies (any n: they are identical), found through the _ivm_k index and deleted by their tuple
 * ids; weight n inserts n copies; the log gets one row of weight ±1 per copy.
 */
function multisetWrites(plan: NodePlan, D: string, logged: boolean): Explainable[] {
  const name = plan.node.name;
  const list = plan.projections.map((p) => p.name).join(', ');
  const copies = `CROSS JOIN generate_series(1, abs(d.__w))`;
  return [
    explainable(`DELETE FROM ${name} WHERE ctid = ANY (ARRAY(SELECT x.ctid FROM ${D} d CROSS JOIN LATERAL (SELECT s.ctid FROM ${name} s WHERE s._ivm_k = d._ivm_k LIMIT -d.__w) x WHERE d.__w < 0))`),
    explainable(`INSERT INTO ${name} (${list}, _ivm_k) SELECT ${list}, _ivm_k FROM ${D} d ${copies} WHERE d.__w > 0`),
    ...(logged ? [explainable(`INSERT INTO ${logTable(name)} (_w, ${list}) SELECT sign(d.__w)::int, ${list} FROM ${D} d ${copies}`)] : []),
  ];
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
  // Dropped here, not only at COMMIT: the next full MV of a unit (one transaction) makes its own.
  await tx.exec(`${n > 0 ? `DELETE FROM ${name}; INSERT INTO ${name} SELECT * FROM _ivm_new; ` : ''}DROP TABLE _ivm_new;`);
  return n;
}
