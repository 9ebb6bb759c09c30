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
import { refreshAll, verify } from '../../packages/runtime/src/ivm/index.ts';
import { events, setupWorkload } from './ab-workload.ts';

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

const setup = (db: Db) => setupWorkload(db, manifest, HISTORY, 2_000_000);

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
