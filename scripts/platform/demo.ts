/**
 * `pnpm demo`: the messaging platform end to end on embedded PGlite (.mvkit/demo, wiped): deploy the root
 * project, a day of realistic traffic in batches (load + incremental refresh after each), then the
 * per-tenant dashboard. Flags: --tenants, --events (message submissions), --batches, --seed.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compileProject, formatDiagnostic, loadProject } from '@mvkit/compiler';
import { openPglite } from '@mvkit/runtime';
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
  const { values } = parseArgs({ options: { tenants: { type: 'string' }, events: { type: 'string' }, batches: { type: 'string' }, seed: { type: 'string' } } });
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
      batches: positive('batches', values.batches, 8), seed: positive('seed', values.seed, 42),
      onProgress: (p) => process.stdout.write(`${renderProgress(p)}\n`),
    });
    process.stdout.write(`${renderDashboard(r.dashboard)}\n\n`);
    process.stdout.write(`${r.records} CDC rows in ${r.batches.length} batches; data in ${dir}; ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await db.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
