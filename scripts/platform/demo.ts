/**
 * `pnpm demo`: the messaging platform end to end on embedded PGlite (.mvkit/demo, wiped): deploy the root
 * project, a day of realistic traffic in batches (load + incremental refresh after each), then the
 * per-tenant dashboard in the terminal. Flags: --tenants, --events (message submissions), --batches, --seed,
 * --days (the period the traffic covers). --serve then syncs the served views into an operational
 * database (PGlite, .mvkit/demo/operational) and serves the web dashboard over it (mvkit serve),
 * printing its URL with a token per tenant; --port and --host choose where it listens.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compileProject, formatDiagnostic, loadProject, type Manifest } from '@mvkit/compiler';
import type { Db } from '@mvkit/runtime';
import { deployOperational, DEFAULT_APP_ROLE, openPglite, syncServed } from '@mvkit/runtime';
import { runDemo, type DashboardRow, type DemoProgress } from './run-demo.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
const secs = (v: number | null, delivered: number) => (v !== null ? `≤${v}s` : delivered > 0 ? '>300s' : '–');

export function renderDashboard(rows: readonly DashboardRow[]): string {
  const out: string[] = [];
  let current = '';
  const head = ['channel', 'submitted', 'delivered', 'deliv%', 'read', 'read%', 'failed', 'fail%', 'p50', 'p90'];
  const widths = [10, 10, 10, 7, 8, 7, 8, 6, 7, 7];
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ')}`;
  for (const r of rows) {
    const key = `${r.tenant_id}/${r.day}`;
    if (key !== current) {
      current = key;
      out.push('', `${r.tenant_id} ${r.tenant_name ?? ''} · ${r.day}`, line(head));
    }
    out.push(line([r.channel_id, String(r.submitted), String(r.delivered), pct(r.delivery_rate), String(r.read), pct(r.read_rate), String(r.failed), pct(r.failure_rate), secs(r.latency_p50_s, r.delivered), secs(r.latency_p90_s, r.delivered)]));
  }
  return out.join('\n');
}

function renderProgress(p: DemoProgress): string {
  if (p.kind === 'deployed') return `deployed ${p.nodes} nodes (${p.stages} stages applied) in ${Math.round(p.durationMs)} ms`;
  const r = p.report;
  const levels = r.refresh.levels.map((l) => `L${l.level} ${l.nodes.join('+')} ${Math.round(l.durationMs)}ms`).join(' · ');
  return `batch ${p.index + 1}/${p.total} ${p.name}: ${r.load.rowsLoaded} rows in ${r.load.filesLoaded} files (${r.load.durationMs} ms), refresh ${Math.round(r.refresh.durationMs)} ms ${levels}`;
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    process.stderr.write(`demo: --${name} must be a whole number of at least 1, not "${text}"\n`);
    process.exit(2);
  }
  return Number(text);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    tenants: { type: 'string' }, events: { type: 'string' }, batches: { type: 'string' }, seed: { type: 'string' }, days: { type: 'string' },
    serve: { type: 'boolean' }, port: { type: 'string' }, host: { type: 'string' },
  } });
  // The web dashboard draws days: a week of traffic by default when serving it, a day otherwise.
  const days = positive('days', values.days, values.serve ? 7 : 1);
  const started = performance.now();
  const result = await compileProject(await loadProject(ROOT), 'postgres');
  if (!result.ok || !result.manifest) {
    for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    process.exit(1);
  }
  const dir = join(ROOT, '.mvkit', 'demo');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = await openPglite(join(dir, 'pglite'));
  try {
    const r = await runDemo(db, result.manifest, {
      dir, tenants: positive('tenants', values.tenants, 6), events: positive('events', values.events, 20_000),
      batches: positive('batches', values.batches, 8), seed: positive('seed', values.seed, 42), hours: 24 * days,
      onProgress: (p) => process.stdout.write(`${renderProgress(p)}\n`),
    });
    process.stdout.write(`${renderDashboard(r.dashboard)}\n\n`);
    process.stdout.write(`${r.records} CDC rows in ${r.batches.length} batches; data in ${dir}; ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    if (values.serve) await serve(db, result.manifest, dir, { port: values.port === undefined ? 8787 : positive('port', values.port, 8787), host: values.host ?? '127.0.0.1' });
  } finally {
    await db.close();
  }
}

/** Sync into a fresh operational PGlite, then the web dashboard over it until Ctrl-C. */
async function serve(db: Db, manifest: Manifest, dir: string, listen: { port: number; host: string }): Promise<void> {
  const op = await openPglite(join(dir, 'operational'));
  await deployOperational(op, manifest, DEFAULT_APP_ROLE);
  const synced = await syncServed(db, op, manifest);
  process.stdout.write(`\nsynced into the operational database: ${synced.map((s) => `${s.model} ${s.upserted} rows`).join(', ')}\n`);
  const { startServe } = await import('@mvkit/serve');
  const server = await startServe({ manifest, from: 'operational', db: op, issueTokens: true, ...listen });
  process.stdout.write(`\ndashboard: ${server.url} (tenant isolation: ${server.isolation})\n`);
  for (const t of server.tokens) process.stdout.write(`  ${t.tenant.padEnd(12)} ${server.url}/#token=${encodeURIComponent(t.token)}\n`);
  process.stdout.write(`API: curl -H 'Authorization: Bearer <token>' ${server.url}/api/v1/tenant_daily_metrics\nCtrl-C stops it.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
