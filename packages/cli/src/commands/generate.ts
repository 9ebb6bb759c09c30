import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '@mvkit/compiler/errors';
import { PROJECT_SAMPLE_DEFAULTS } from '@mvkit/runtime/sample/defaults.ts';
import { integerOption } from '../option-values.ts';
import { loadAndCompile, projectDir } from '../project-options.ts';

const int = (name: string, min?: number) => integerOption(`--${name}`, { min, hint: `e.g. --${name} 10` });

/** The landing directory: --landing, else the project's `landingDir` (default `landing/`). */
export async function landingDir(cmd: Command, given?: string): Promise<string> {
  if (given) return resolve(given);
  const dir = projectDir(cmd);
  const { loadProject } = await import('@mvkit/compiler');
  const config = (await loadProject(dir).catch(() => undefined))?.config;
  const l = config?.landingDir ?? 'landing';
  return isAbsolute(l) ? l : join(dir, l);
}

const HELP = `
What it writes, from the project's models:
  <out>/<batch>/<feed>.ndjson, one folder per batch named by its time (they load in order);
  feed = a dimension's or a stream's name (the member streams of a stream join under their own names).
  Dimensions: every row inserted in the first batch (a few per tenant for a tenant-scoped dimension, shared
  rows for a global one), then updates, new rows and deletes (op column; delete rows carry the key only).
  Streams: events typed by their columns, event times inside the window (some late, some out of order, a
  few delivered twice); columns an enrichment joins to a dimension take that dimension's keys (a few find
  none); a stream join's members share keys and arrive before and after one another.
The same options and seed write the same bytes.`;

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Write deterministic synthetic CDC files for the project\'s dimensions and streams into the landing directory, one folder per timestamped batch.')
    .option('--out <dir>', 'directory to write the batches into (default: the project\'s landingDir, landing/)')
    .option('--landing <dir>', 'the same as --out')
    .option('--seed <n>', 'PRNG seed: the same seed writes the same files', int('seed'), PROJECT_SAMPLE_DEFAULTS.seed)
    .option('--tenants <n>', 'number of tenants', int('tenants', 1), PROJECT_SAMPLE_DEFAULTS.tenants)
    .option('--events <n>', 'events per stream (for a stream join: keys, each with events of its member streams)', int('events', 0), PROJECT_SAMPLE_DEFAULTS.events)
    .option('--batches <n>', 'number of batches (folders) the window is cut into', int('batches', 1), PROJECT_SAMPLE_DEFAULTS.batches)
    .option('--hours <n>', 'length of the window in hours', int('hours', 1), PROJECT_SAMPLE_DEFAULTS.hours)
    .option('--start <iso>', 'start of the window (UTC)', PROJECT_SAMPLE_DEFAULTS.start.toISOString())
    .addHelpText('after', HELP)
    .action(async (opts: { out?: string; landing?: string; seed: number; tenants: number; events: number; batches: number; hours: number; start: string }, cmd: Command) => {
      const start = new Date(opts.start);
      if (Number.isNaN(start.getTime())) throw new UsageError(`--start "${opts.start}" is not a time`, { hint: 'use ISO 8601, e.g. 2026-11-27T00:00:00Z' });
      const { CompileError } = await import('@mvkit/compiler');
      const { generateProjectSample, projectShape, writeProjectBatches } = await import('@mvkit/runtime/sample/index.ts');
      const { result } = await loadAndCompile(cmd, 'postgres', { requireIncremental: false });
      if (!result.manifest) throw new CompileError([...result.diagnostics]);
      const landing = await landingDir(cmd, opts.out ?? opts.landing);
      const shape = projectShape(result.manifest, result.graph.models.values());
      const batches = generateProjectSample(shape, { seed: opts.seed, tenants: opts.tenants, events: opts.events, batches: opts.batches, hours: opts.hours, start });
      const s = writeProjectBatches(landing, batches);
      const counts = Object.entries(s.records).sort(([a], [b]) => (a < b ? -1 : 1)).map(([f, n]) => `${f} ${n}`).join(', ');
      process.stdout.write(`wrote ${s.batches} batches, ${s.files.length} files into ${landing}\n` +
        `  records: ${counts || 'none (the project declares no streams or dimensions)'}\n` +
        `  first: ${batches[0]?.name}  last: ${batches[batches.length - 1]?.name}\n`);
    });
}
