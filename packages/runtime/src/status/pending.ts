import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { logTable, quote } from '../ivm/catalog.ts';
import { markedInputs, readFullMarks, REFRESHED, type FullMark } from './full-marks.ts';

interface Watermark {
  consumer: string;
  input: string;
  mark: number | string;
  /** The input's capture in mvkit.ivm_nodes; null when the input is not an engine node. */
  capture: string | null;
}

const markKey = (w: Watermark) => `${w.capture} ${w.input} ${Number(w.mark)}`;

/** Every watermark with its input's capture, in one query. */
async function readWatermarks(db: Db): Promise<Watermark[]> {
  return db.query<Watermark>('SELECT w.consumer, w.input, w.mark, n.capture FROM mvkit.ivm_watermarks w LEFT JOIN mvkit.ivm_nodes n ON n.name = w.input');
}

/** The rows of an input's change stream past a mark, as a scalar subquery: counted, or only whether there is one. */
function pastMark(w: Watermark, probe: 'count' | 'exists'): string | null {
  const mark = Number(w.mark);
  // An MV input of an MV recomputed in full (see full-marks.ts): whether it was refreshed since.
  if (w.capture === REFRESHED) {
    const where = `node = ${quote(w.input)} AND id > ${mark}`;
    return probe === 'count' ? `(SELECT COUNT(*)::int FROM mvkit.ivm_refreshes WHERE ${where})` : `(SELECT CASE WHEN EXISTS (SELECT 1 FROM mvkit.ivm_refreshes WHERE ${where}) THEN 1 ELSE 0 END)`;
  }
  const [table, where] = w.capture === 'seq' ? [w.input, `_ivm_seq > ${mark}`] : w.capture === 'log' ? [logTable(w.input), `_seq > ${mark}`] : [null, ''];
  if (!table) return null;
  return probe === 'count' ? `(SELECT COUNT(*)::int FROM ${table} WHERE ${where})` : `(SELECT CASE WHEN EXISTS (SELECT 1 FROM ${table} WHERE ${where}) THEN 1 ELSE 0 END)`;
}

/**
 * Per (input, mark) of `watermarks`, the rows past the mark, in one query whatever their number:
 * a VALUES list of scalar subqueries (a list, not a chain of UNION ALL, which the parser
 * would recurse through). Keyed `input mark`.
 */
async function probeMarks(db: Db, watermarks: readonly Watermark[], probe: 'count' | 'exists'): Promise<Map<string, number>> {
  const probes = new Map<string, string>();
  for (const w of watermarks) {
    const key = markKey(w);
    if (probes.has(key)) continue;
    const sql = pastMark(w, probe);
    if (sql) probes.set(key, sql);
  }
  const keys = [...probes.keys()];
  const out = new Map<string, number>();
  if (!keys.length) return out;
  const rows = await db.query<{ k: number; c: number }>(`SELECT k, c FROM (VALUES ${[...probes.values()].map((sql, k) => `(${k}, ${sql})`).join(', ')}) AS p (k, c)`);
  for (const r of rows) out.set(keys[Number(r.k)]!, Number(r.c));
  return out;
}

/**
 * Input changes each MV of the local engine has not folded in yet: the rows of its inputs'
 * change streams past its watermarks. Two queries, whatever the number of MVs.
 */
export async function pendingChanges(db: Db, manifest: Manifest): Promise<Map<string, number>> {
  const wanted = new Set(manifest.nodes.filter((n) => n.kind === 'mv').map((n) => n.name));
  const marks = (await readWatermarks(db)).filter((w) => wanted.has(w.consumer));
  const counts = await probeMarks(db, marks, 'count');
  const consumers = new Set(marks.map((m) => m.consumer));
  const out = new Map<string, number>();
  for (const n of manifest.nodes) if (n.kind === 'mv' && consumers.has(n.name)) out.set(n.name, 0);
  for (const m of marks) {
    const c = counts.get(markKey(m));
    if (c !== undefined) out.set(m.consumer, out.get(m.consumer)! + c);
  }
  return out;
}

/**
 * Of the MVs `names`, those a refresh has work for: an MV with an input change past its
 * watermarks, one recomputed in full whose tables changed since its last refresh or may have
 * (see full-marks.ts), and every MV built on one of these, directly or through views (its
 * input changes when that one refreshes). The rest would fold in nothing. Five queries,
 * whatever the number of MVs; read outside any refresh's snapshot, so a change committed
 * after it is left to the next refresh, as it would be had the refresh started earlier.
 */
export async function mvsWithWork(db: Db, manifest: Manifest, names: readonly string[]): Promise<Set<string>> {
  const marks = await readWatermarks(db);
  const tracked = new Set(marks.map((m) => m.consumer));
  // MVs recomputed in full: the marks recorded at their last refresh stand in for watermarks
  // while neither the MV nor a table it reads was recreated since.
  const nodes = new Map((await db.query<{ name: string; kind: string; capture: string; created: string }>('SELECT name, kind, capture, created_at::text AS created FROM mvkit.ivm_nodes')).map((n) => [n.name, n]));
  const recorded = new Map<string, FullMark[]>();
  for (const f of await readFullMarks(db)) recorded.set(f.consumer, [...(recorded.get(f.consumer) ?? []), f]);
  const byName = new Map(manifest.nodes.map((n) => [n.name, n]));
  const untrackedClean = new Set<string>();
  for (const n of manifest.nodes) {
    if (n.kind !== 'mv' || tracked.has(n.name)) continue;
    const rows = recorded.get(n.name) ?? [];
    const created = nodes.get(n.name)?.created;
    if (!created || !rows.some((r) => r.input === '' && r.consumer_created === created)) continue;
    const current = markedInputs(manifest, n.name, byName).map((t) => rows.find((r) => r.input === t && r.consumer_created === created && r.input_created === nodes.get(t)?.created));
    if (current.some((r) => !r)) continue;
    for (const r of current) marks.push({ consumer: n.name, input: r!.input, mark: r!.mark, capture: nodes.get(r!.input)!.kind === 'mv' ? REFRESHED : nodes.get(r!.input)!.capture });
    untrackedClean.add(n.name);
  }
  const past = await probeMarks(db, marks, 'exists');
  const work = new Set<string>();
  for (const m of marks) if (past.get(markKey(m))) work.add(m.consumer);
  // manifest.nodes is in dependency order: a node's inputs come before it.
  for (const n of manifest.nodes) {
    if (n.kind === 'mv' && !tracked.has(n.name) && !untrackedClean.has(n.name)) work.add(n.name);
    if (n.kind !== 'table' && n.dependsOn.some((p) => work.has(p))) work.add(n.name);
  }
  const selected = new Set(names);
  return new Set([...work].filter((n) => selected.has(n)));
}

/**
 * Whether MV `name` has input changes past its watermarks: then it differs from its SELECT over
 * its inputs as they are until it is refreshed. `untracked`: it keeps no watermarks (the engine
 * recomputes it in full at each refresh), so only a comparison can tell.
 */
export async function staleness(db: Db, manifest: Manifest, name: string): Promise<{ stale?: string; untracked: boolean }> {
  // Checked, not caught: inside a transaction a failed query would abort it.
  const [catalog] = await db.query<{ r: string | null }>("SELECT to_regclass('mvkit.ivm_watermarks')::text AS r");
  if (!catalog?.r) return { untracked: true };
  const pending = await pendingChanges(db, { ...manifest, nodes: manifest.nodes.filter((n) => n.name === name) });
  const p = pending.get(name);
  return { ...(p ? { stale: `${p} input change(s) not refreshed yet` } : {}), untracked: p === undefined };
}
