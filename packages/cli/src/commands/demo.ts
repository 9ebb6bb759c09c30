import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { DemoPreview, DemoProgress } from '@mvkit/runtime/run/index.ts';
import { PROJECT_SAMPLE_DEFAULTS } from '@mvkit/runtime/sample/defaults.ts';
import { ivmTraceFromEnv } from '../ivm-trace.ts';
import { integerOption } from '../option-values.ts';
import { loadAndCompile, projectDir } from '../project-options.ts';
import { renderLevels } from './run.ts';

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '–';
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace(/\.000Z$/, '');
  if (typeof v === 'number' && !Number.isInteger(v)) return v.toFixed(3);
  return String(v);
};

/** A served relation's first rows as a plain table. */
export function renderPreview(p: DemoPreview): string {
  const cols = Object.keys(p.rows[0] ?? {});
  const cells = p.rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.min(24, Math.max(c.length, ...cells.map((r) => r[i]!.length))));
  const line = (cs: string[]) => `  ${cs.map((c, i) => c.slice(0, widths[i]).padEnd(widths[i]!)).join('  ')}`.trimEnd();
  const head = `${p.name}: ${p.total} row(s)${p.total > p.rows.length ? `, the first ${p.rows.length}` : ''}`;
  return p.rows.length ? [head, line(cols), ...cells.map(line)].join('\n') : head;
}

function renderProgress(p: DemoProgress): string {
  if (p.kind === 'deployed') return `deployed ${p.nodes} nodes (${p.stages} stages applied) in ${Math.round(p.durationMs)} ms`;
  const r = p.report;
  return `batch ${p.index + 1}/${p.total} ${p.name}: ${r.load.rowsLoaded} rows in ${r.load.filesLoaded} files (${r.load.durationMs} ms), refresh ${Math.round(r.refresh.durationMs)} ms ${renderLevels(r)}`;
}

const int = (flag: string, example: number) => integerOption(flag, { min: 1, hint: `e.g. ${flag} ${example}` });

export function registerDemo(program: Command): void {
  const d = PROJECT_SAMPLE_DEFAULTS;
  program
    .command('demo')
    .description('Run the project locally on embedded PGlite (.mvkit/demo, wiped): deploy, synthetic data from its models (as mvkit generate writes it) in batches, load + incremental refresh after each, then the first rows of what it serves.')
    .option('--tenants <n>', 'tenants', int('--tenants', 6), d.tenants)
    .option('--events <n>', 'events per stream (for a stream join: keys)', int('--events', 20_000), d.events)
    .option('--batches <n>', 'batches the day is cut into', int('--batches', 8), d.batches)
    .option('--seed <n>', 'PRNG seed', int('--seed', 42), d.seed)
    .action(async (opts: { tenants: number; events: number; batches: number; seed: number }, cmd: Command) => {
      const started = performance.now();
      const { CompileError } = await import('@mvkit/compiler');
      const { openPglite } = await import('@mvkit/runtime');
      const { runProjectDemo } = await import('@mvkit/runtime/run/index.ts');
      const { result } = await loadAndCompile(cmd, 'postgres');
      if (!result.ok || !result.manifest) throw new CompileError([...result.diagnostics]);
      const dir = join(projectDir(cmd), '.mvkit', 'demo');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const db = await openPglite(join(dir, 'pglite'));
      const trace = ivmTraceFromEnv();
      try {
        const r = await runProjectDemo(db, result.manifest, result.graph.models.values(), {
          dir, tenants: opts.tenants, refresh: trace ? { trace } : {}, events: opts.events, batches: opts.batches, seed: opts.seed,
          onProgress: (p) => process.stdout.write(`${renderProgress(p)}\n`),
        });
        process.stdout.write(`\n${r.previews.map(renderPreview).join('\n\n')}\n\n`);
        process.stdout.write(`${r.records} CDC rows in ${r.batches.length} batches; data in ${dir}; ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      } finally {
        await db.close();
      }
    });
}
