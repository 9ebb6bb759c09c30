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
import { refreshAll } from '../../packages/runtime/src/ivm/index.ts';
import { events, setupWorkload } from './ab-workload.ts';

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

const setup = (db: Db) => setupWorkload(db, manifest, HISTORY);

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
