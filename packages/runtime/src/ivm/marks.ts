import type { Db, Statement } from '../db/db.ts';
import { SEQ, attached, logTable, quote } from './catalog.ts';
import { logRows, type Mark } from './delta-sql.ts';
import type { InputRef } from './node-plan.ts';
import { ANALYZE_MIN_ROWS, analyzeOnce, fillTemp, tempName, type TempCache } from './temp.ts';

/**
 * CONCURRENCY. Sequence numbers are handed out at INSERT time but commit in any order: T1 takes
 * 1, T2 takes 2 and commits first; a high mark of 2 read then would later skip row 1. So a
 * high mark must only cover finished transactions.
 *
 * Tables written by others (landing tables, dimension logs filled by triggers): the high mark
 * is read in its own short transaction that first takes LOCK ... IN SHARE MODE on the table
 * whose sequence it reads. SHARE conflicts with the ROW EXCLUSIVE lock every INSERT/COPY holds
 * until its transaction ends, and a sequence number of that table is only drawn while holding
 * it: once the lock is granted no transaction that drew a number is still running, so every
 * number up to the sequence's last_value is committed or aborted for good. The lock is released
 * at once (writers wait at most for that instant, plus the in-flight writers it waits out);
 * each table is locked in a transaction of its own, so a writer touching several tables cannot
 * deadlock with it. The refresh itself then runs in a REPEATABLE READ transaction started
 * afterwards: its one snapshot sees every row up to H. Rows past H that commit before it starts
 * are excluded by H (landing: `seq <= H`; logged tables: the state at H is the table minus its
 * log entries after H, which the same snapshot sees consistently, table and log being written
 * in one transaction).
 *
 * MV logs are written only by refreshes of their MV, which never overlap (a per-node advisory
 * lock held until after COMMIT): their numbers commit in order, so the largest number visible
 * in the refresh's snapshot is a sound high mark with nothing missing below it.
 */
/**
 * The high marks of a node's external inputs, in one round trip: a script of one short
 * transaction per table (each table locked alone, as above), each leaving its high mark in a session setting
 * that the script's last statement reads back; then the new BRIN ranges of the landing tables
 * summarized (see summarizeSql). A failure inside the script leaves its transaction
 * aborted: rolled back before the error is rethrown.
 */
export async function externalHighMarks(db: Db, inputs: readonly InputRef[]): Promise<Map<string, number>> {
  const hm = await highMarksScript(db, inputs);
  if (!hm.columns.length) return new Map();
  let row: Record<string, unknown> | undefined;
  try {
    [row] = await db.script<Record<string, unknown>>([...hm.statements, `SELECT ${hm.columns.join(', ')}`]);
  } catch (e) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return hm.read(row);
}

/**
 * externalHighMarks as parts of a script: its statements, the columns of its last SELECT
 * (h0, h1, ...), and how to read the high marks from that SELECT's row. A caller sending them
 * with other statements rolls back when the script fails (it may stop inside a transaction).
 */
export async function highMarksScript(db: Db, inputs: readonly InputRef[]): Promise<{ statements: string[]; columns: string[]; read: (row: Record<string, unknown> | undefined) => Map<string, number> }> {
  const distinct = inputs.filter((i, k) => !i.engineWritten && inputs.findIndex((j) => j.relation === i.relation) === k);
  if (!distinct.length) return { statements: [], columns: [], read: () => new Map() };
  const stmts: string[] = [];
  const last = (seq: string) => `(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${seq})`;
  const seqs: string[] = [];
  for (const i of distinct) {
    const [table, column] = numbered(i);
    seqs.push(await sequenceOf(db, table, column));
  }
  // PGlite has one session, and this one is not inside a transaction: no writer can hold a
  // number it has not committed, so the sequences are read as they are, without the locks.
  if (db.kind !== 'pglite') {
    for (const [k, i] of distinct.entries()) {
      stmts.push('BEGIN', `LOCK TABLE ${numbered(i)[0]} IN SHARE MODE`, `SELECT set_config('mvkit.ivm_h${k}', ${last(seqs[k]!)}::text, false)`, 'COMMIT');
    }
  }
  for (const i of distinct) if (i.capture === 'seq') stmts.push(summarizeSql(i.relation, db.kind === 'pglite'));
  const columns = distinct.map((_, k) => (db.kind === 'pglite' ? `${last(seqs[k]!)}::bigint AS h${k}` : `current_setting('mvkit.ivm_h${k}')::bigint AS h${k}`));
  const read = (row: Record<string, unknown> | undefined) => new Map(distinct.map((i, k) => [i.relation, Number(row?.[`h${k}`] ?? 0)] as const));
  return { statements: stmts, columns, read };
}

/**
 * Summarizes the page ranges of a landing table that its BRIN index on the sequence column does
 * not cover yet. Rows appended since the last VACUUM lie in unsummarized ranges, which a range
 * scan must read whole: without this, copying a delta would read every page written since the
 * last VACUUM (autovacuum comes after ~20 % of the table was inserted), not only the new rows.
 * Autocommitted on its own: it holds SHARE UPDATE EXCLUSIVE (which writers do not wait for)
 * only while it runs. Best effort: an index the engine's role does not own is left as it is.
 */
function summarizeSql(relation: string, owner: boolean): string {
  // PGlite: the engine owns every index (one role), and a DO block costs ~5 ms there.
  if (owner) return `SELECT brin_summarize_new_values(${quote(attached(relation, 'seq'))}::regclass)`;
  return `DO $ivm_brin$ BEGIN PERFORM brin_summarize_new_values(${quote(attached(relation, 'seq'))}::regclass); EXCEPTION WHEN insufficient_privilege THEN NULL; END $ivm_brin$`;
}

/** Where an input's change numbers live: a landing table's identity column, or its log's. */
function numbered(i: InputRef): [table: string, column: string] {
  return i.capture === 'seq' ? [i.relation, SEQ] : [logTable(i.relation), '_seq'];
}

const sequences = new Map<string, string>();
async function sequenceOf(db: Db, table: string, column: string): Promise<string> {
  const k = `${table}.${column}`;
  let s = sequences.get(k);
  if (!s) {
    const [r] = await db.query<{ s: string }>('SELECT pg_get_serial_sequence($1, $2) AS s', [table, column]);
    if (!r?.s) throw new Error(`${table}.${column} has no sequence`);
    s = r.s;
    sequences.set(k, s);
  }
  return s;
}

/**
 * The marks of one refresh, inside its REPEATABLE READ transaction. `external` holds the high
 * marks read beforehand for tables written by others.
 */
export async function readMarks(tx: Db, inputs: readonly InputRef[], watermarks: ReadonlyMap<string, number>, external: ReadonlyMap<string, number>): Promise<Map<string, Mark>> {
  const marks = new Map<string, Mark>();
  for (const i of inputs) {
    if (marks.has(i.relation)) continue;
    const from = watermarks.get(i.relation) ?? 0;
    let to: number;
    if (i.engineWritten) {
      const [r] = await tx.query<{ h: number | null }>(`SELECT max(_seq)::bigint AS h FROM ${logTable(i.relation)}`);
      to = Math.max(from, Number(r?.h ?? 0));
    } else {
      to = Math.max(from, external.get(i.relation) ?? from);
    }
    const [table, column] = numbered(i);
    const [c] = await tx.query<{ n: number; beyond: boolean }>(
      `SELECT (SELECT count(*)::int FROM ${table} WHERE ${column} > $1 AND ${column} <= $2) AS n, ` +
        (i.capture === 'log' && !i.engineWritten ? `EXISTS (SELECT 1 FROM ${table} WHERE ${column} > $2) AS beyond` : 'false AS beyond'),
      [from, to],
    );
    marks.set(i.relation, { from, to, changes: c?.n ?? 0, beyond: !!c?.beyond });
  }
  return marks;
}

/** An MV's change handed to its consumers in the same unit: a session temp table (columns + __w), consolidated. */
export interface HandOff {
  readonly table: string;
  readonly rows: number;
  /** Its rows of negative weight (old images out). */
  readonly deletes: number;
  /**
   * The consumer's delta table, which the MV's merge filled from its change instead of writing
   * `table` (see ChainStep): `table` was not written, and is not read.
   */
  readonly filled?: string;
}

export interface ReadDeltasOptions {
  /** Statements (settings) sent first, in the same round trip. */
  readonly prefix?: readonly Statement[];
  /** The temp tables already filled in this transaction (by the refreshes of a unit), updated here. */
  readonly filled?: Set<string>;
  /** Deltas handed over by the inputs' refreshes earlier in the unit (see Mark.handoff). */
  readonly handed?: ReadonlyMap<string, HandOff>;
  /** The session's known temp tables (see TempCache). */
  readonly temps?: TempCache;
  /**
   * Where statements go that need no answer (the prefix, when nothing is probed): appended here
   * for the caller to send first in its next round trip, instead of in a round trip of their own.
   */
  readonly carry?: Statement[];
  /**
   * Whether each logged external input holds changes past its high mark, read already in this
   * transaction's snapshot (see refreshUnit): not probed again, so that a refresh whose inputs
   * have nothing to copy sends no probe.
   */
  readonly beyond?: ReadonlyMap<string, boolean>;
}

/**
 * The marks of one refresh with their deltas materialized, in one round trip whatever the
 * number of inputs: a script that copies each input's range (W, H] into a session temp table
 * and ends with one SELECT that counts the copies, reads
 * the engine-written logs' high marks and whether the other logs hold changes beyond theirs.
 * An engine-written log is copied from W on without an upper bound: everything past W that this
 * snapshot sees, whose largest number is the high mark read in the same snapshot. An external
 * input whose range is empty (H = W) is not copied. Same snapshot, same marks as readMarks.
 * `consolidate`: logged inputs are copied consolidated (see consolidatesInput). Why a copy: log
 * tables churn and landing tables grow past their last ANALYZE, so a range of either is estimated
 * from stale statistics (often one row, or the whole table) and joins over it are planned badly;
 * a temp table is estimated from its actual size.
 * `inPlace` (see readsDeltaInPlace): nothing is copied; the program reads each range where it
 * lies, and `changes` is only 1 when the range holds a row, 0 when not (its size is not counted).
 * An engine-written log range that one refresh of its MV wrote is consolidated as it lies: its
 * mark says so (`consolidated` false: read as is), which spares grouping it on every column.
 */
export async function readDeltas(tx: Db, inputs: readonly InputRef[], watermarks: ReadonlyMap<string, number>, external: ReadonlyMap<string, number>, consolidate = false, inPlace = false, options: ReadDeltasOptions = {}): Promise<Map<string, Mark>> {
  const { prefix = [], filled, handed, temps, carry, beyond: known } = options;
  const probes: string[] = [];
  // Statistics: gathered once per session and table (see analyzeOnce). With a cache, decided
  // here once the sizes are known (see below), without a DO block per table and refresh.
  const analyze = (table: string): Statement[] => (temps ? [] : [analyzeOnce(table)]);
  const distinct = inputs.filter((i, k) => inputs.findIndex((j) => j.relation === i.relation) === k);
  const stmts: Statement[] = [];
  const tables = new Map<string, string>();
  distinct.forEach((i, k) => {
    const from = watermarks.get(i.relation) ?? 0;
    // Handed over by the input's refresh in this unit: read where it lies, with statistics.
    const h = handed?.get(i.relation);
    if (h) {
      if (!h.filled) stmts.push(...analyze(h.table));
      return;
    }
    const cols = i.columns.join(', ');
    let select: string;
    if (i.engineWritten) {
      probes.push(`(SELECT max(_seq) FROM ${logTable(i.relation)})::bigint AS h${k}`);
      if (inPlace) {
        // To be read consolidated: whether more than one refresh of the input wrote the range
        // (0: none, 1: one, 2: several transactions). One refresh logs each changed row once, so
        // its entries are consolidated already; only a range spanning several refreshes can hold
        // rows that cancel. A search for a second writer stops at the first row it finds (where
        // counting the distinct writers sorted the range's transaction ids as text).
        const log = logTable(i.relation);
        probes.push(consolidate
          ? `(CASE WHEN NOT EXISTS (SELECT 1 FROM ${log} WHERE _seq > ${from}) THEN 0 WHEN EXISTS (SELECT 1 FROM ${log} WHERE _seq > ${from} AND xmin <> (SELECT xmin FROM ${log} WHERE _seq > ${from} LIMIT 1)) THEN 2 ELSE 1 END) AS c${k}`
          : `EXISTS (SELECT 1 FROM ${log} WHERE _seq > ${from})::int AS c${k}`);
        return;
      }
      select = logRows(i, `_seq > ${from}`, consolidate);
    } else {
      const to = Math.max(from, external.get(i.relation) ?? from);
      if (i.capture === 'log' && !known?.has(i.relation)) probes.push(`EXISTS (SELECT 1 FROM ${logTable(i.relation)} WHERE _seq > ${to}) AS b${k}`);
      if (to === from) return;
      if (inPlace) {
        // A range of a landing table read in place is not probed: the program counts its rows
        // (see applyAggDelta), and a range holding none (numbers drawn by aborted writers only)
        // changes nothing.
        if (i.capture === 'seq') return;
        const [table, column] = numbered(i);
        probes.push(`EXISTS (SELECT 1 FROM ${table} WHERE ${column} > ${from} AND ${column} <= ${to})::int AS c${k}`);
        return;
      }
      select = i.capture === 'seq'
        ? `SELECT ${cols}, 1 AS __w FROM ${i.relation} WHERE ${SEQ} > ${from} AND ${SEQ} <= ${to}`
        : logRows(i, `_seq > ${from} AND _seq <= ${to}`, consolidate);
    }
    const table = tempName('in', i.relation, [i.capture, i.engineWritten, i.columns, i.types]);
    // A table of one input is shared by its consumers: within one transaction (a unit), the
    // copy an earlier consumer left is emptied first (its COMMIT has not emptied it yet).
    if (filled?.has(table)) stmts.push(`DELETE FROM ${table}`);
    filled?.add(table);
    stmts.push(...fillTemp(table, select, temps), ...analyze(table));
    probes.push(`(SELECT count(*) FROM ${table})::int AS c${k}`);
    tables.set(i.relation, table);
  });
  // Statements not sent yet: with nothing to probe, they wait for the next round trip.
  const pending: Statement[] = probes.length ? [] : [...prefix, ...stmts];
  const [p] = probes.length ? await tx.script<Record<string, unknown>>([...prefix, ...stmts, `SELECT ${probes.join(', ')}`]) : [{}];
  if (temps) {
    // The tables large enough for a fair sample (as analyzeOnce) and not analyzed in this session.
    const due: string[] = [];
    distinct.forEach((i, k) => {
      const h = handed?.get(i.relation);
      const table = h ? (h.filled ? undefined : h.table) : tables.get(i.relation);
      const n = h ? h.rows : Number(p?.[`c${k}`] ?? 0);
      if (table && n >= ANALYZE_MIN_ROWS && !temps.isAnalyzed(table)) due.push(table);
    });
    if (due.length) {
      await tx.script([...pending.splice(0), ...due.map((t) => `ANALYZE pg_temp.${t}`)]);
      for (const t of due) temps.noteAnalyzed(t);
    }
  }
  if (pending.length) {
    if (carry) carry.push(...pending);
    else await tx.script(pending);
  }
  const marks = new Map<string, Mark>();
  distinct.forEach((i, k) => {
    const from = watermarks.get(i.relation) ?? 0;
    const h = handed?.get(i.relation);
    if (h) {
      marks.set(i.relation, { from, to: from + 0.5, changes: h.rows, deletes: h.deletes, beyond: false, table: h.table, consolidated: true, handoff: true });
      return;
    }
    const to = i.engineWritten ? Math.max(from, Number(p?.[`h${k}`] ?? 0)) : Math.max(from, external.get(i.relation) ?? from);
    const beyond = !i.engineWritten && i.capture === 'log' && (known?.get(i.relation) ?? !!p?.[`b${k}`]);
    const n = Number(p?.[`c${k}`] ?? 0);
    const table = tables.get(i.relation);
    // An empty range (numbers drawn by aborted writers only) is no change: no copy in the mark.
    const consolidated = consolidate && i.capture === 'log';
    // A landing table's range read in place, not probed: 1 while it may hold rows (see above).
    if (inPlace) marks.set(i.relation, { from, to, changes: !i.engineWritten && i.capture === 'seq' ? (to > from ? 1 : 0) : Math.min(n, 1), beyond, consolidated: consolidated && (!i.engineWritten || n > 1) });
    else marks.set(i.relation, table && n > 0 ? { from, to, changes: n, beyond, table, consolidated } : { from, to, changes: 0, beyond });
  });
  return marks;
}
