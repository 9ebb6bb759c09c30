import type { Manifest, ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { localPlanSql } from '../plan/plan-sql.ts';
import type { Stage } from '../plan/plan-types.ts';
import type { Engine, NodeIntrospection, RefreshOptions, RefreshOutcome } from './engine.ts';
import { fallbackIvm, type IvmApi } from './fallback-ivm.ts';

/**
 * The local incremental engine's API (packages/runtime/src/ivm), loaded when present. Until it
 * lands, a minimal executor runs the postgres manifest's DDL and recomputes MVs fully.
 */
async function loadIvm(): Promise<IvmApi> {
  const path = '../ivm/index.ts';
  try {
    return (await import(path)) as IvmApi;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes('ivm')) return fallbackIvm;
    throw e;
  }
}

export async function localEngine(kind: 'pglite' | 'postgres'): Promise<Engine> {
  const ivm = await loadIvm();
  return {
    kind,
    dialect: 'postgres',
    planSql: localPlanSql(kind, (m: Manifest, n: ManifestNode) => ivm.nodeDdl(m, n)),
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
    transactional: () => true,
    async runStage(db: Db, stage: Stage, manifest: Manifest) {
      switch (stage.action) {
        case 'create': return ivm.createNode(db, manifest, stage.node);
        case 'drop': return ivm.dropNode(db, stage.node);
        case 'add-columns': case 'drop-columns':
          for (const s of stage.sql) await db.exec(s);
          return;
        case 'alter': case 'record': return;
      }
    },
    async refresh(db, manifest, options: RefreshOptions): Promise<RefreshOutcome[]> {
      const results = await ivm.refreshAll(db, manifest, {
        ...(options.nodes ? { select: options.nodes } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      return results.map((r) => ({ node: r.node, mode: r.mode, rows: r.rowsChanged ?? null, durationMs: r.durationMs ?? null, detail: r.reason ?? null }));
    },
    async introspect(db, manifest) {
      const out = new Map<string, NodeIntrospection>();
      const pending = ivm.pendingChanges ? await ivm.pendingChanges(db, manifest) : null;
      for (const n of manifest.nodes) {
        if (n.kind !== 'mv') continue;
        const p = pending?.get(n.name);
        out.set(n.name, { stale: p === undefined ? null : p > 0, state: null, autoRefresh: null, pendingChanges: p ?? null });
      }
      return out;
    },
  };
}
