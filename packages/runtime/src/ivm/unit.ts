import type { Manifest } from '@mvkit/compiler';
import type { Db, Statement } from '../db/db.ts';
import { RefreshError } from '../errors.ts';
import { logTable, lockSql, REFRESH_SETTINGS, needsChangeLog, quote, recordsSql, unlockSql, type NodeRecord } from './catalog.ts';
import type { Mark } from './delta-sql.ts';
import { highMarksScript, readDeltas, type HandOff } from './marks.ts';
import { consolidatesInput, findNode, planNode, readsDeltaInPlace, type NodePlan } from './node-plan.ts';
import { applyAggDelta, applyFull, applyRowsDelta, SORT_ON, type ChangeSink } from './programs.ts';
import { checkRecord, traced, trimmableSql, trimSql, type RefreshHooks, type RefreshResult } from './refresh.ts';
import { TempCache, withToastRetry } from './temp.ts';

export interface UnitOptions extends RefreshHooks {
  /**
   * Logs of tables (dimensions) to trim as well, if they hold anything to trim: the unit reads
   * that in its snapshot (see trimmable) and trims, with its own logs, only those that do.
   */
  readonly trimTables?: readonly string[];
}

/**
 * Refreshes several MVs (`names`, in dependency order: every MV after the MVs it reads) as one
 * unit, in one REPEATABLE READ transaction: all of them commit, or none does (a crash or a failed
 * statement at the last MV leaves every MV, log, watermark and history row as it was). Each MV
 * still gets its own history row and its own watermarks. Fixed costs are paid once per unit
 * instead of once per MV: the nodes' locks and records in one round trip, the external high
 * marks of every input in one, the settings and every watermark (with the high marks of the
 * logs of the MVs read) in one, then per MV its delta and merge, and the watermarks that moved,
 * the history rows, the COMMIT, the unlocks and the trims of the logs it folded in in one (see
 * below). An MV none of whose inputs holds changes
 * past its watermarks (read in that one query, or written by an MV of the unit just before) is
 * skipped without a statement. Rows written by an MV earlier in the unit are read by the MVs
 * after it within the same transaction, which sees its own writes.
 *
 * The unit holds every node's lock for its whole duration (taken in name order, like
 * withNodeLocks: two units over overlapping sets cannot deadlock), so it suits a chain, whose
 * MVs wait for each other anyway, rather than independent branches that could run at once.
 * On PGlite, which has one session, whose advisory locks never conflict with each other, no
 * lock is taken (nor released).
 *
 * Trims (see trimLogs): the logs the unit's watermarks moved past, and the logs that nothing
 * reads (an MV's own log not written in this unit, the tables of `trimTables`) when its snapshot
 * sees anything to trim in them (see trimmable: most refreshes have nothing to trim there, and
 * then send no trim at all). On native Postgres the trims are sent behind the COMMIT, in its
 * round trip: each in the transaction that follows, under the lock it tries to take, as
 * trimLogs does. On PGlite (one session: no engine session can create a consumer meanwhile)
 * they run in the unit's transaction itself, before its COMMIT: the unit and its trims commit
 * together or not at all.
 */
export async function refreshUnit(db: Db, manifest: Manifest, names: readonly string[], options: UnitOptions): Promise<RefreshResult[]> {
  const trace = options.trace;
  const plans: NodePlan[] = names.map((name) => {
    const node = findNode(manifest, name);
    if (node.kind !== 'mv') throw new RefreshError(`${name} is a ${node.kind}, not a materialized view`, { hint: 'only MVs are refreshed; views and tables are always current' });
    return planNode(manifest, node);
  });
  const sorted = [...new Set(names)].sort();
  // One session on PGlite: its advisory locks never conflict, so none are taken.
  const locking = db.kind !== 'pglite';
  const locks = locking ? sorted.map(lockSql) : [];
  const unlocks = locking ? sorted.map(unlockSql).join(';\n') : '';
  const started = performance.now();
  // Taken before the first round trip is sent: a lock granted just before a failure is released too.
  let locked = true;
  try {
    const incremental = plans.filter((p) => p.layout !== 'full');
    // The locks, the records and the external high marks in one round trip: the script's last
    // SELECT returns the records (as JSON) with the high marks. The records are checked after
    // the high marks were read, which reading them changes nothing to (see externalHighMarks).
    // An input without its sequence (a node not created, say): the records are read and
    // checked first, alone, which reports what is missing; the high marks then fail as before.
    const inputs = incremental.flatMap((p) => p.inputs);
    const hm = await highMarksScript(db, inputs).catch(async (e: unknown) => {
      const alone = await db.script<NodeRecord>([...locks, recordsSql(sorted)]);
      for (const plan of plans) checkRecord(plan, alone.find((r) => r.name === plan.node.name));
      throw e;
    });
    let head: { recs: NodeRecord[] | string; [h: string]: unknown } | undefined;
    try {
      [head] = await db.script<{ recs: NodeRecord[] | string; [h: string]: unknown }>([
        ...locks,
        ...hm.statements,
        `SELECT (SELECT COALESCE(json_agg(r), '[]') FROM (${recordsSql(sorted)}) r) AS recs${hm.columns.map((c) => `, ${c}`).join('')}`,
      ]);
    } catch (e) {
      // The script may have stopped inside a high mark's transaction.
      if (hm.statements.length) await db.exec('ROLLBACK').catch(() => undefined);
      throw e;
    }
    const recs: NodeRecord[] = typeof head?.recs === 'string' ? JSON.parse(head.recs) : (head?.recs ?? []);
    for (const plan of plans) checkRecord(plan, recs.find((r) => r.name === plan.node.name));
    const external = hm.read(head);
    for (const n of names) await options.afterHighMarks?.(n);
    trace?.write(`[ivm unit] before the transaction ${(performance.now() - started).toFixed(1)} ms\n`);
    // Logs the MVs of the unit read, for the one query that reads every watermark.
    const engineInputs = [...new Set(incremental.flatMap((p) => p.inputs.filter((i) => i.engineWritten).map((i) => i.relation)))];
    let finish = '';
    let moved: { consumer: string; input: string; mark: number }[] = [];
    let logged = new Map<string, boolean>();
    // The logs to trim once the unit has committed (see above).
    let trims: string[] = [];
    // Logs that may hold entries nothing reads any more: the unit's MVs' own, and the tables'.
    const candidates = [...new Set([...sorted, ...(options.trimTables ?? [])])];
    // The session's temp tables this attempt created or analyzed: known once it has committed.
    let temps = TempCache.of(db);
    const attempt = () => db.transaction(async (t) => {
      moved = [];
      logged = new Map();
      trims = [];
      temps = TempCache.of(db);
      const head = trace ? traced(t, 'unit', trace) : t;
      // One snapshot for the whole unit, quiet notices, asynchronous commit (see REFRESH_SETTINGS).
      const settings = REFRESH_SETTINGS;
      const logMax = engineInputs.length
        ? `CASE w.input ${engineInputs.map((i) => `WHEN ${quote(i)} THEN (SELECT max(_seq) FROM ${logTable(i)})`).join(' ')} END::bigint`
        : 'NULL::bigint';
      // Every watermark of the unit's MVs, locked; whether anything consumes each MV's log (read
      // under the node's lock: see refreshNode); each read log's high mark in this snapshot.
      // (Only incremental MVs have watermarks, and only they need to know whether they are consumed.)
      const list = sorted.map(quote).join(', ');
      // Whether each logged external input (a dimension's log) holds changes past the high mark
      // the consumer advances to (see readDeltas' probes): read here, in the same snapshot.
      const externalLogs = [...new Set(incremental.flatMap((p) => p.inputs.filter((i) => i.capture === 'log' && !i.engineWritten).map((i) => i.relation)))];
      const beyondSql = externalLogs.length
        ? `CASE w.input ${externalLogs.map((i) => `WHEN ${quote(i)} THEN EXISTS (SELECT 1 FROM ${logTable(i)} WHERE _seq > GREATEST(w.mark, ${external.get(i) ?? 'w.mark'}))`).join(' ')} END`
        : 'NULL::boolean';
      // With them, which of the logs that may need a trim hold something to trim (see trimmable).
      const trimCheck = candidates.length ? `, ${trimmableSql(candidates)} AS trimmable` : '';
      const wm = await head.script<{ consumer: string; input: string; mark: number; log_max: number | null; beyond: boolean | null; consumers: string[]; trimmable?: string[] }>([
        settings,
        `SELECT w.consumer, w.input, w.mark, ${logMax} AS log_max, ${beyondSql} AS beyond, ARRAY(SELECT c.input || E'\\n' || c.consumer FROM mvkit.ivm_watermarks c WHERE c.input IN (${list})) AS consumers${trimCheck} FROM mvkit.ivm_watermarks w WHERE w.consumer IN (${list}) FOR UPDATE OF w`,
      ]);
      // No watermark row (a unit of full MVs only): every candidate is trimmed, as the check could not be read.
      const toTrim = new Set(wm[0] ? (wm[0].trimmable ?? []) : candidates);
      // The readers of each MV's log ("input\nconsumer"): MVs, and sync's consumers, outside the unit or in it.
      const readers = new Map<string, string[]>();
      for (const pair of wm[0]?.consumers ?? []) {
        const [input, consumer] = pair.split('\n') as [string, string];
        readers.set(input, [...(readers.get(input) ?? []), consumer]);
      }
      const consumed = new Set(readers.keys());
      const inUnit = new Set(incremental.map((p) => p.node.name));
      /**
       * Whether an MV's change can be handed to its consumers instead of written to its log: every
       * reader of the log is an incremental MV of this unit (refreshed after it, in this
       * transaction) that has read the log to its end. Its watermark then stays where it is, the
       * log gains nothing, and the table holds the change: consistent for every reader, since
       * there is none other (a reader created meanwhile waits for the node's lock, held by the unit).
       */
      const handsOff = (name: string): boolean => {
        const rs = readers.get(name) ?? [];
        return rs.length > 0 && rs.every((c) => {
          if (!inUnit.has(c)) return false;
          const row = wm.find((r) => r.consumer === c && r.input === name);
          return !!row && (row.log_max === null || Number(row.log_max) <= Number(row.mark));
        });
      };
      /**
       * The MV that reads a group store's change as the next link of a chain of group stores (see
       * ChainStep): the change's only reader, an incremental group store of this unit over it alone.
       */
      const nextInChain = (name: string): NodePlan | undefined => {
        const rs = readers.get(name) ?? [];
        const p = rs.length === 1 ? incremental.find((x) => x.node.name === rs[0]) : undefined;
        return p && p.layout === 'agg' && p.inputs.length === 1 && p.inputs[0]!.relation === name ? p : undefined;
      };
      const results: RefreshResult[] = [];
      // MVs of the unit that wrote rows to their log, or handed them over, in this transaction.
      const wrote = new Set<string>();
      const handed = new Map<string, HandOff>();
      // Session temp tables filled in this transaction (see readDeltas).
      const filled = new Set<string>();
      for (const [k, plan] of plans.entries()) {
        const name = plan.node.name;
        const t0 = performance.now();
        const tx = trace ? traced(t, name, trace) : t;
        const logs = needsChangeLog(plan.node, consumed.has(name));
        logged.set(name, logs);
        let rowsChanged = 0;
        let inputRows = 0;
        if (plan.layout === 'full') {
          rowsChanged = await applyFull(tx, plan);
          if (rowsChanged > 0) wrote.add(name);
        } else {
          const mine = wm.filter((r) => r.consumer === name);
          const watermarks = new Map(mine.map((r) => [r.input, Number(r.mark)]));
          for (const i of plan.inputs) {
            if (!watermarks.has(i.relation)) throw new RefreshError(`${name} has no watermark for its input ${i.relation}`, { hint: 'drop and recreate the node' });
          }
          const pending = plan.inputs.some((i) => {
            const w = watermarks.get(i.relation)!;
            if (!i.engineWritten) return (external.get(i.relation) ?? w) > w;
            return wrote.has(i.relation) || Number(mine.find((r) => r.input === i.relation)?.log_max ?? 0) > w;
          });
          if (pending) {
            // A node before this one may have turned sorting off for the rest of its work.
            // Statements readDeltas leaves unsent (nothing to probe) go with the program's first round trip.
            const carry: Statement[] = [];
            const beyond = new Map(mine.filter((r) => r.beyond !== null).map((r) => [r.input, !!r.beyond] as const));
            const marks: Map<string, Mark> = await readDeltas(tx, plan.inputs, watermarks, external, consolidatesInput(plan), readsDeltaInPlace(plan), { prefix: k > 0 ? [SORT_ON] : [], filled, handed, temps, carry, beyond });
            inputRows = [...marks.values()].reduce((s, m) => s + m.changes, 0);
            if (inputRows > 0) {
              const sink: ChangeSink = !logs ? 'none' : handsOff(name) ? 'handoff' : 'log';
              let handoff: HandOff | undefined;
              if (plan.layout === 'agg') {
                const only = plan.inputs.length === 1 ? handed.get(plan.inputs[0]!.relation) : undefined;
                const chain = { next: sink === 'handoff' ? nextInChain(name) : undefined, prefilled: only?.filled };
                ({ changed: rowsChanged, inputRows, handoff } = await applyAggDelta(tx, plan, marks, sink, temps, carry, chain));
              }
              else ({ changed: rowsChanged, handoff } = await applyRowsDelta(tx, plan, marks, sink, temps, carry));
              if (handoff) handed.set(name, handoff);
            }
            if (logs && rowsChanged > 0) wrote.add(name);
            // A handed-over delta leaves the watermark where it is (see Mark.handoff).
            for (const [input, m] of marks) if (m.to !== m.from && !m.handoff) moved.push({ consumer: name, input, mark: m.to });
          }
        }
        const pause = options.pauseInTransaction?.(name) ?? 0;
        if (pause > 0) await tx.query('SELECT pg_sleep($1)', [pause]);
        const r: RefreshResult = { node: name, mode: plan.layout === 'full' ? 'full' : 'incremental', rowsChanged, inputRows, durationMs: performance.now() - t0 };
        if (plan.reason) r.reason = plan.reason;
        results.push(r);
        trace?.write(`[ivm ${name}] total ${r.durationMs.toFixed(1)} ms (in the unit)\n`);
      }
      // One statement, sent with the COMMIT: every watermark that moves, and a history row per MV.
      const arr = (xs: readonly string[], type: string) => `ARRAY[${xs.join(', ')}]::${type}[]`;
      finish = `WITH w AS (
  UPDATE mvkit.ivm_watermarks w SET mark = v.mark FROM (SELECT unnest(${arr(moved.map((m) => quote(m.consumer)), 'text')}) AS consumer, unnest(${arr(moved.map((m) => quote(m.input)), 'text')}) AS input, unnest(${arr(moved.map((m) => String(m.mark)), 'bigint')}) AS mark) v
  WHERE w.consumer = v.consumer AND w.input = v.input
)
INSERT INTO mvkit.ivm_refreshes (node, mode, reason, rows_changed, input_rows, duration_ms) VALUES
${results.map((r) => `(${quote(r.node)}, ${quote(r.mode)}, ${r.reason === undefined ? 'NULL' : quote(r.reason)}, ${r.rowsChanged}, ${r.inputRows}, ${r.durationMs})`).join(',\n')}`;
      // The logs to trim: those an input's watermark moved past; a full MV's own when it wrote
      // to it (whatever reads it); the others only when they hold something to trim.
      const trimmed = new Set<string>();
      for (const m of moved) {
        const input = plans.find((p) => p.node.name === m.consumer)!.inputs.find((i) => i.relation === m.input);
        if (input?.capture === 'log') trimmed.add(m.input);
      }
      for (const p of plans) {
        const r = results.find((x) => x.node === p.node.name)!;
        if ((p.layout === 'full' && r.rowsChanged > 0) || ((p.layout === 'full' || !logged.get(p.node.name)) && toTrim.has(p.node.name))) trimmed.add(p.node.name);
      }
      for (const t of options.trimTables ?? []) if (toTrim.has(t)) trimmed.add(t);
      trims = [...trimmed];
      if (!locking && trims.length) finish += `;\n${trimSql(db.kind, trims)}`;
      return results;
    }, { finish: () => finish, afterCommit: () => [unlocks, locking ? trimSql(db.kind, trims, true) : ''].filter(Boolean).join(';\n') });
    const results = await withToastRetry(attempt);
    locked = false;
    temps.committed();
    trace?.write(`[ivm unit] total ${(performance.now() - started).toFixed(1)} ms\n`);
    return results;
  } finally {
    if (locked && unlocks) await db.exec(unlocks).catch(() => undefined);
  }
}
