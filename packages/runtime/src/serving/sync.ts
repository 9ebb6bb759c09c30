import { MvkitError, servedNodes, SERVING_SCHEMA, type Manifest, type ServedNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { logTable, quote, withNodeLocks } from '../ivm/catalog.ts';
import { trimLogs } from '../ivm/refresh.ts';
import { planOperational } from './operational-plan.ts';

/**
 * `mvkit sync`: moves what changed in the served relations into the operational database.
 *
 * Position: the number (`_seq`) of the source MV's change log up to which the operational table
 * holds the served relation's rows, stored in mvkit_serving.sync_state in the same operational
 * transaction as the rows: a crash anywhere leaves rows and position together, and a rerun picks
 * up from there (exactly once). The rows are not replayed deltas but the served relation's
 * current rows for every key the log changed, read in one snapshot with the log's high mark:
 * writing them twice gives the same table (idempotent).
 *
 * The source log must outlive the sync: sync is a consumer of it in mvkit.ivm_watermarks
 * (consumer `sync:<model>`), so the engine writes it and trims it only below that mark, which is
 * advanced only after the operational commit (it may lag the position, never pass it).
 */
export interface SyncResult {
  readonly model: string;
  /** full: a copy of every row (first sync, recreated source or changed definition). */
  readonly mode: 'full' | 'incremental' | 'unchanged' | 'skipped';
  readonly upserted: number;
  readonly deleted: number;
  readonly position: number;
  readonly reason?: string;
  readonly durationMs: number;
}

export interface SyncOptions {
  /** Only these served models. */
  readonly models?: readonly string[];
  /** Tests: runs in the operational transaction after the rows and position are written, before COMMIT (throw to simulate a crash). */
  readonly beforeCommit?: (model: string) => Promise<void>;
}

export class SyncError extends MvkitError {}

/**
 * The consumer name of a served model's sync on the local engine: one per operational database
 * (its instance id), so that two of them fed from one engine each keep the log entries they
 * have not synced yet.
 */
export const syncConsumer = (model: string, instance: string): string => `sync:${model}@${instance.slice(0, 12)}`;

async function instanceOf(op: Db): Promise<string> {
  const [r] = await op.query<{ id: string }>(`SELECT id FROM ${SERVING_SCHEMA}.instance`);
  if (!r) throw new SyncError('the operational database has no instance id', { hint: 'run mvkit apply' });
  return r.id;
}

interface State { generation: string; position: number }

export async function syncServed(local: Db, op: Db, manifest: Manifest, options: SyncOptions = {}): Promise<SyncResult[]> {
  const served = servedNodes(manifest).filter((n) => !options.models || options.models.includes(n.node.name));
  if (options.models) for (const m of options.models) if (!served.some((n) => n.node.name === m)) throw new SyncError(`"${m}" is not a served model`, { hint: `served models: ${servedNodes(manifest).map((n) => n.node.name).join(', ') || '(none: mark a model served: true)'}` });
  if (!served.length) return [];
  const pending = await planOperational(op, manifest, 'mvkit_app');
  if (pending.length) {
    throw new SyncError(`the operational database does not match the served models (${pending.map((s) => `${s.action} ${s.model}`).join(', ')})`, { hint: 'run mvkit apply: it creates and alters the operational tables too' });
  }
  const instance = await instanceOf(op);
  const out: SyncResult[] = [];
  for (const n of served) out.push(await syncOne(local, op, n, syncConsumer(n.node.name, instance), options));
  return out;
}

async function syncOne(local: Db, op: Db, n: ServedNode, consumer: string, options: SyncOptions): Promise<SyncResult> {
  const started = performance.now();
  const model = n.node.name;
  const source = n.spec.source;
  const [rec] = await local.query<{ created: string }>('SELECT created_at::text AS created FROM mvkit.ivm_nodes WHERE name = $1', [source]);
  if (!rec) throw new SyncError(`the source of served model "${model}", ${source}, is not created on the local engine`, { hint: 'run mvkit apply first' });
  const generation = `${rec.created}|${n.node.fingerprint}`;
  const [st] = await op.query<{ generation: string; position: string }>(`SELECT generation, position::text FROM ${SERVING_SCHEMA}.sync_state WHERE model = $1`, [model]);
  const state: State | null = st ? { generation: st.generation, position: Number(st.position) } : null;
  const [reg] = await local.query<{ mark: string }>('SELECT mark::text FROM mvkit.ivm_watermarks WHERE consumer = $1 AND input = $2', [consumer, source]);
  const why = !state ? 'first sync' : state.generation !== generation ? 'the source or the served definition changed' : !reg ? 'the change-log registration was lost' : Number(reg.mark) > state.position ? 'the change log was trimmed past the operational position' : null;
  const cols = n.node.columns.map((c) => c.name);
  const keyJson = (alias: string) => `json_build_array(${n.spec.key.map((k) => `${alias}.${k}`).join(', ')})::text`;
  let rows: string;
  let keys: string | null = null;
  let high: number;
  if (why) {
    // Under the source's lock no refresh of it runs: refreshes after this one see the consumer and log their changes.
    ({ rows, high } = await withNodeLocks(local, [source], () => local.transaction(async (tx) => {
      await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const [h] = await tx.query<{ h: string }>(`SELECT COALESCE(max(_seq), 0)::text AS h FROM ${logTable(source)}`);
      const hi = Number(h?.h ?? 0);
      await tx.query(`INSERT INTO mvkit.ivm_watermarks (consumer, input, mark) VALUES ($1, $2, $3) ON CONFLICT (consumer, input) DO UPDATE SET mark = LEAST(mvkit.ivm_watermarks.mark, EXCLUDED.mark)`, [consumer, source, hi]);
      const [r] = await tx.query<{ rows: string }>(`SELECT COALESCE(json_agg(r), '[]')::text AS rows FROM (SELECT ${cols.join(', ')} FROM ${model}) r`);
      return { rows: r?.rows ?? '[]', high: hi };
    })));
  } else {
    const from = state!.position;
    ({ rows, keys, high } = await local.transaction(async (tx) => {
      await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      // MV logs are written by refreshes of their MV only, which commit in number order: the
      // largest number this snapshot sees is a sound high mark (see ivm/marks.ts).
      const [h] = await tx.query<{ h: string | null }>(`SELECT max(_seq)::text AS h FROM ${logTable(source)}`);
      const hi = Math.max(from, Number(h?.h ?? from));
      if (hi === from) return { rows: '[]', keys: '[]', high: hi };
      const [r] = await tx.query<{ rows: string; keys: string }>(
        `WITH k AS (SELECT DISTINCT ${n.spec.key.join(', ')} FROM ${logTable(source)} WHERE _seq > $1 AND _seq <= $2)
SELECT (SELECT COALESCE(json_agg(k), '[]')::text FROM k) AS keys,
  (SELECT COALESCE(json_agg(r), '[]')::text FROM (SELECT ${cols.map((c) => `m.${c}`).join(', ')} FROM ${model} m WHERE ${keyJson('m')} IN (SELECT ${keyJson('k')} FROM k)) r) AS rows`,
        [from, hi],
      );
      return { rows: r?.rows ?? '[]', keys: r?.keys ?? '[]', high: hi };
    }));
    if (high === from) return { model, mode: 'unchanged', upserted: 0, deleted: 0, position: from, durationMs: performance.now() - started };
  }
  const table = `${SERVING_SCHEMA}.${model}`;
  const match = (a: string, b: string) => n.spec.key.map((k) => `${a}.${k} IS NOT DISTINCT FROM ${b}.${k}`).join(' AND ');
  const result = await op.transaction(async (tx) => {
    // One sync of a model at a time; the state read before must still be the state now.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`mvkit.sync:${model}`]);
    const [now] = await tx.query<{ generation: string; position: string }>(`SELECT generation, position::text FROM ${SERVING_SCHEMA}.sync_state WHERE model = $1 FOR UPDATE`, [model]);
    if ((now?.generation ?? null) !== (state?.generation ?? null) || (now ? Number(now.position) : null) !== (state?.position ?? null)) return null;
    let deleted = 0;
    if (why) {
      const [d] = await tx.query<{ n: number }>(`WITH d AS (DELETE FROM ${table} RETURNING 1) SELECT count(*)::int AS n FROM d`);
      deleted = d?.n ?? 0;
    } else {
      const [d] = await tx.query<{ n: number }>(
        `WITH d AS (DELETE FROM ${table} t USING json_populate_recordset(NULL::${table}, $1::json) k
  WHERE ${match('t', 'k')} AND NOT EXISTS (SELECT 1 FROM json_populate_recordset(NULL::${table}, $2::json) r WHERE ${match('r', 'k')}) RETURNING 1)
SELECT count(*)::int AS n FROM d`,
        [keys, rows],
      );
      deleted = d?.n ?? 0;
    }
    const nonKey = cols.filter((c) => !n.spec.key.includes(c));
    const [u] = await tx.query<{ n: number }>(
      `WITH u AS (INSERT INTO ${table} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM json_populate_recordset(NULL::${table}, $1::json)
  ON CONFLICT ON CONSTRAINT ${model}_key DO ${nonKey.length ? `UPDATE SET ${nonKey.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'NOTHING'} RETURNING 1)
SELECT count(*)::int AS n FROM u`,
      [rows],
    );
    await tx.query(
      `INSERT INTO ${SERVING_SCHEMA}.sync_state (model, source, generation, position, rows_synced, synced_at) VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (model) DO UPDATE SET source = EXCLUDED.source, generation = EXCLUDED.generation, position = EXCLUDED.position, rows_synced = ${SERVING_SCHEMA}.sync_state.rows_synced + EXCLUDED.rows_synced, synced_at = now()`,
      [model, source, generation, high, u?.n ?? 0],
    );
    await options.beforeCommit?.(model);
    return { upserted: u?.n ?? 0, deleted };
  });
  if (!result) return { model, mode: 'skipped', upserted: 0, deleted: 0, position: state?.position ?? 0, reason: 'another sync moved it first', durationMs: performance.now() - started };
  // Only now may the source's log be trimmed up to the committed position.
  await local.query(`UPDATE mvkit.ivm_watermarks SET mark = $3 WHERE consumer = $1 AND input = $2 AND mark < $3`, [consumer, source, high]);
  await trimLogs(local, [source]);
  return { model, mode: why ? 'full' : 'incremental', ...result, position: high, ...(why ? { reason: why } : {}), durationMs: performance.now() - started };
}

/** The MVs whose change logs sync reads: every served model's source. The engine must log them (sync registers as their consumer). */
export function servedSources(manifest: Manifest): string[] {
  return [...new Set(servedNodes(manifest).map((n) => n.spec.source))];
}

/**
 * Forgets an operational database's registrations on the local engine (all of them without
 * `instance`): the logs kept for it are then trimmed as if nothing were served. For an
 * operational database given up: its registrations would keep the logs growing.
 */
export async function unregisterSync(local: Db, instance?: string): Promise<number> {
  const rows = await local.query(`DELETE FROM mvkit.ivm_watermarks WHERE consumer LIKE ${quote(instance ? `sync:%@${instance.slice(0, 12)}` : 'sync:%')} RETURNING 1`);
  return rows.length;
}
