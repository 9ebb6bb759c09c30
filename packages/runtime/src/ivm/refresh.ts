import { relationsOf, type Manifest } from '@mvkit/compiler';
import { sqlOf, type Db, type Statement } from '../db/db.ts';
import { RefreshError } from '../errors.ts';
import { KEY_COLLATION, REFRESH_SETTINGS, lockNodeRecord, logTable, needsChangeLog, nodeLockKey, quote, unlockNode, unlockSql, type NodeRecord } from './catalog.ts';
import { externalHighMarks, readDeltas } from './marks.ts';
import type { Mark } from './delta-sql.ts';
import { consolidatesInput, findNode, planNode, readsDeltaInPlace, type NodePlan } from './node-plan.ts';
import { applyAggDelta, applyFull, applyRowsDelta } from './programs.ts';
import { TempCache, withToastRetry } from './temp.ts';
import { refreshUnit } from './unit.ts';

export interface RefreshResult {
  node: string;
  mode: 'incremental' | 'full';
  reason?: string;
  rowsChanged: number;
  inputRows: number;
  durationMs: number;
}

/** Every statement of a refresh with its duration (`explain`: with its plan instead), as lines to `write`. */
export interface RefreshTrace {
  readonly explain: boolean;
  readonly write: (line: string) => void;
}

/** Tracing and test hooks, passed from refreshAll to each refreshNode. */
export interface RefreshHooks {
  readonly trace?: RefreshTrace;
  /** Tests: runs between reading the external high marks and starting the refresh transaction. */
  readonly afterHighMarks?: (node: string) => Promise<void>;
  /** Tests: seconds to sleep inside the node's refresh transaction, after its writes (0: none). */
  readonly pauseInTransaction?: (node: string) => number;
}

/**
 * One refresh of one MV, in one transaction: watermarks (locked), high marks, delta, merge,
 * the MV's own log, watermarks advanced, a history row. A crash anywhere rolls all of it back.
 */
export async function refreshNode(db: Db, manifest: Manifest, name: string, options: RefreshHooks & { deferTrims?: Set<string> } = {}): Promise<RefreshResult> {
  const trace = options.trace;
  const node = findNode(manifest, name);
  if (node.kind !== 'mv') throw new RefreshError(`${name} is a ${node.kind}, not a materialized view`, { hint: 'only MVs are refreshed; views and tables are always current' });
  const plan = planNode(manifest, node);
  const started = performance.now();
  let consumed = true;
  const advanced: string[] = [];
  // The node's lock and its record in one round trip; the lock is released in the COMMIT's round
  // trip (afterCommit), or below when the refresh does not get that far (a session lock outlives
  // a failed statement: one taken just before the record failed to read is released there too).
  let locked = true;
  try {
    checkRecord(plan, await lockNodeRecord(db, name));
    const external = plan.layout === 'full' ? new Map<string, number>() : await externalHighMarks(db, plan.inputs);
    await options.afterHighMarks?.(name);
    trace?.write(`[ivm ${name}] before the transaction ${(performance.now() - started).toFixed(1)} ms\n`);
    let finish = '';
    // The session's temp tables this attempt created or analyzed: known once it has committed.
    let temps = TempCache.of(db);
    const attempt = () => db.transaction(async (t) => {
      advanced.length = 0;
      temps = TempCache.of(db);
      const tx = trace ? traced(t, name, trace) : t;
      // One snapshot, quiet notices, asynchronous commit, memory for hashing (see REFRESH_SETTINGS).
      const settings = REFRESH_SETTINGS;
      let rowsChanged: number;
      let inputRows = 0;
      let marks: Map<string, Mark> | undefined;
      if (plan.layout === 'full') {
        await tx.exec(settings);
        rowsChanged = await applyFull(tx, plan);
      } else {
        // Whether anything consumes this MV's log, read under the node's lock: createNode holds
        // its inputs' locks until it has committed a new consumer's watermarks, so a consumer
        // created before this refresh is seen here and one created after it starts from the
        // MV's table as this refresh leaves it. Without consumers the log is not written at all.
        // In the same round trip as the settings, which must come first in the transaction.
        const wm = await tx.script<{ input: string; mark: number; consumed: boolean }>([
          settings,
          `SELECT input, mark, EXISTS (SELECT 1 FROM mvkit.ivm_watermarks c WHERE c.input = ${quote(name)}) AS consumed FROM mvkit.ivm_watermarks WHERE consumer = ${quote(name)} FOR UPDATE`,
        ]);
        const watermarks = new Map(wm.map((r) => [r.input, Number(r.mark)]));
        consumed = needsChangeLog(node, wm.some((r) => r.consumed));
        for (const i of plan.inputs) {
          if (!watermarks.has(i.relation)) throw new RefreshError(`${name} has no watermark for its input ${i.relation}`, { hint: 'drop and recreate the node' });
        }
        marks = await readDeltas(tx, plan.inputs, watermarks, external, consolidatesInput(plan), readsDeltaInPlace(plan), { temps });
        inputRows = [...marks.values()].reduce((s, m) => s + m.changes, 0);
        if (inputRows === 0) rowsChanged = 0;
        else if (plan.layout === 'agg') ({ changed: rowsChanged, inputRows } = await applyAggDelta(tx, plan, marks, consumed ? 'log' : 'none', temps));
        else ({ changed: rowsChanged } = await applyRowsDelta(tx, plan, marks, consumed ? 'log' : 'none', temps));
        for (const [input, m] of marks) if (m.to !== m.from) advanced.push(input);
      }
      const pause = options.pauseInTransaction?.(name) ?? 0;
      if (pause > 0) await tx.query('SELECT pg_sleep($1)', [pause]);
      const durationMs = performance.now() - started;
      const mode = plan.layout === 'full' ? 'full' : 'incremental';
      // One statement, sent with the COMMIT: every watermark that moves, and the history row.
      const moved = advanced.map((i) => [i, marks!.get(i)!.to] as const);
      finish = `WITH w AS (
  UPDATE mvkit.ivm_watermarks w SET mark = v.mark FROM (SELECT unnest(ARRAY[${moved.map(([i]) => quote(i)).join(', ')}]::text[]) AS input, unnest(ARRAY[${moved.map(([, m]) => String(m)).join(', ')}]::bigint[]) AS mark) v WHERE w.consumer = ${quote(name)} AND w.input = v.input
)
INSERT INTO mvkit.ivm_refreshes (node, mode, reason, rows_changed, input_rows, duration_ms) VALUES (${quote(name)}, ${quote(mode)}, ${plan.reason === null ? 'NULL' : quote(plan.reason)}, ${rowsChanged}, ${inputRows}, ${durationMs})`;
      const r: RefreshResult = { node: name, mode, rowsChanged, inputRows, durationMs };
      if (plan.reason) r.reason = plan.reason;
      return r;
    }, { finish: () => finish, afterCommit: unlockSql(name) });
    const result = await withToastRetry(attempt);
    locked = false;
    temps.committed();
    const committed = performance.now();
    // An MV's own log is trimmed by its consumers' refreshes; without consumers it is emptied here
    // (entries left from before its consumers were dropped). An input's log can only be trimmed
    // further when this consumer's watermark on it moved.
    const trims = new Set(plan.inputs.filter((x) => x.capture === 'log' && advanced.includes(x.relation)).map((x) => x.relation));
    if (!consumed || plan.layout === 'full') trims.add(name);
    if (options.deferTrims) for (const t of trims) options.deferTrims.add(t);
    else await trimLogs(db, [...trims]);
    result.durationMs = performance.now() - started;
    trace?.write(`[ivm ${name}] total ${result.durationMs.toFixed(1)} ms: until commit ${(committed - started).toFixed(1)}, trims ${(performance.now() - committed).toFixed(1)}\n`);
    return result;
  } finally {
    if (locked) await unlockNode(db, name).catch(() => undefined);
  }
}

/** Refuses an MV that was not created, or whose storage the plan can no longer maintain. */
export function checkRecord(plan: NodePlan, rec: NodeRecord | undefined): void {
  const name = plan.node.name;
  if (!rec) throw new RefreshError(`${name} has not been created on this target`, { hint: 'run mvkit apply (or createNode) first' });
  if (rec.layout !== plan.layout) {
    throw new RefreshError(`${name} is stored as "${rec.layout}" but its definition now needs "${plan.layout}"`, { hint: 'its definition changed: drop and recreate it (mvkit apply)' });
  }
  if (plan.layout !== 'full' && rec.key_collation !== KEY_COLLATION) {
    throw new RefreshError(`${name} was stored by an earlier version of the engine: its key column compares under collation "${rec.key_collation}", the engine under "${KEY_COLLATION}"`, { hint: 'run mvkit apply: it rebuilds every MV whose storage changed' });
  }
}

/** Every statement of a refresh with its duration, written to the trace. */
export function traced(db: Db, node: string, trace: RefreshTrace): Db {
  const wrap = async <T>(statement: Statement, run: () => Promise<T>, params?: readonly unknown[]): Promise<T> => {
    const t = performance.now();
    const sql = sqlOf(statement);
    // The engine marks the statements worth a plan (explainable): one statement each, no parameters.
    // Explained (and so executed) inside a savepoint that is rolled back, then run for real: the
    // refresh goes on with the statement's own rows (a count, a handed-over change).
    if (trace.explain && typeof statement !== 'string' && !params?.length) {
      await db.exec('SAVEPOINT ivm_explain');
      const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`);
      await db.exec('ROLLBACK TO SAVEPOINT ivm_explain');
      trace.write(`[ivm ${node}] ${(performance.now() - t).toFixed(1)} ms  ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n${plan.map((r) => '    ' + r['QUERY PLAN']).join('\n')}\n`);
    }
    const out = await run();
    trace.write(`[ivm ${node}] ${(performance.now() - t).toFixed(1)} ms  ${sql.replace(/\s+/g, ' ').slice(0, 160)}\n`);
    return out;
  };
  const exec = async (sql: string): Promise<void> => wrap(sql, () => db.exec(sql));
  // A script is traced statement by statement: the rows are those of its last statement.
  const script = async <T>(statements: readonly Statement[]): Promise<T[]> => {
    for (const s of statements.slice(0, -1)) await wrap(s, () => db.exec(sqlOf(s)));
    const last = statements.at(-1)!;
    return wrap(last, () => db.query<T>(last));
  };
  return { ...db, query: (sql, params) => wrap(sql, () => db.query(sql, params), params), exec, script } as Db;
}

/**
 * Deletes log entries every consumer has folded in (all of them when nothing consumes the log).
 * Skipped for a log whose node another engine session has locked: createNode holds its inputs'
 * locks while it reads a log from a mark nobody has recorded yet. One round trip: one DO block
 * (one transaction) that takes each node's lock with pg_try_advisory_xact_lock, which conflicts with the session-level lock of
 * other engine sessions exactly like tryNodeLock and is released at COMMIT, after the DELETE.
 * Each DELETE runs under a snapshot taken after its lock was granted (a PL/pgSQL statement
 * takes a fresh snapshot under READ COMMITTED), so it sees every watermark committed before,
 * as the separate lock/DELETE/unlock statements did. Logs in name order: two trimmers delete
 * in the same order and cannot deadlock.
 */
export async function trimLogs(db: Db, names: readonly string[]): Promise<void> {
  const sql = trimSql(db.kind, names);
  if (sql) await db.exec(sql);
}

/**
 * trimLogs' statement ('' when there is nothing to trim). `afterCommit`: to be sent behind a
 * COMMIT in the same round trip (see refreshUnit), where an error would report a transaction
 * that committed as failed: the DO block then catches any error and leaves the logs as they
 * were, with a warning (a later trim deletes what this one would have: see trimmable).
 */
export function trimSql(kind: Db['kind'], names: readonly string[], afterCommit = false): string {
  const sorted = [...new Set(names)].sort();
  if (!sorted.length) return '';
  const keep = (n: string) => `_seq <= COALESCE((SELECT min(mark) FROM mvkit.ivm_watermarks WHERE input = ${quote(n)}), (SELECT max(_seq) FROM ${logTable(n)}))`;
  // PGlite has one session, whose own advisory locks never conflict with each other: the DELETEs
  // alone (one implicit transaction), without a DO block, which PGlite compiles at ~5 ms each.
  if (kind === 'pglite') return sorted.map((n) => `DELETE FROM ${logTable(n)} WHERE ${keep(n)}`).join(';\n');
  const body = sorted
    .map((n) => `  IF pg_try_advisory_xact_lock(${nodeLockKey(n)}) THEN
    DELETE FROM ${logTable(n)} WHERE ${keep(n)};
  END IF;`)
    .join('\n');
  const caught = afterCommit ? `\nEXCEPTION WHEN OTHERS THEN\n  RAISE WARNING 'mvkit: change logs not trimmed: %', SQLERRM;` : '';
  return `DO $ivm_trim$\nBEGIN\n${body}${caught}\nEND $ivm_trim$`;
}

/**
 * The logs among `names` that a trim would delete anything from, as an SQL text[]: those whose
 * oldest entry is at or below every consumer's watermark, or that hold any entry when nothing
 * consumes them (as trimLogs deletes). Read in a refresh's snapshot, a log left out holds nothing
 * that a later trim would not delete: entries only become trimmable when a consumer's watermark
 * moves (whose refresh trims the log) or when entries are added to a log nothing consumes
 * (which a later refresh, reading this again, trims). One subquery per log (its oldest entry,
 * from its index) and one over the watermarks: it plans in ~0.3 ms on PGlite.
 */
export function trimmableSql(names: readonly string[]): string {
  const oldest = names.map((n) => `(${quote(n)}, (SELECT min(_seq) FROM ${logTable(n)}))`).join(', ');
  return `ARRAY(SELECT l.name FROM (VALUES ${oldest}) l (name, oldest) WHERE l.oldest <= COALESCE((SELECT min(m.mark) FROM mvkit.ivm_watermarks m WHERE m.input = l.name), l.oldest))`;
}

export interface RefreshAllOptions extends RefreshHooks {
  select?: string[];
  onProgress?: (done: number, total: number, r: RefreshResult) => void;
  /**
   * Up to this many MVs refreshed at once, each on its own connection (Db.fork: native Postgres
   * only); an MV starts once every MV it is built on, directly or through views, is done.
   * Default 1: one after the other, in the manifest's order.
   */
  concurrency?: number;
  /**
   * Default true: the MVs refresh as one unit (refreshUnit: one transaction, fixed costs paid
   * once), unless concurrency allows more than one at a time and two of them are independent
   * (neither built on the other), which then refresh at once, each in its own transaction.
   * False: each MV in its own transaction (refreshNode).
   */
  unit?: boolean;
}

/** Whether two of the MVs are independent: neither is built on the other. */
function hasIndependent(manifest: Manifest, names: readonly string[]): boolean {
  const deps = refreshDependencies(manifest, names);
  return names.some((b, j) => names.slice(0, j).some((a) => !deps.get(b)!.has(a)));
}

export async function refreshAll(db: Db, manifest: Manifest, options: RefreshAllOptions = {}): Promise<RefreshResult[]> {
  const wanted = options.select ? new Set(options.select) : null;
  if (wanted) for (const n of wanted) findNode(manifest, n);
  // manifest.nodes is in topological order: every MV after the MVs it reads.
  const mvs = manifest.nodes.filter((n) => n.kind === 'mv' && (!wanted || wanted.has(n.name)));
  const out: RefreshResult[] = [];
  const names = mvs.map((n) => n.name);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const parallel = concurrency > 1 && !!db.fork && mvs.length > 1 && hasIndependent(manifest, names);
  const unit = !parallel && options.unit !== false && mvs.length > 0;
  // Dimensions nothing consumes would otherwise keep their log forever: trimmed as well.
  const tables = wanted ? [] : manifest.nodes.filter((n) => n.kind === 'table' && !n.appendOnly).map((n) => n.name);
  // A unit trims its logs itself, with its COMMIT (the tables' too: see refreshUnit).
  const trimmer = await logTrimmer(db, unit ? 1 : mvs.length);
  const done = (r: RefreshResult) => {
    out.push(r);
    options.onProgress?.(out.length, mvs.length, r);
  };
  try {
    if (parallel) {
      await refreshConcurrently(db, manifest, names, concurrency, trimmer, done, options);
    } else if (unit) {
      const results = await refreshUnit(db, manifest, names, { ...options, trimTables: tables });
      for (const r of results) done(r);
    } else {
      for (const n of mvs) {
        const trims = new Set<string>();
        done(await refreshNode(db, manifest, n.name, { ...options, deferTrims: trims }));
        trimmer.add(trims);
      }
    }
  } catch (e) {
    // The refreshes that committed may still trim what they folded in; the failure is what is reported.
    await trimmer.finish().catch(() => undefined);
    throw e;
  }
  if (!unit) trimmer.add(tables);
  await trimmer.finish();
  return out;
}

interface LogTrimmer {
  /** Logs a committed refresh may trim. */
  add(names: Iterable<string>): void;
  /** Every trim done; the first failure, if any, thrown. */
  finish(): Promise<void>;
}

/**
 * Where a refreshAll trims the logs its refreshes folded in. On native Postgres, on the
 * connection's companion, as soon as each refresh has committed, while the next MV refreshes
 * on the connection itself (a chain's trims cost ~3 % of its refresh, done at the end; beside
 * the next refreshes they cost nothing in wall time on a server with a core to spare).
 * Elsewhere (PGlite, one connection) all at the end, in one round trip. A trim takes the
 * trimmed node's lock with pg_try_advisory_xact_lock and deletes only what every consumer has
 * passed, so running beside refreshes of other nodes changes nothing they read.
 */
async function logTrimmer(db: Db, refreshes: number): Promise<LogTrimmer> {
  const companion = refreshes > 1 && db.companion ? await db.companion().catch(() => undefined) : undefined;
  if (!companion) {
    const pending = new Set<string>();
    return {
      add: (names) => { for (const n of names) pending.add(n); },
      finish: () => trimLogs(db, [...pending]),
    };
  }
  // Trims the companion could not do (its connection lost, say) are done at the end on the
  // connection itself, and the companion is closed so that the next refreshAll opens a new one.
  let queue: Promise<void> = Promise.resolve();
  const failed = new Set<string>();
  return {
    add(names) {
      const list = [...names];
      if (!list.length) return;
      queue = queue.then(() => trimLogs(companion, list)).catch(() => { for (const n of list) failed.add(n); });
    },
    async finish() {
      await queue;
      if (!failed.size) return;
      await companion.close().catch(() => undefined);
      await trimLogs(db, [...failed]);
    },
  };
}

/**
 * For each MV in `names`, the others it is built on, directly or through nodes outside `names`:
 * the node's dependencies and the relations its select reads.
 */
export function refreshDependencies(manifest: Manifest, names: readonly string[]): Map<string, Set<string>> {
  const byName = new Map(manifest.nodes.map((n) => [n.name, { dependsOn: [...new Set([...n.dependsOn, ...(n.select?.kind === 'select' ? relationsOf(n.select).map((r) => r.name) : [])])] }]));
  const selected = new Set(names);
  const out = new Map<string, Set<string>>();
  for (const name of names) {
    const deps = new Set<string>();
    const seen = new Set<string>();
    const stack = [...(byName.get(name)?.dependsOn ?? [])];
    while (stack.length) {
      const d = stack.pop()!;
      if (seen.has(d)) continue;
      seen.add(d);
      if (selected.has(d)) deps.add(d);
      stack.push(...(byName.get(d)?.dependsOn ?? []));
    }
    out.set(name, deps);
  }
  return out;
}

/**
 * Independent branches at once: workers on their own connections take the next MV whose MVs
 * are all refreshed. Each refresh is still its own transaction under its node's lock. On a
 * failure no further MV starts; the ones running finish, then the first error is thrown.
 */
async function refreshConcurrently(db: Db, manifest: Manifest, names: readonly string[], concurrency: number, trimmer: LogTrimmer, done: (r: RefreshResult) => void, hooks: RefreshHooks): Promise<void> {
  const deps = refreshDependencies(manifest, names);
  const finished = new Set<string>();
  const started = new Set<string>();
  let failure: unknown;
  let wake: () => void = () => undefined;
  const next = (): string | undefined => names.find((n) => !started.has(n) && [...deps.get(n)!].every((d) => finished.has(d)));
  const worker = async (conn: Db): Promise<void> => {
    for (;;) {
      if (failure !== undefined) return;
      const name = next();
      if (name === undefined) {
        if (started.size === names.length) return;
        // Wait for a running refresh to finish and release what depends on it.
        await new Promise<void>((resolve) => {
          const prev = wake;
          wake = () => { prev(); resolve(); };
        });
        continue;
      }
      started.add(name);
      try {
        const trims = new Set<string>();
        done(await refreshNode(conn, manifest, name, { ...hooks, deferTrims: trims }));
        trimmer.add(trims);
        finished.add(name);
      } catch (e) {
        failure ??= e;
      } finally {
        const w = wake;
        wake = () => undefined;
        w();
      }
    }
  };
  const conns: Db[] = [db];
  try {
    for (let k = 1; k < Math.min(concurrency, names.length); k++) conns.push(await db.fork!());
    await Promise.all(conns.map((c) => worker(c)));
  } finally {
    for (const c of conns.slice(1)) await c.close().catch(() => undefined);
  }
  if (failure !== undefined) throw failure;
}

export type { NodePlan };
