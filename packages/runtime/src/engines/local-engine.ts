import { availableParallelism } from 'node:os';
import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import * as ivm from '../ivm/index.ts';
import type { PlanSql } from '../plan/plan-sql.ts';
import { localPlanSql } from '../plan/plan-sql.ts';
import type { Stage } from '../plan/plan-types.ts';
import type { Engine, NodeIntrospection, RefreshOptions, RefreshOutcome } from './engine.ts';
import { markFullRefreshes } from '../status/full-marks.ts';
import { mvsWithWork, pendingChanges } from '../status/pending.ts';

/** An MV with no input change past its watermarks, and none upstream to refresh first. */
const unchanged = (node: string): RefreshOutcome => ({ node, mode: 'incremental', rows: 0, durationMs: 0, detail: 'no input changes' });

function planSqlFor(kind: 'pglite' | 'postgres'): PlanSql {
  const base = localPlanSql(kind, (m, n) => ivm.nodeDdl(m, n));
  return {
    ...base,
    retypeColumns: (node, changes, manifest) => [...base.retypeColumns(node, changes, manifest), ...ivm.captureColumnDdl(node, { retype: changes })],
    addColumns: (node, columns, manifest) => [...base.addColumns(node, columns, manifest), ...ivm.captureColumnDdl(node, { add: columns })],
    // The trigger stops copying the column before the column goes.
    dropColumns: (node, columns, manifest) => {
      const capture = ivm.captureColumnDdl(node, { drop: columns });
      return [...capture.slice(0, 1), ...base.dropColumns(node, columns, manifest), ...capture.slice(1)];
    },
  };
}

async function relationExists(db: Db, name: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1', [name]);
  return rows.length > 0;
}

/** PGlite and native Postgres: nodes are created, dropped and refreshed by the local incremental engine (src/ivm). */
export async function localEngine(kind: 'pglite' | 'postgres'): Promise<Engine> {
  return {
    kind,
    dialect: 'postgres',
    planSql: planSqlFor(kind),
    install: (db) => ivm.installEngine(db),
    async rowCounts(db, names) {
      const out = new Map<string, number>();
      if (!names.length) return out;
      const rows = await db.query<{ name: string; n: number }>(
        "SELECT c.relname AS name, c.reltuples::float8 AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY($1::text[])",
        [[...names]],
      );
      // Never analyzed (-1) or analyzed while empty: counted, so that "empty" is never a guess;
      // all in one query (a VALUES list of counts), whatever their number.
      const unknown: string[] = [];
      for (const r of rows) {
        if (Number(r.n) > 0) out.set(r.name, Math.round(Number(r.n)));
        else unknown.push(r.name);
      }
      if (unknown.length) {
        const counted = await db.query<{ k: number; n: number }>(`SELECT k, n FROM (VALUES ${unknown.map((t, k) => `(${k}, (SELECT COUNT(*)::int FROM ${t}))`).join(', ')}) AS c (k, n)`);
        for (const c of counted) out.set(unknown[Number(c.k)]!, Number(c.n ?? 0));
      }
      // In the catalog's order, as they were counted one by one.
      return new Map(rows.filter((r) => out.has(r.name)).map((r) => [r.name, out.get(r.name)!]));
    },
    // The engine commits creates and drops in its own transactions (an MV is populated at its
    // inputs' high marks under REPEATABLE READ); the state row follows in the next one.
    transactional: (stage: Stage) => stage.action !== 'create' && stage.action !== 'drop',
    async runStage(db: Db, stage: Stage, manifest: Manifest) {
      switch (stage.action) {
        case 'create': {
          // A create that committed before its state row (a killed apply): an MV or view is
          // recomputed; a table is kept with its rows.
          if (await relationExists(db, stage.node)) {
            if (stage.kind === 'table') return;
            await ivm.dropNode(db, stage.node);
          }
          return ivm.createNode(db, manifest, stage.node);
        }
        case 'drop': return ivm.dropNode(db, stage.node);
        case 'add-columns': case 'drop-columns': case 'retype-columns':
          for (const s of stage.sql) await db.exec(s);
          return;
        case 'alter': case 'record': return;
      }
    },
    async refresh(db, manifest, options: RefreshOptions): Promise<RefreshOutcome[]> {
      const onProgress = options.onProgress;
      // Only the MVs with something to fold in, found in a constant number of queries: the
      // others are reported as refreshed with no change, without a transaction each.
      const requested = options.nodes ?? manifest.nodes.filter((n) => n.kind === 'mv').map((n) => n.name);
      const work = await mvsWithWork(db, manifest, requested);
      if (!work.size) return requested.map(unchanged);
      const toRefresh = requested.filter((n) => work.has(n));
      const recordFullMarks = await markFullRefreshes(db, manifest, toRefresh);
      const results = await ivm.refreshAll(db, manifest, {
        // Without a selection refreshAll also trims the logs of dimensions nothing consumes.
        ...(options.nodes || work.size < requested.length ? { select: toRefresh } : {}),
        ...(options.trace ? { trace: options.trace } : {}),
        // Native Postgres: independent branches at once, one connection each (PGlite has one session).
        ...(db.fork ? { concurrency: options.threads ?? Math.min(4, availableParallelism()) } : {}),
        ...(onProgress ? { onProgress: (done: number, total: number, r: { node: string }) => onProgress(done, total, r.node) } : {}),
      });
      await recordFullMarks();
      const refreshed = new Map(results.map((r) => [r.node, { node: r.node, mode: r.mode, rows: r.rowsChanged, durationMs: r.durationMs, detail: r.reason ?? null }]));
      return requested.map((n) => refreshed.get(n) ?? unchanged(n));
    },
    async introspect(db, manifest) {
      const out = new Map<string, NodeIntrospection>();
      const pending = await pendingChanges(db, manifest).catch(() => null);
      for (const n of manifest.nodes) {
        if (n.kind !== 'mv') continue;
        const p = pending?.get(n.name);
        out.set(n.name, { stale: p === undefined ? null : p > 0, state: null, autoRefresh: null, pendingChanges: p ?? null });
      }
      return out;
    },
  };
}
