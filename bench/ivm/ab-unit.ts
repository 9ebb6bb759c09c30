/**
 * Paired A/B of the chain refreshed as one unit against one transaction per MV, on two PGlite
 * databases (or two native Postgres databases: --engine postgres) loaded alike, alternating
 * which goes first. `tsx bench/ivm/ab-unit.ts --history 100000 --batch 10000 --rounds 6`
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { compileProject, loadProject } from '@mvkit/compiler';
import { openPglite } from '../../packages/runtime/src/db/pglite.ts';
import { openPostgres } from '../../packages/runtime/src/db/postgres.ts';
import type { Db } from '../../packages/runtime/src/db/db.ts';
import { startPostgres } from '../../packages/runtime/test/support/postgres-server.ts';
import { createNode, installEngine, refreshAll } from '../../packages/runtime/src/ivm/index.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const HISTORY = Number(arg('history', '100000'));
const BATCH = Number(arg('batch', '10000'));
const ROUNDS = Number(arg('rounds', '6'));
const ENGINE = arg('engine', 'pglite');
const root = fileURLToPath(new URL('../../', import.meta.url));
const manifest = (await compileProject(await loadProject(root), 'postgres')).manifest!;

const events = (first: number, count: number, total: number) => `INSERT INTO message_events (tenant_id, message_id, event_stream, campaign_id, channel_id, recipient_country, submitted_at, status, event_at)
SELECT 't' || (m % 50), 'm' || m, CASE WHEN k = 0 THEN 'message_submissions' ELSE 'delivery_receipts' END,
  CASE WHEN k = 0 THEN 'c' || ((m / 50) % 8) END, CASE WHEN k = 0 THEN (ARRAY['sms', 'wa', 'rcs'])[1 + m % 3] END, CASE WHEN k = 0 THEN 'DE' END,
  CASE WHEN k = 0 THEN ts END, CASE k WHEN 1 THEN 'sent' WHEN 2 THEN 'delivered' WHEN 3 THEN 'read' END, CASE WHEN k > 0 THEN ts + make_interval(secs => k * 5) END
FROM (SELECT e / 4 AS m, e % 4 AS k, timestamp '2026-01-01' + make_interval(secs => (e / 4) * ${(7 * 86400) / Math.max(total / 4, 1)}) AS ts FROM generate_series(${first}::bigint, ${first + count - 1}::bigint) e) g`;

async function setup(db: Db): Promise<void> {
  await installEngine(db);
  for (const n of manifest.nodes) if (n.kind === 'table') await createNode(db, manifest, n.name);
  await db.exec(`INSERT INTO tenants SELECT 't' || t, 'Tenant ' || t, 'pro', 'eu' FROM generate_series(0, 49) t;
INSERT INTO campaigns SELECT 't' || t, 'c' || c, 'Campaign ' || c, 'promo' FROM generate_series(0, 49) t, generate_series(0, 7) c;
INSERT INTO channels VALUES ('sms', 'SMS', 'twilio'), ('wa', 'WhatsApp', 'meta'), ('rcs', 'RCS', 'google');`);
  await db.exec(events(0, HISTORY, HISTORY));
  await db.exec('VACUUM ANALYZE');
  for (const n of manifest.nodes) if (n.kind !== 'table') await createNode(db, manifest, n.name);
  await db.exec('VACUUM ANALYZE');
}

const server = ENGINE === 'postgres' ? await startPostgres() : null;
const open = async (name: string) => (server ? openPostgres(await server.createDatabase(name)) : openPglite());
const a = await open('ab_unit');
const b = await open('ab_nodes');
await setup(a);
await setup(b);
const ratios: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const times: Record<string, number> = {};
  for (const db of [a, b]) {
    await db.exec(events(HISTORY + r * BATCH, BATCH, HISTORY));
    await db.exec(`UPDATE campaigns SET category = '${r % 2 ? 'otp' : 'promo'}' WHERE campaign_id = 'c1' AND tenant_id < 't2'`);
  }
  const sides: [string, Db, boolean][] = [['unit', a, true], ['per MV', b, false]];
  for (const [label, db, unit] of r % 2 ? [...sides].reverse() : sides) {
    const t = performance.now();
    await refreshAll(db, manifest, { unit });
    times[label] = performance.now() - t;
  }
  ratios.push(times['per MV']! / times.unit!);
  console.log(`round ${r + 1}: unit ${times.unit!.toFixed(0)} ms, per MV ${times['per MV']!.toFixed(0)} ms: ${ratios.at(-1)!.toFixed(2)}× (load ${loadavg()[0]!.toFixed(1)})`);
}
const s = [...ratios].sort((x, y) => x - y);
console.log(`per MV / unit, median of ${ROUNDS} paired rounds: ${s[Math.floor(s.length / 2)]!.toFixed(2)}× (${ENGINE}, ${HISTORY} events, batch ${BATCH})`);
await a.close();
await b.close();
await server?.stop();
