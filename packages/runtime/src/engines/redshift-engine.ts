import { DEFAULT_WLM_GROUPS, type Manifest, type ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { redshiftPlanSql } from '../plan/plan-sql.ts';
import type { DeployedNode, Plan, Stage } from '../plan/plan-types.ts';
import type { Engine, NodeIntrospection, RefreshMode, RefreshOutcome } from './engine.ts';

/** STV_MV_INFO.state. */
const MV_STATES: Record<number, string> = {
  0: 'full recompute', 1: 'incremental',
  101: 'unrefreshable: column dropped', 102: 'unrefreshable: column type changed', 103: 'unrefreshable: table renamed',
  104: 'unrefreshable: column renamed', 105: 'unrefreshable: schema renamed',
};

/** An MV's storage table in the catalog is mv_tbl__<name>__0. */
const mvTable = /^mv_tbl__(.+)__\d+$/;

const REFRESH_STATUS_DOC = 'https://docs.aws.amazon.com/redshift/latest/dg/r_SVL_MV_REFRESH_STATUS.html';

/**
 * The documented status texts of a refresh (SVL_MV_REFRESH_STATUS, which SYS_MV_REFRESH_HISTORY
 * shares: https://docs.aws.amazon.com/redshift/latest/dg/r_SVL_MV_REFRESH_STATUS.html), first match
 * wins. Streaming MVs append qualifiers ("Stream returned no new data", ...) to the incremental text,
 * hence prefixes. Anything else is "unknown", never assumed incremental.
 */
const REFRESH_STATUSES: readonly (readonly [RegExp, RefreshMode])[] = [
  [/^refresh successfully updated mv incrementally/i, 'incremental'],
  // "...partially updated MV incrementally up to active transactions": incremental, the rest next time.
  [/^refresh partially updated mv incrementally/i, 'incremental'],
  [/^refresh successfully recomputed mv from scratch/i, 'full'],
  [/^mv was already updated/i, 'unchanged'],
  [/^cascade (auto )?refresh skipped/i, 'skipped'],
  [/^cascade (auto )?refresh failed/i, 'failed'],
  [/^refresh failed/i, 'failed'],
];

/** SYS_MV_REFRESH_HISTORY.status text → how the refresh ran; no row at all → unknown. */
export function refreshModeOf(status: string | null | undefined): { mode: RefreshMode; detail: string } {
  if (status == null || !status.trim()) return { mode: 'unknown', detail: 'no refresh history row since the refresh started' };
  const s = status.trim();
  const hit = REFRESH_STATUSES.find(([re]) => re.test(s));
  return hit ? { mode: hit[1], detail: s } : { mode: 'unknown', detail: `${s} (not a status listed in ${REFRESH_STATUS_DOC})` };
}

/** SVV_MV_INFO char(1) flags: 't' / 'f'; is_stale can also be 'u' (unknown), which is neither. */
export function flagOf(v: string | boolean | null | undefined): boolean | null {
  if (v === true || v === false) return v;
  const s = String(v ?? '').trim().toLowerCase();
  if (s === 't' || s === 'true' || s === 'y' || s === '1') return true;
  if (s === 'f' || s === 'false' || s === 'n' || s === '0') return false;
  return null;
}

async function currentSchema(db: Db): Promise<string> {
  // A leader-node function: asked alone, then passed to queries on system views.
  const [r] = await db.query<{ schema: string }>('SELECT current_schema() AS schema');
  return r?.schema ?? 'public';
}

/**
 * The MVs of `nodes` that no other selected MV is built on: REFRESH ... CASCADE covers the rest. CASCADE's
 * limits (REFRESH MATERIALIZED VIEW page): local and streaming MVs only (not Spectrum, datashare or Iceberg),
 * the owner or a superuser, and one MV that cannot refresh stops the whole set. See docs/redshift.md.
 */
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

/** The federated dimensions the selected MVs are built on, directly or through other MVs. */
function federatedInputs(manifest: Manifest, selected: readonly ManifestNode[]): ManifestNode[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    for (const p of manifest.nodes.find((n) => n.name === name)?.dependsOn ?? []) if (!seen.has(p)) { seen.add(p); visit(p); }
  };
  selected.forEach((n) => visit(n.name));
  return manifest.nodes.filter((n) => n.dimensionSource && seen.has(n.name));
}

/** The MVs that REFRESH name CASCADE refreshes: its upstream MVs, then itself. */
function cascadeSet(manifest: Manifest, top: ManifestNode): ManifestNode[] {
  const want = new Set<string>([top.name]);
  for (const n of [...manifest.nodes].reverse()) if (want.has(n.name)) n.dependsOn.forEach((p) => want.add(p));
  return manifest.nodes.filter((n) => n.kind === 'mv' && want.has(n.name));
}

const mvBacked = (node: ManifestNode) => !!(node.streamSource || node.dimensionSource);

/** A deployed stream or dimension whose DDL made an MV (a `source` option: streaming or federated), not a table. */
export function isStreamingMv(node: DeployedNode): boolean {
  return node.kind === 'table' && node.definition.ddl.some((d) => d.startsWith('CREATE MATERIALIZED VIEW'));
}

const RMV_DOC = 'https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-refresh-sql-command.html';

/**
 * An in-place ALTER SORTKEY / DISTKEY re-sorts or redistributes the relation, and Redshift then
 * refreshes the MVs built on it by recomputing them from scratch, once [RMV]. Says so per MV.
 */
export function sortKeyNotes(plan: Plan, manifest: Manifest): string[] {
  const notes: string[] = [];
  for (const s of plan.stages) {
    if (s.action !== 'alter' || s.cause.kind !== 'attributes-changed') continue;
    const moved = s.cause.changes.filter((c) => c.attribute !== 'autoRefresh').map((c) => (c.attribute === 'sortKey' ? 'SORTKEY' : c.attribute === 'distKey' ? 'DISTKEY' : 'DISTSTYLE'));
    if (!moved.length) continue;
    const readers = manifest.nodes.filter((n) => n.kind === 'mv' && n.dependsOn.includes(s.node)).map((n) => n.name);
    if (!readers.length) continue;
    notes.push(`ALTER ${[...new Set(moved)].join('/')} of ${s.node} in place: the next refresh of ${readers.join(', ')} recomputes ${readers.length > 1 ? 'them' : 'it'} from scratch, once (${RMV_DOC}); refresh right after the apply, at a quiet time`);
  }
  return notes;
}

/**
 * `queryGroup`: the WLM query group refresh sessions set, routing them to the refresh queue of the
 * suggested wlm_json_configuration (SET query_group: https://docs.aws.amazon.com/redshift/latest/dg/r_query_group.html);
 * null: none.
 */
/** What a federated dimension means for the MVs that join it, said when the plan creates it. */
export function federatedNotes(plan: Plan, manifest: Manifest): string[] {
  const notes: string[] = [];
  for (const s of plan.stages) {
    const n = manifest.nodes.find((x) => x.name === s.node);
    if (s.action !== 'create' || !n?.dimensionSource) continue;
    const p = n.dimensionSource.postgres;
    const readers = manifest.nodes.filter((x) => x.kind === 'mv' && x.dependsOn.includes(n.name)).map((x) => x.name);
    notes.push(
      `${n.name} is read from Aurora PostgreSQL ${p.database}.${p.schema ?? 'public'}.${p.table ?? n.name} by federated query, copied by an MV: ` +
        'AUTO REFRESH NO (CREATE refuses it on an external schema), so mvkit refresh refreshes it before the MVs on it; ' +
        'Redshift does not track changes in the remote database, so expect that copy to be recomputed in full on every refresh; ' +
        `${readers.length ? `${readers.join(', ')} join${readers.length > 1 ? '' : 's'} the copy, not the remote table, and keep their own refresh mode (check it with mvkit status after the apply); ` : ''}` +
        'reading the remote database does not run on concurrency scaling where its network is restricted ' +
        '(https://docs.aws.amazon.com/redshift/latest/dg/federated-overview.html, https://docs.aws.amazon.com/redshift/latest/dg/concurrency-scaling.html)',
    );
  }
  return notes;
}

export function redshiftEngine(options: { queryGroup?: string | null } = {}): Engine {
  const queryGroup = options.queryGroup === undefined ? DEFAULT_WLM_GROUPS.refresh : options.queryGroup;
  return {
    kind: 'redshift',
    dialect: 'redshift',
    // A stream read by streaming ingestion is a table of the project but a materialized view on Redshift.
    planSql: {
      ...redshiftPlanSql,
      drop: (node) => (isStreamingMv(node) ? [`DROP MATERIALIZED VIEW ${node.name};`] : redshiftPlanSql.drop(node)),
      alter: (node, changes) => redshiftPlanSql.alter(node, changes).map((q) => (mvBacked(node) ? q.replace(/^ALTER TABLE /, 'ALTER MATERIALIZED VIEW ') : q)),
      // An MV's column cannot change type in place: recreated.
      retypesInPlace: (node, change) => !mvBacked(node) && redshiftPlanSql.retypesInPlace(node, change),
    },
    planNotes: (plan, manifest) => [...sortKeyNotes(plan, manifest), ...federatedNotes(plan, manifest)],
    async install() {},
    async rowCounts(db, names) {
      const schema = await currentSchema(db);
      // Not SVV_TABLE_INFO: only superusers see it (https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_TABLE_INFO.html).
      // The PostgreSQL catalog is readable by every user (https://docs.aws.amazon.com/redshift/latest/dg/c_intro_catalog_views.html);
      // reltuples is the planner's row estimate, kept by ANALYZE and automatic analyze: good enough to size a rebuild.
      const rows = await db.query<{ name: string; n: number | string }>(
        "SELECT TRIM(c.relname) AS name, c.reltuples AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r'",
        [schema],
      );
      const wanted = new Set(names);
      const out = new Map<string, number>();
      for (const r of rows) {
        const name = mvTable.exec(r.name)?.[1] ?? r.name;
        if (wanted.has(name)) out.set(name, Math.round(Number(r.n)));
      }
      return out;
    },
    // Redshift cannot ALTER DISTKEY/SORTKEY, nor ALTER COLUMN ... TYPE, inside a transaction block.
    // Nor, to be safe, CREATE EXTERNAL SCHEMA (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_EXTERNAL_SCHEMA.html):
    // a streamed stream's create stage commits itself.
    transactional: (stage: Stage) => stage.action !== 'alter' && stage.action !== 'retype-columns' && !stage.sql.some((q) => q.startsWith('CREATE EXTERNAL SCHEMA')),
    async runStage(db, stage) {
      for (const s of stage.sql) await db.exec(s);
    },
    async refresh(db, manifest, options) {
      const schema = await currentSchema(db);
      const selected = manifest.nodes.filter((n) => n.kind === 'mv' && (!options.nodes || options.nodes.includes(n.name)));
      // Federated dimensions (MVs over an external schema, AUTO REFRESH NO) the selection is built on: first.
      const federated = federatedInputs(manifest, selected).map((n) => ({ statement: `REFRESH MATERIALIZED VIEW ${n.name};`, nodes: [n] }));
      const batches = [...federated, ...(options.cascade
        ? topMost(manifest, selected).map((top) => ({ statement: `REFRESH MATERIALIZED VIEW ${top.name} CASCADE;`, nodes: cascadeSet(manifest, top) }))
        : selected.map((n) => ({ statement: `REFRESH MATERIALIZED VIEW ${n.name};`, nodes: [n] })))];
      const total = batches.reduce((a, b) => a + b.nodes.length, 0);
      const out: RefreshOutcome[] = [];
      if (queryGroup) await db.exec(`SET query_group TO '${queryGroup.replace(/'/g, "''")}';`);
      try {
        for (const b of batches) {
          // The history is read from the refresh's start on: an older row (a previous or automatic
          // refresh) must not be taken for this one. GETDATE() is the statement's start, in UTC like start_time.
          const [t] = await db.query<{ at: unknown }>('SELECT GETDATE() AS at');
          await db.exec(b.statement);
          for (const n of b.nodes) {
            const [h] = await db.query<{ status: string; duration: number | string | null }>(
              'SELECT status, duration FROM sys_mv_refresh_history WHERE schema_name = $1 AND mv_name = $2 AND start_time >= $3 ORDER BY start_time DESC LIMIT 1',
              [schema, n.name, t?.at ?? null],
            );
            const { mode, detail } = refreshModeOf(h?.status);
            // duration is in microseconds.
            out.push({ node: n.name, mode, rows: null, durationMs: h?.duration == null ? null : Number(h.duration) / 1000, detail });
            options.onProgress?.(out.length, total, n.name);
          }
        }
      } finally {
        if (queryGroup) await db.exec('RESET query_group;');
      }
      return out;
    },
    async introspect(db) {
      const schema = await currentSchema(db);
      const rows = await db.query<{ name: string; is_stale: string | boolean; state: number | string; autorefresh: string | boolean }>(
        'SELECT name, is_stale, state, autorefresh FROM svv_mv_info WHERE schema_name = $1',
        [schema],
      );
      const out = new Map<string, NodeIntrospection>();
      for (const r of rows) {
        const state = Number(r.state);
        // is_stale 'u' (unknown) stays null: status then says it cannot tell, rather than "up to date".
        out.set(r.name.trim(), { stale: flagOf(r.is_stale), state: MV_STATES[state] ?? `state ${state}`, autoRefresh: flagOf(r.autorefresh), pendingChanges: null });
      }
      return out;
    },
  };
}
