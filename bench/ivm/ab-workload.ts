/**
 * The root project's workload for the paired A/B benches (ab-unit.ts, ab-engine.ts): its
 * dimensions (50 tenants, 8 campaigns each, 3 channels) and `history` message events (a
 * submission and three receipts per message, spread over a week), loaded into a database with
 * the engine's storage for every node of the manifest.
 */
import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../../packages/runtime/src/db/db.ts';
import { createNode, installEngine } from '../../packages/runtime/src/ivm/index.ts';

/** An INSERT of events `first` .. `first + count - 1` of a history of `total`. */
export const events = (first: number, count: number, total: number) => `INSERT INTO message_events (tenant_id, message_id, event_stream, campaign_id, channel_id, recipient_country, submitted_at, status, event_at)
SELECT 't' || (m % 50), 'm' || m, CASE WHEN k = 0 THEN 'message_submissions' ELSE 'delivery_receipts' END,
  CASE WHEN k = 0 THEN 'c' || ((m / 50) % 8) END, CASE WHEN k = 0 THEN (ARRAY['sms', 'wa', 'rcs'])[1 + m % 3] END, CASE WHEN k = 0 THEN 'DE' END,
  CASE WHEN k = 0 THEN ts END, CASE k WHEN 1 THEN 'sent' WHEN 2 THEN 'delivered' WHEN 3 THEN 'read' END, CASE WHEN k > 0 THEN ts + make_interval(secs => k * 5) END
FROM (SELECT e / 4 AS m, e % 4 AS k, timestamp '2026-01-01' + make_interval(secs => (e / 4) * ${(7 * 86400) / Math.max(total / 4, 1)}) AS ts FROM generate_series(${first}::bigint, ${first + count - 1}::bigint) e) g`;

/** The tables, the dimensions and the history (inserted `step` events at a time), then the MVs over them. */
export async function setupWorkload(db: Db, manifest: Manifest, history: number, step = history): Promise<void> {
  await installEngine(db);
  for (const n of manifest.nodes) if (n.kind === 'table') await createNode(db, manifest, n.name);
  await db.exec(`INSERT INTO tenants SELECT 't' || t, 'Tenant ' || t, 'pro', 'eu' FROM generate_series(0, 49) t;
INSERT INTO campaigns SELECT 't' || t, 'c' || c, 'Campaign ' || c, 'promo' FROM generate_series(0, 49) t, generate_series(0, 7) c;
INSERT INTO channels VALUES ('sms', 'SMS', 'twilio'), ('wa', 'WhatsApp', 'meta'), ('rcs', 'RCS', 'google');`);
  for (let e = 0; e < history; e += Math.max(step, 1)) await db.exec(events(e, Math.min(step, history - e), history));
  await db.exec('VACUUM ANALYZE');
  for (const n of manifest.nodes) if (n.kind !== 'table') await createNode(db, manifest, n.name);
  await db.exec('VACUUM ANALYZE');
}
