import { availableParallelism } from 'node:os';
import type { Manifest, ManifestColumn, ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import * as ivm from '../ivm/index.ts';
import type { PlanSql } from '../plan/plan-sql.ts';
import { localPlanSql } from '../plan/plan-sql.ts';
import type { ColumnRetype, Stage } from '../plan/plan-types.ts';
import type { Engine, NodeIntrospection, RefreshOptions, RefreshOutcome } from './engine.ts';

/**
 * A table with a change log (a dimension) copies its columns into the log by a trigger: an added
 * column goes into the log too and the trigger function is replaced, so the capture keeps up.
 */
function captureColumnDdl(manifest: Manifest, node: ManifestNode, change: { add?: readonly ManifestColumn[]; drop?: readonly string[]; retype?: readonly ColumnRetype[] }): string[] {
  const ddl = ivm.nodeDdl(manifest, node);
  const log = ddl.map((s) => /^CREATE TABLE (mvkit\.ivm_log_\w+)/.exec(s)?.[1]).find(Boolean);
  const fn = ddl.find((s) => s.startsWith('CREATE FUNCTION '));
  if (!log || !fn) return [];
  // The log's copy of a widened column is widened too (the trigger copies by name: it stays).
  if (change.retype) return change.retype.map((c) => `ALTER TABLE ${log} ALTER COLUMN ${c.column} TYPE ${c.to};`);
  const replaceFn = fn.replace(/^CREATE FUNCTION /, 'CREATE OR REPLACE FUNCTION ');
  if (change.drop) return [replaceFn, ...change.drop.map((c) => `ALTER TABLE ${log} DROP COLUMN ${c};`)];
  return [...(change.add ?? []).map((c) => `ALTER TABLE ${log} ADD COLUMN ${c.name} ${c.type};`), replaceFn];
}

function planSqlFor(kind: 'pglite' | 'postgres'): PlanSql {
  const base = localPlanSql(kind, (m, n) => ivm.nodeDdl(m, n));
  return {
    ...base,
    retypeColumns: (node, changes, manifest) => [...base.retypeColumns(node, changes, manifest), ...captureColumnDdl(manifest, node, { retype: changes })],
    addColumns: (node, columns, manifest) => [...base.addColumns(node, columns, manifest), ...captureColumnDdl(manifest, node, { add: columns })],
    // The trigger stops copying the column before the column goes.
    dropColumns: (node, columns, manifest) => {
      const capture = captureColumnDdl(manifest, node, { drop: columns });
      return [...capture.slice(0, 1), ...base.dropColumns(node, columns, manifest), ...capture.slice(1)];
    },
  };
}

async function relationExists(db: Db, name: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1', [name]);
  return rows.length > 0;
}

/** Input changes each MV has not folded in yet: the rows of its inputs' change streams past its watermarks. */
async function pendingChanges(db: Db, manifest: Manifest): Promise<Map<string, number>> {
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
      const sql = capture === 'seq' ? `SELECT COUNT(*)::int AS c FROM ${m.input} WHERE _ivm_seq > $1` : capture === 'log' ? `SELECT COUNT(*)::int AS c FROM mvkit.ivm_log_${m.input} WHERE _seq > $1` : null;
      if (!sql) continue;
      pending += Number((await db.query<{ c: number }>(sql, [Number(m.mark)]))[0]?.c ?? 0);
    }
    out.set(n.name, pending);
  }
  return out;
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
      for (const r of rows) {
        // Never analyzed (-1) or analyzed while empty: count, so that "empty" is never a guess.
        const n = Number(r.n) > 0 ? Math.round(Number(r.n)) : Number((await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${r.name}`))[0]?.n ?? 0);
        out.set(r.name, n);
      }
      return out;
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
      const results = await ivm.refreshAll(db, manifest, {
        ...(options.nodes ? { select: [...options.nodes] } : {}),
        ...(options.trace ? { trace: options.trace } : {}),
        // Native Postgres: independent branches at once, one connection each (PGlite has one session).
        ...(db.fork ? { concurrency: options.threads ?? Math.min(4, availableParallelism()) } : {}),
        ...(onProgress ? { onProgress: (done: number, total: number, r: { node: string }) => onProgress(done, total, r.node) } : {}),
      });
      return results.map((r) => ({ node: r.node, mode: r.mode, rows: r.rowsChanged, durationMs: r.durationMs, detail: r.reason ?? null }));
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
