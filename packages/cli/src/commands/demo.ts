import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CompileError } from '@mvkit/compiler';
import { openPglite } from '@mvkit/runtime';
import { runDemo, type DashboardRow, type DemoProgress } from '@mvkit/runtime/run/index.ts';
import { ivmTraceFromEnv } from '../ivm-trace.ts';
import { integerOption } from '../option-values.ts';
import { loadAndCompile, projectDir } from '../project-options.ts';
import { renderLevels } from './run.ts';

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
  return `batch ${p.index + 1}/${p.total} ${p.name}: ${r.load.rowsLoaded} rows in ${r.load.filesLoaded} files (${r.load.durationMs} ms), refresh ${Math.round(r.refresh.durationMs)} ms ${renderLevels(r)}`;
}

const int = (flag: string, example: number) => integerOption(flag, { min: 1, hint: `e.g. ${flag} ${example}` });

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the messaging platform locally on embedded PGlite (.mvkit/demo, wiped): deploy, a day of traffic in batches, load + incremental refresh after each, then the per-tenant dashboard.')
    .option('--tenants <n>', 'tenants', int('--tenants', 6), 6)
    .option('--events <n>', 'message submissions over the day', int('--events', 20_000), 20_000)
    .option('--batches <n>', 'batches the day is cut into', int('--batches', 8), 8)
    .option('--seed <n>', 'PRNG seed', int('--seed', 42), 42)
    .action(async (opts: { tenants: number; events: number; batches: number; seed: number }, cmd: Command) => {
      const started = performance.now();
      const { result } = await loadAndCompile(cmd, 'postgres');
      if (!result.ok || !result.manifest) throw new CompileError([...result.diagnostics]);
      const dir = join(projectDir(cmd), '.mvkit', 'demo');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const db = await openPglite(join(dir, 'pglite'));
      const trace = ivmTraceFromEnv();
      try {
        const r = await runDemo(db, result.manifest, {
          dir, tenants: opts.tenants, refresh: trace ? { trace } : {}, events: opts.events, batches: opts.batches, seed: opts.seed,
          onProgress: (p) => process.stdout.write(`${renderProgress(p)}\n`),
        });
        process.stdout.write(`${renderDashboard(r.dashboard)}\n\n`);
        process.stdout.write(`${r.records} CDC rows in ${r.batches.length} batches; data in ${dir}; ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      } finally {
        await db.close();
      }
    });
}
