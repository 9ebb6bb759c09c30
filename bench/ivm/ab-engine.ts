/**
 * Paired A/B of two versions of the engine: this tree's refresh of the root chain against the
 * one in another checkout (--base DIR: a copy of the repository at the base commit, with its
 * node_modules), on two databases loaded alike (native Postgres, or PGlite: --engine pglite),
 * alternating which goes first in every round. Each round appends a batch of events and moves
 * one campaign of each of --moved tenants (default 12) to another category, renamed, then
 * refreshes both; reported: the median of the per-round ratios base / this tree, per batch size.
 * `tsx bench/ivm/ab-engine.ts --base /tmp/base --history 1000000 --batches 1000,10000 --rounds 10`
 */
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileProject, loadProject } from '@mvkit/compiler';
import { openPglite } from '../../packages/runtime/src/db/pglite.ts';
import { openPostgres } from '../../packages/runtime/src/db/postgres.ts';
import type { Db } from '../../packages/runtime/src/db/db.ts';
import { startPostgres } from '../../packages/runtime/test/support/postgres-server.ts';
import { createNode, installEngine, refreshAll, verify } from '../../packages/runtime/src/ivm/index.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const HISTORY = Number(arg('history', '1000000'));
const BATCHES = arg('batches', '1000,10000').split(',').map(Number);
const ROUNDS = Number(arg('rounds', '10'));
const ENGINE = arg('engine', 'postgres');
const BASE = arg('base', '');
const MOVED = Number(arg('moved', '12'));
const movedTenants = Array.from({ length: MOVED }, (_, t) => `'t${t}'`).join(', ') || 'NULL';
if (!BASE) throw new Error('--base DIR: a checkout of the base commit');
const base = (await import(pathToFileURL(`${BASE}/packages/runtime/src/ivm/index.ts`).href)) as { refreshAll: typeof refreshAll };
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
  for (let e = 0; e < HISTORY; e += 2_000_000) await db.exec(events(e, Math.min(2_000_000, HISTORY - e), HISTORY));
  await db.exec('VACUUM ANALYZE');
  for (const n of manifest.nodes) if (n.kind !== 'table') await createNode(db, manifest, n.name);
  await db.exec('VACUUM ANALYZE');
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const server = ENGINE === 'postgres' ? await startPostgres({ shared_buffers: '1GB' }) : null;
const open = async (name: string) => (server ? openPostgres(await server.createDatabase(name)) : openPglite());
const a = await open('ab_base');
const b = await open('ab_tree');
await setup(a);
await setup(b);
let appended = 0;
let round = 0;
const summary: string[] = [];
for (const batch of BATCHES) {
  const ratios: number[] = [];
  const ms: Record<string, number[]> = { base: [], tree: [] };
  for (let r = 0; r < ROUNDS; r++, round++) {
    for (const db of [a, b]) {
      await db.exec(events(HISTORY + appended, batch, HISTORY));
      await db.exec(`UPDATE campaigns SET category = '${round % 2 ? 'otp' : 'promo'}', campaign_name = 'Renamed ${round}' WHERE campaign_id = 'c${round % 8}' AND tenant_id IN (${movedTenants})`);
    }
    appended += batch;
    const times: Record<string, number> = {};
    const sides: [string, () => Promise<unknown>][] = [['base', () => base.refreshAll(a, manifest)], ['tree', () => refreshAll(b, manifest)]];
    for (const [label, run] of round % 2 ? [...sides].reverse() : sides) {
      const t = performance.now();
      await run();
      times[label] = performance.now() - t;
    }
    ms.base!.push(times.base!);
    ms.tree!.push(times.tree!);
    ratios.push(times.base! / times.tree!);
    console.log(`batch ${batch} round ${r + 1}: base ${times.base!.toFixed(0)} ms, this tree ${times.tree!.toFixed(0)} ms: ${ratios.at(-1)!.toFixed(2)}× (load ${loadavg()[0]!.toFixed(1)})`);
  }
  summary.push(`batch ${batch}: base / this tree, median of ${ROUNDS} paired rounds ${median(ratios).toFixed(2)}× (medians: base ${median(ms.base!).toFixed(0)} ms, this tree ${median(ms.tree!).toFixed(0)} ms; ${ENGINE}, ${HISTORY} events, ${MOVED} tenants' campaign moved; load ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  console.log(summary.at(-1));
}
const bad = (await verify(b, manifest)).filter((v) => !v.equal).map((v) => v.node);
console.log(bad.length ? `VERIFY FAILED (this tree): ${bad.join(', ')}` : 'verify (this tree): every MV equals its recomputation');
for (const s of summary) console.log(s);
await a.close();
await b.close();
await server?.stop();
