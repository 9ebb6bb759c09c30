import type { Manifest, ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { redshiftPlanSql } from '../plan/plan-sql.ts';
import type { Stage } from '../plan/plan-types.ts';
import type { Engine, NodeIntrospection, RefreshOutcome } from './engine.ts';

/** STV_MV_INFO.state. */
const MV_STATES: Record<number, string> = {
  0: 'full recompute', 1: 'incremental',
  101: 'unrefreshable: column dropped', 102: 'unrefreshable: column type changed', 103: 'unrefreshable: table renamed',
  104: 'unrefreshable: column renamed', 105: 'unrefreshable: schema renamed',
};

/** An MV's storage table in SVV_TABLE_INFO is mv_tbl__<name>__0. */
const mvTable = /^mv_tbl__(.+)__\d+$/;

/** SYS_MV_REFRESH_HISTORY.status text → how the refresh ran. */
export function refreshModeOf(status: string): { mode: 'incremental' | 'full'; detail: string } {
  const s = status.trim();
  if (/from scratch|recomput/i.test(s)) return { mode: 'full', detail: s };
  return { mode: 'incremental', detail: s };
}

async function currentSchema(db: Db): Promise<string> {
  // A leader-node function: asked alone, then passed to queries on system views.
  const [r] = await db.query<{ schema: string }>('SELECT current_schema() AS schema');
  return r?.schema ?? 'public';
}

/** The MVs of `nodes` that no other selected MV is built on: REFRESH ... CASCADE covers the rest. */
export function topMost(manifest: Manifest, nodes: readonly ManifestNode[]): ManifestNode[] {
  const upstream = new Set<string>();
  const visit = (name: string) => {
    for (const p of manifest.nodes.find((n) => n.name === name)?.dependsOn ?? []) {
      if (!upstream.has(p)) { upstream.add(p); visit(p); }
    }
  };
  nodes.forEach((n) => visit(n.name));
  return nodes.filter((n) => !upstream.has(n.name));
}

/** The MVs that REFRESH name CASCADE refreshes: its upstream MVs, then itself. */
function cascadeSet(manifest: Manifest, top: ManifestNode): ManifestNode[] {
  const want = new Set<string>([top.name]);
  for (const n of [...manifest.nodes].reverse()) if (want.has(n.name)) n.dependsOn.forEach((p) => want.add(p));
  return manifest.nodes.filter((n) => n.kind === 'mv' && want.has(n.name));
}

export function redshiftEngine(): Engine {
  return {
    kind: 'redshift',
    dialect: 'redshift',
    planSql: redshiftPlanSql,
    async install() {},
    async rowCounts(db, names) {
      const schema = await currentSchema(db);
      const rows = await db.query<{ name: string; n: number | string }>('SELECT "table" AS name, tbl_rows AS n FROM svv_table_info WHERE "schema" = $1', [schema]);
      const wanted = new Set(names);
      const out = new Map<string, number>();
      for (const r of rows) {
        const name = mvTable.exec(r.name)?.[1] ?? r.name;
        if (wanted.has(name)) out.set(name, Number(r.n));
      }
      return out;
    },
    // Redshift cannot ALTER DISTKEY/SORTKEY, nor ALTER COLUMN ... TYPE, inside a transaction block.
    transactional: (stage: Stage) => stage.action !== 'alter' && stage.action !== 'retype-columns',
    async runStage(db, stage) {
      for (const s of stage.sql) await db.exec(s);
    },
    async refresh(db, manifest, options) {
      const schema = await currentSchema(db);
      const selected = manifest.nodes.filter((n) => n.kind === 'mv' && (!options.nodes || options.nodes.includes(n.name)));
      const batches = options.cascade
        ? topMost(manifest, selected).map((top) => ({ statement: `REFRESH MATERIALIZED VIEW ${top.name} CASCADE;`, nodes: cascadeSet(manifest, top) }))
        : selected.map((n) => ({ statement: `REFRESH MATERIALIZED VIEW ${n.name};`, nodes: [n] }));
      const total = batches.reduce((a, b) => a + b.nodes.length, 0);
      const out: RefreshOutcome[] = [];
      for (const b of batches) {
        await db.exec(b.statement);
        for (const n of b.nodes) {
          const [h] = await db.query<{ status: string; duration: number | string | null }>(
            'SELECT status, duration FROM sys_mv_refresh_history WHERE schema_name = $1 AND mv_name = $2 ORDER BY start_time DESC LIMIT 1',
            [schema, n.name],
          );
          const { mode, detail } = refreshModeOf(h?.status ?? 'no refresh history');
          // duration is in microseconds.
          out.push({ node: n.name, mode, rows: null, durationMs: h?.duration == null ? null : Number(h.duration) / 1000, detail });
          options.onProgress?.(out.length, total, n.name);
        }
      }
      return out;
    },
    async introspect(db) {
      const schema = await currentSchema(db);
      const rows = await db.query<{ name: string; is_stale: string | boolean; state: number | string; autorefresh: string | boolean }>(
        'SELECT name, is_stale, state, autorefresh FROM svv_mv_info WHERE schema_name = $1',
        [schema],
      );
      const yes = (v: string | boolean) => v === true || v === 't' || v === 'true' || v === 'Y' || v === '1';
      const out = new Map<string, NodeIntrospection>();
      for (const r of rows) {
        const state = Number(r.state);
        out.set(r.name.trim(), { stale: yes(r.is_stale), state: MV_STATES[state] ?? `state ${state}`, autoRefresh: yes(r.autorefresh), pendingChanges: null });
      }
      return out;
    },
  };
}
