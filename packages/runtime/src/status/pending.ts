import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { logTable } from '../ivm/catalog.ts';

/** Input changes each MV of the local engine has not folded in yet: the rows of its inputs' change streams past its watermarks. */
export async function pendingChanges(db: Db, manifest: Manifest): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const captures = new Map((await db.query<{ name: string; capture: string }>('SELECT name, capture FROM mvkit.ivm_nodes')).map((r) => [r.name, r.capture]));
  const marks = await db.query<{ consumer: string; input: string; mark: number | string }>('SELECT consumer, input, mark FROM mvkit.ivm_watermarks');
  for (const n of manifest.nodes) {
    if (n.kind !== 'mv') continue;
    const mine = marks.filter((m) => m.consumer === n.name);
    if (!mine.length) continue;
    let pending = 0;
    for (const m of mine) {
      const capture = captures.get(m.input);
      const sql = capture === 'seq' ? `SELECT COUNT(*)::int AS c FROM ${m.input} WHERE _ivm_seq > $1` : capture === 'log' ? `SELECT COUNT(*)::int AS c FROM ${logTable(m.input)} WHERE _seq > $1` : null;
      if (!sql) continue;
      pending += Number((await db.query<{ c: number }>(sql, [Number(m.mark)]))[0]?.c ?? 0);
    }
    out.set(n.name, pending);
  }
  return out;
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
