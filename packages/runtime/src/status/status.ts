import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import type { Engine } from '../engines/engine.ts';
import { applyLockState } from '../state/apply-lock.ts';
import { readApplies, type ApplyRecord } from '../state/apply-log.ts';
import { readDeployed } from '../state/deployed-state.ts';
import { lastRefreshes, type RefreshRecord } from '../state/refresh-history.ts';
import { hasState } from '../state/state-schema.ts';
import { propagateStaleness } from './upstream.ts';

export interface NodeStatus {
  readonly node: string;
  readonly kind: 'table' | 'mv' | 'view';
  readonly deployment: 'up to date' | 'changed' | 'not deployed' | 'removed from project';
  readonly deployedFingerprint: string | null;
  readonly currentFingerprint: string | null;
  /** MVs: null when the engine cannot tell. */
  readonly stale: boolean | null;
  readonly staleness: string | null;
  /** MVs: the upstream MV with input changes not yet refreshed that keeps this one stale, transitively. */
  readonly staleUpstream: string | null;
  readonly engineState: string | null;
  readonly lastRefresh: RefreshRecord | null;
}

export interface StreamFreshness {
  readonly stream: string;
  readonly table: string;
  readonly newestEvent: string | null;
  readonly lagSeconds: number | null;
}

export interface StatusReport {
  readonly project: string;
  readonly engine: Engine['kind'];
  readonly nodes: readonly NodeStatus[];
  readonly freshness: readonly StreamFreshness[];
  readonly lastApply: ApplyRecord | null;
  /** What needs saying beside the table: an apply running now, or one that was interrupted. */
  readonly notes: readonly string[];
  readonly at: string;
}

/** Per landing or dimension table: when rows were last loaded into it (ms), from the loader's file log. */
async function newestLoads(db: Db): Promise<Map<string, number>> {
  // Checked, not caught: inside a transaction a failed query would abort it.
  const [log] = await db.query<{ r: string | null }>("SELECT to_regclass('mvkit.loaded_files')::text AS r");
  if (!log?.r) return new Map();
  const rows = await db.query<{ table_name: string; at: unknown }>('SELECT table_name, MAX(loaded_at) AS at FROM mvkit.loaded_files WHERE rows_loaded > 0 AND table_name IS NOT NULL GROUP BY table_name');
  return new Map(rows.map((r) => [r.table_name, Date.parse(iso(r.at) ?? '') || 0]));
}

/** A `running` apply is running only while it holds the apply lock: otherwise it was killed, and the next apply finishes it. */
async function applyNotes(db: Db, last: ApplyRecord | null): Promise<{ lastApply: ApplyRecord | null; notes: string[] }> {
  if (last?.status !== 'running') return { lastApply: last, notes: [] };
  const total = Array.isArray(last.stages) ? last.stages.length : null;
  const done = `${last.progress}${total === null ? '' : ` of ${total}`} stage(s) done`;
  const lock = await applyLockState(db);
  if (lock.live) {
    const by = lock.holder ? ` by ${lock.holder.who} (pid ${lock.holder.pid})` : '';
    return { lastApply: last, notes: [`apply ${last.id} is running${by}, started ${last.startedAt}: ${done}`] };
  }
  return {
    lastApply: { ...last, status: 'interrupted' },
    notes: [`interrupted apply ${last.id}, started ${last.startedAt} by ${last.who}: it stopped with ${done}; the next \`mvkit apply\` finishes it`],
  };
}

/** Postgres allows 1,664 columns in a select list: the newest events are read this many streams at a time. */
const STREAMS_PER_QUERY = 1000;

/**
 * The newest event time of each stream, in its order. Local targets: one query for up to
 * STREAMS_PER_QUERY streams, a column each (each keeps its own type, so its value reads as a
 * query of its own would). Redshift: a query per stream, as its golden statement sequence has it.
 */
async function newestEventsOf(db: Db, streams: Manifest['streams']): Promise<unknown[]> {
  const newest = (s: Manifest['streams'][number]) => {
    const where = s.discriminator ? ` WHERE ${s.discriminator.column} = '${s.discriminator.value.replace(/'/g, "''")}'` : '';
    return `SELECT MAX(${s.eventTime}) AS newest FROM ${s.table}${where}`;
  };
  const out: unknown[] = [];
  if (db.kind === 'redshift') {
    for (const s of streams) out.push((await db.query<{ newest: unknown }>(newest(s)))[0]?.newest);
    return out;
  }
  for (let i = 0; i < streams.length; i += STREAMS_PER_QUERY) {
    const chunk = streams.slice(i, i + STREAMS_PER_QUERY);
    const [row] = await db.query<Record<string, unknown>>(`SELECT ${chunk.map((s, k) => `(${newest(s)}) AS n${k}`).join(', ')}`);
    chunk.forEach((_, k) => out.push(row?.[`n${k}`]));
  }
  return out;
}

const iso = (v: unknown) => (v == null ? null : v instanceof Date ? v.toISOString() : new Date(String(v).replace(' ', 'T') + (/[zZ+]/.test(String(v).slice(10)) ? '' : 'Z')).toISOString());

export async function deploymentStatus(db: Db, engine: Engine, manifest: Manifest): Promise<StatusReport> {
  const state = await hasState(db);
  const deployed = new Map((await readDeployed(db)).map((d) => [d.name, d]));
  const refreshes = state ? await lastRefreshes(db) : new Map<string, RefreshRecord>();
  const engineInfo = state ? await engine.introspect(db, manifest) : new Map();
  // Redshift reports staleness itself (SVV_MV_INFO); the load log matters for local MVs without watermarks.
  const loads = state && engine.kind !== 'redshift' ? await newestLoads(db) : new Map<string, number>();
  const { lastApply, notes } = await applyNotes(db, state ? (await readApplies(db, 1))[0] ?? null : null);
  const nodes: NodeStatus[] = [];
  for (const n of manifest.nodes) {
    const d = deployed.get(n.name);
    const info = engineInfo.get(n.name);
    const last = refreshes.get(n.name) ?? null;
    let stale: boolean | null = null;
    let staleness: string | null = null;
    if (n.kind === 'mv' && d) {
      if (info?.stale != null) {
        stale = info.stale;
        staleness = !info.stale ? 'up to date with its inputs' : info.pendingChanges != null ? `${info.pendingChanges} input change(s) since the watermark` : 'inputs changed since the last refresh';
      } else {
        // Without the engine's watermarks: an MV is stale when an input MV was refreshed after it.
        const since = Date.parse(last?.at ?? d.deployedAt ?? '') || 0;
        const newer = n.dependsOn.find((p) => (Date.parse(refreshes.get(p)?.at ?? '') || 0) > since);
        // ... or rows were loaded into an input table after it.
        const loaded = newer ? undefined : n.dependsOn.find((p) => (loads.get(p) ?? 0) > since);
        stale = newer || loaded ? true : null;
        staleness = newer ? `input ${newer} refreshed after it` : loaded ? `rows loaded into input ${loaded} after its last refresh` : 'unknown: no watermark (the engine recomputes it fully)';
      }
    }
    nodes.push({
      node: n.name, kind: n.kind,
      deployment: !d ? 'not deployed' : d.fingerprint === n.fingerprint ? 'up to date' : 'changed',
      deployedFingerprint: d?.fingerprint ?? null, currentFingerprint: n.fingerprint,
      stale, staleness, staleUpstream: null, engineState: info?.state ?? null, lastRefresh: last,
    });
  }
  const inProject = new Set(manifest.nodes.map((n) => n.name));
  for (const d of deployed.values()) {
    if (!inProject.has(d.name)) {
      nodes.push({ node: d.name, kind: d.kind, deployment: 'removed from project', deployedFingerprint: d.fingerprint, currentFingerprint: null, stale: null, staleness: null, staleUpstream: null, engineState: null, lastRefresh: refreshes.get(d.name) ?? null });
    }
  }
  propagateStaleness(manifest, nodes);
  const at = new Date();
  const streams = manifest.streams.filter((s) => deployed.has(s.table));
  const newestEvents = await newestEventsOf(db, streams);
  const freshness: StreamFreshness[] = streams.map((s, i) => {
    const newest = iso(newestEvents[i]);
    return { stream: s.name, table: s.table, newestEvent: newest, lagSeconds: newest ? Math.round((at.getTime() - Date.parse(newest)) / 1000) : null };
  });
  return { project: manifest.project, engine: engine.kind, nodes, freshness, lastApply, notes, at: at.toISOString() };
}
