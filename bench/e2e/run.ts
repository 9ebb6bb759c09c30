// pnpm bench:e2e [--seconds N] [--rate EVENTS_PER_S] [--tenants N]: the platform end to end on native Postgres.
// A live generator drops a CDC batch every second (event times = wall clock); every second the runner
// loads what is new, refreshes every MV incrementally and measures freshness: the newest loaded
// submission's event time → the moment the top rollup (tenant_daily) shows it.
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { compileProject, loadProject } from '@mvkit/compiler';
import { openPostgres } from '../../packages/runtime/src/db/postgres.ts';
import { applyDeployment } from '../../packages/runtime/src/apply/apply.ts';
import { engineFor } from '../../packages/runtime/src/engines/open-engine.ts';
import { PlatformRunner, type BatchReport } from '../../packages/runtime/src/run/index.ts';
import { batchName, SampleGenerator, writeBatch } from '../../packages/runtime/src/sample/index.ts';
import { startPostgres } from '../../packages/runtime/test/support/postgres-server.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const seconds = arg('seconds', 60);
const rate = arg('rate', 5000);
const tenants = arg('tenants', 20);
const root = join(import.meta.dirname, '../..');
const landing = join(root, 'bench/.data/e2e-landing');

const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN;
};

const compiled = await compileProject(await loadProject(root), 'postgres');
if (!compiled.manifest) throw new Error('the project does not compile');
const manifest = compiled.manifest;
const server = await startPostgres();
const db = await openPostgres(await server.createDatabase('bench_e2e'));
try {
  rmSync(landing, { recursive: true, force: true });
  mkdirSync(landing, { recursive: true });
  const engine = await engineFor(db);
  await applyDeployment(db, engine, manifest);
  console.log(`deployed with mvkit apply, refreshed as mvkit refresh; ${seconds} s at ${rate} events/s, ${tenants} tenants`);

  // The generator: every second, messages submitted during that second, and every record that has arrived by now.
  const t0 = Date.now();
  const gen = new SampleGenerator({ seed: 1, tenants, start: new Date(t0 - 1000), lateSubmissionS: 2 });
  let perSecond = Math.round(rate / 3.2);
  let generated = 0;
  let tick = 0;
  const produce = () => {
    const now = Date.now();
    gen.submit(perSecond, now - 1000, now);
    const feeds = gen.drain(now);
    const n = (feeds.get('message_submissions')?.length ?? 0) + (feeds.get('delivery_receipts')?.length ?? 0);
    generated += n;
    // Steer messages per second so that events (submissions + receipts) per second meet the rate.
    if (tick++ > 2 && n > 0) perSecond = Math.max(1, Math.round(perSecond * Math.min(1.5, Math.max(0.67, rate / n))));
    writeBatch(landing, { name: batchName(new Date(now), tick), at: new Date(now), feeds }, 'ndjson');
  };
  produce();
  const timer = setInterval(produce, 1000);

  const runner = new PlatformRunner(db, manifest, engine, landing);
  const reports: BatchReport[] = [];
  const end = t0 + seconds * 1000;
  while (Date.now() < end) {
    const started = Date.now();
    const r = await runner.runBatch();
    reports.push(r);
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[K${Math.round((Date.now() - t0) / 1000)} s: batch ${r.batch}, ${r.load.rowsLoaded} rows, load ${r.load.durationMs} ms, refresh ${Math.round(r.refresh.durationMs)} ms, freshness ${r.freshnessMs ?? '–'} ms`);
    const wait = 1000 - (Date.now() - started);
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
  clearInterval(timer);
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');

  // The first seconds warm up (empty MVs, first receipts); measure the steady state.
  const steady = reports.filter((r) => r.batch > 3);
  const fresh = steady.map((r) => r.freshnessMs).filter((x): x is number => x !== null);
  const loaded = steady.reduce((s, r) => s + r.load.rowsLoaded, 0);
  const span = (Date.now() - t0) / 1000;
  const refresh = steady.map((r) => r.refresh.durationMs);
  const load = steady.map((r) => r.load.durationMs);
  const perNode = new Map<string, number[]>();
  for (const r of steady) for (const x of r.refresh.results) perNode.set(x.node, [...(perNode.get(x.node) ?? []), x.durationMs ?? 0]);
  const modes = new Set(steady.flatMap((r) => r.refresh.results.map((x) => x.mode)));
  const total = (await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM message_events'))[0]!.n;
  console.log(`events generated ${generated}, loaded ${total} (${(total / span).toFixed(0)} events/s over ${span.toFixed(1)} s); ${reports.length} batches (${steady.length} after warm-up), refresh modes: ${[...modes].join(', ')}`);
  console.log(`steady state: ${(loaded / steady.length).toFixed(0)} rows per batch`);
  console.log(`freshness (newest event → visible in tenant_daily): p50 ${quantile(fresh, 0.5)} ms, p99 ${quantile(fresh, 0.99)} ms, max ${Math.max(...fresh)} ms over ${fresh.length} batches (goal p99 < 5000 ms: ${quantile(fresh, 0.99) < 5000 ? 'met' : 'NOT met'})`);
  console.log(`load per batch: p50 ${quantile(load, 0.5).toFixed(0)} ms, p99 ${quantile(load, 0.99).toFixed(0)} ms; refresh per batch: p50 ${quantile(refresh, 0.5).toFixed(0)} ms, p99 ${quantile(refresh, 0.99).toFixed(0)} ms`);
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) at the end`);
  console.log(`refresh per node, p50 / p99 ms: ${[...perNode].map(([n, xs]) => `${n} ${quantile(xs, 0.5).toFixed(0)}/${quantile(xs, 0.99).toFixed(0)}`).join(', ')}`);
} finally {
  await db.close();
  await server.stop();
}
