/**
 * The hand-written peer of the engine for the root pipeline, dbt-style: in one transaction and
 * one round trip, per model in dependency order, delete the rows of the keys and time partitions
 * the batch touched and insert them again, recomputed from upstream. The model SELECTs are the
 * project's own (as a dbt incremental model keeps its SELECT and adds an is_incremental() filter);
 * the incremental framing around them is written here by hand:
 *
 * - messages: the messages with new events, recomputed from all their events (an index on the
 *   landing table's (tenant_id, message_id), which the engine does not need);
 * - messages_enriched: those messages and the messages of the updated campaigns;
 * - delivery_hourly: the (tenant, hour) partitions of the old and the new images of those rows;
 * - delivery_daily, tenant_channel_daily, tenant_daily: the (tenant, day) partitions above them.
 *
 * The peer knows which campaigns changed (as an updated_at column would tell it); it cannot see
 * a dimension delete, and it is not safe beside a concurrent writer of the landing table (its
 * high mark is the largest sequence number, which may skip a row still being written).
 */
import { ddlOf, type Manifest, type ManifestNode } from '@mvkit/compiler';
import type { Db } from '../../packages/runtime/src/db/db.ts';

const CHAIN = ['messages', 'messages_enriched', 'delivery_hourly', 'delivery_daily', 'tenant_channel_daily', 'tenant_daily'] as const;

export const peerTable = (name: string) => `peer_${name}`;

export function nodeOf(manifest: Manifest, name: string): ManifestNode {
  const n = manifest.nodes.find((x) => x.name === name);
  if (!n?.sql) throw new Error(`the peer expects the root pipeline's ${name}`);
  return n;
}

const cols = (n: ManifestNode) => n.columns.map((c) => c.name).join(', ');

/** The model's SELECT with its input replaced by `source` (a table, or a parenthesized SELECT). */
export function selectOver(node: ManifestNode, input: string, source: string): string {
  const sql = node.sql!.replace(new RegExp(`\\bFROM ${input}\\b`), `FROM ${source}`);
  if (sql === node.sql) throw new Error(`the peer expects ${node.name} to read FROM ${input}`);
  return sql;
}

/** The model's SELECT over `source`, inserted into the peer's table. */
function over(node: ManifestNode, input: string, source: string): string {
  return `INSERT INTO ${peerTable(node.name)} (${cols(node)})\nSELECT ${cols(node)} FROM (\n${selectOver(node, input, source)}\n) q`;
}

/** Tables, indexes and the initial contents of the peer; its mark is the landing table's at that moment. */
export async function createPeer(db: Db, manifest: Manifest): Promise<string> {
  await db.exec(`CREATE TABLE peer_state (mark bigint NOT NULL);
INSERT INTO peer_state SELECT COALESCE(max(_ivm_seq), 0) FROM message_events;
CREATE INDEX peer_message_events_key ON message_events (tenant_id, message_id);`);
  const sources: Record<string, [string, string]> = {
    messages: ['message_events', '(SELECT * FROM message_events WHERE _ivm_seq <= (SELECT mark FROM peer_state)) message_events'],
    messages_enriched: ['messages', peerTable('messages')],
    delivery_hourly: ['messages_enriched', `${peerTable('messages_enriched')} messages_enriched`],
    delivery_daily: ['delivery_hourly', `${peerTable('delivery_hourly')} delivery_hourly`],
    tenant_channel_daily: ['delivery_daily', `${peerTable('delivery_daily')} delivery_daily`],
    tenant_daily: ['tenant_channel_daily', `${peerTable('tenant_channel_daily')} tenant_channel_daily`],
  };
  for (const name of CHAIN) {
    const node = nodeOf(manifest, name);
    for (const s of ddlOf({ ...node, name: peerTable(name) }, 'postgres')) await db.exec(s);
    const [input, source] = sources[name]!;
    await db.exec(over(node, input, source));
  }
  // The lookups of the partitions the peer recomputes (the unique keys above serve the rest).
  await db.exec(`CREATE INDEX peer_messages_campaign ON peer_messages (tenant_id, campaign_id);
CREATE INDEX peer_messages_enriched_hour ON peer_messages_enriched (tenant_id, date_trunc('hour', submitted_at));
CREATE INDEX peer_delivery_hourly_hour ON peer_delivery_hourly (tenant_id, hour);
CREATE INDEX peer_delivery_daily_day ON peer_delivery_daily (tenant_id, day);
CREATE INDEX peer_tenant_channel_daily_day ON peer_tenant_channel_daily (tenant_id, day);
ANALYZE peer_state, peer_messages, peer_messages_enriched, peer_delivery_hourly, peer_delivery_daily, peer_tenant_channel_daily, peer_tenant_daily;`);
  // Its high mark: the landing table's sequence (max() over the identity column would scan it: its index is a BRIN).
  const [r] = await db.query<{ s: string }>("SELECT pg_get_serial_sequence('message_events', '_ivm_seq') AS s");
  return r!.s;
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * One refresh of the peer: the whole chain in one transaction, sent as one script (one round
 * trip). `campaigns`: the (tenant_id, campaign_id) keys of the campaigns updated since the last one.
 */
export function peerRefreshSql(manifest: Manifest, sequence: string, campaigns: readonly (readonly [string, string])[]): string {
  const n = (name: string) => nodeOf(manifest, name);
  const changed = campaigns.length
    ? `SELECT m.tenant_id, m.message_id FROM peer_messages m JOIN (VALUES ${campaigns.map(([t, c]) => `(${q(t)}, ${q(c)})`).join(', ')}) c (tenant_id, campaign_id) ON m.tenant_id = c.tenant_id AND m.campaign_id = c.campaign_id`
    : null;
  const days = (table: string, alias: string, col: string) => `(SELECT ${alias}.* FROM p_day p CROSS JOIN LATERAL (SELECT * FROM ${table} ${alias} WHERE ${alias}.tenant_id = p.tenant_id AND ${alias}.${col} = p.day OFFSET 0) ${alias})`;
  return [
    'BEGIN ISOLATION LEVEL REPEATABLE READ',
    'SET LOCAL client_min_messages = warning',
    // The high mark and the messages with new events.
    // Plan fixes: the mark as scalar subqueries (a range the BRIN index serves), lookups driven
    // by the small key sets through LATERAL subqueries kept apart (OFFSET 0), no sequential scan
    // of the large tables and no hash or merge join, which read a whole table to meet a few
    // thousand keys: the small key sets drive nested loops over the indexes.
    'SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off',
    `CREATE TEMP TABLE p_h ON COMMIT DROP AS SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${sequence}) AS h, (SELECT mark FROM peer_state) AS w`,
    `CREATE TEMP TABLE p_ev ON COMMIT DROP AS SELECT DISTINCT e.tenant_id, e.message_id FROM message_events e WHERE e._ivm_seq > (SELECT w FROM p_h) AND e._ivm_seq <= (SELECT h FROM p_h)`,
    'ANALYZE p_ev',
    // messages
    `DELETE FROM peer_messages m USING p_ev k WHERE m.tenant_id = k.tenant_id AND m.message_id = k.message_id`,
    over(n('messages'), 'message_events', `(SELECT e.* FROM p_ev k CROSS JOIN LATERAL (SELECT * FROM message_events e WHERE e.tenant_id = k.tenant_id AND e.message_id = k.message_id AND e._ivm_seq <= (SELECT h FROM p_h) OFFSET 0) e) message_events`),
    // messages_enriched: the messages above and those of the updated campaigns.
    `CREATE TEMP TABLE p_en ON COMMIT DROP AS SELECT tenant_id, message_id FROM p_ev${changed ? ` UNION ${changed}` : ''}`,
    'ANALYZE p_en',
    `CREATE TEMP TABLE p_hr ON COMMIT DROP AS SELECT DISTINCT e.tenant_id, date_trunc('hour', e.submitted_at) AS hour FROM p_en k CROSS JOIN LATERAL (SELECT * FROM peer_messages_enriched e WHERE e.tenant_id = k.tenant_id AND e.message_id = k.message_id OFFSET 0) e`,
    `DELETE FROM peer_messages_enriched e USING p_en k WHERE e.tenant_id = k.tenant_id AND e.message_id = k.message_id`,
    over(n('messages_enriched'), 'messages', `(SELECT m.* FROM p_en k CROSS JOIN LATERAL (SELECT * FROM peer_messages m WHERE m.tenant_id = k.tenant_id AND m.message_id = k.message_id OFFSET 0) m)`),
    `INSERT INTO p_hr SELECT DISTINCT e.tenant_id, date_trunc('hour', e.submitted_at) FROM p_en k CROSS JOIN LATERAL (SELECT * FROM peer_messages_enriched e WHERE e.tenant_id = k.tenant_id AND e.message_id = k.message_id OFFSET 0) e`,
    `CREATE TEMP TABLE p_hour ON COMMIT DROP AS SELECT DISTINCT tenant_id, hour FROM p_hr WHERE hour IS NOT NULL`,
    'ANALYZE p_hour',
    // delivery_hourly: the touched (tenant, hour) partitions.
    `DELETE FROM peer_delivery_hourly h USING p_hour p WHERE h.tenant_id = p.tenant_id AND h.hour = p.hour`,
    over(n('delivery_hourly'), 'messages_enriched', `(SELECT e.* FROM p_hour p CROSS JOIN LATERAL (SELECT * FROM peer_messages_enriched e WHERE e.tenant_id = p.tenant_id AND date_trunc('hour', e.submitted_at) = p.hour OFFSET 0) e) messages_enriched`),
    // The (tenant, day) partitions above them.
    `CREATE TEMP TABLE p_day ON COMMIT DROP AS SELECT DISTINCT tenant_id, date_trunc('day', hour) AS day FROM p_hour`,
    'ANALYZE p_day',
    `DELETE FROM peer_delivery_daily d USING p_day p WHERE d.tenant_id = p.tenant_id AND d.day = p.day`,
    over(n('delivery_daily'), 'delivery_hourly', `(SELECT h.* FROM p_day p CROSS JOIN LATERAL (SELECT * FROM peer_delivery_hourly h WHERE h.tenant_id = p.tenant_id AND h.hour >= p.day AND h.hour < p.day + interval '1 day' OFFSET 0) h) delivery_hourly`),
    `DELETE FROM peer_tenant_channel_daily d USING p_day p WHERE d.tenant_id = p.tenant_id AND d.day = p.day`,
    over(n('tenant_channel_daily'), 'delivery_daily', `${days('peer_delivery_daily', 'd', 'day')} delivery_daily`),
    `DELETE FROM peer_tenant_daily d USING p_day p WHERE d.tenant_id = p.tenant_id AND d.day = p.day`,
    over(n('tenant_daily'), 'tenant_channel_daily', `${days('peer_tenant_channel_daily', 'd', 'day')} tenant_channel_daily`),
    `UPDATE peer_state SET mark = (SELECT h FROM p_h)`,
    'COMMIT',
  ].join(';\n');
}

/** The column of each MV of the chain that places its rows in time. */
export const TIME: Record<string, string> = {
  messages: 'submitted_at', messages_enriched: 'submitted_at', delivery_hourly: 'hour',
  delivery_daily: 'day', tenant_channel_daily: 'day', tenant_daily: 'day',
};

/**
 * Rows that differ between the engine's MV and the peer's table (declared columns, as multisets),
 * per MV of the chain: all zero when they are equal. `since` (an SQL timestamp expression): only
 * the rows from that day on (and those without a time), which is all a batch can change when the
 * tables were equal before it; without it, the whole tables (at 10M events, a minute).
 */
export async function peerDifferences(db: Db, manifest: Manifest, since?: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of CHAIN) {
    const c = cols(nodeOf(manifest, name));
    const where = since ? ` WHERE ${TIME[name]} >= date_trunc('day', ${since}) OR ${TIME[name]} IS NULL` : '';
    const [r] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ((SELECT ${c} FROM ${name}${where} EXCEPT ALL SELECT ${c} FROM ${peerTable(name)}${where}) UNION ALL (SELECT ${c} FROM ${peerTable(name)}${where} EXCEPT ALL SELECT ${c} FROM ${name}${where})) d`);
    out[name] = r?.n ?? 0;
  }
  return out;
}

export { CHAIN };
