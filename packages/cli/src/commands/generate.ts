import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadProject, UsageError } from '@mvkit/compiler';
import { generateSample, SAMPLE_DEFAULTS, writeSample, type SampleFormat } from '@mvkit/runtime/sample/index.ts';
import { integerOption } from '../option-values.ts';
import { projectDir } from '../project-options.ts';

const int = (name: string, min?: number) => integerOption(`--${name}`, { min, hint: `e.g. --${name} 10` });

/** The landing directory: --landing, else the project's `landingDir` (default `landing/`). */
export async function landingDir(cmd: Command, given?: string): Promise<string> {
  if (given) return resolve(given);
  const dir = projectDir(cmd);
  const config = (await loadProject(dir).catch(() => undefined))?.config;
  const l = config?.landingDir ?? 'landing';
  return isAbsolute(l) ? l : join(dir, l);
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Write deterministic sample CDC files (tenants, campaigns, channels, submissions, receipts) into the landing directory, one folder per timestamped batch.')
    .option('--landing <dir>', 'landing directory (default: the project\'s landingDir, landing/)')
    .option('--seed <n>', 'PRNG seed: the same seed writes the same files', int('seed'), SAMPLE_DEFAULTS.seed)
    .option('--tenants <n>', 'number of tenants', int('tenants', 1), SAMPLE_DEFAULTS.tenants)
    .option('--events <n>', 'message submissions over the period (receipts come on top, ~2.3 per message)', int('events', 0), SAMPLE_DEFAULTS.events)
    .option('--batches <n>', 'number of batches (folders) the period is cut into', int('batches', 1), SAMPLE_DEFAULTS.batches)
    .option('--hours <n>', 'length of the period in hours', int('hours', 1), SAMPLE_DEFAULTS.hours)
    .option('--start <iso>', 'start of the period (UTC)', SAMPLE_DEFAULTS.start.toISOString())
    .option('--format <format>', 'mixed, ndjson or csv', 'mixed')
    .action(async (opts: { landing?: string; seed: number; tenants: number; events: number; batches: number; hours: number; start: string; format: string }, cmd: Command) => {
      if (!['mixed', 'ndjson', 'csv'].includes(opts.format)) throw new UsageError(`unknown --format "${opts.format}"`, { hint: 'use mixed, ndjson or csv' });
      const start = new Date(opts.start);
      if (Number.isNaN(start.getTime())) throw new UsageError(`--start "${opts.start}" is not a time`, { hint: 'use ISO 8601, e.g. 2026-11-27T00:00:00Z' });
      const landing = await landingDir(cmd, opts.landing);
      const batches = generateSample({ seed: opts.seed, tenants: opts.tenants, events: opts.events, batches: opts.batches, hours: opts.hours, start });
      const s = writeSample(landing, batches, opts.format as SampleFormat);
      const r = s.records;
      process.stdout.write(`wrote ${s.batches} batches, ${s.files.length} files into ${landing}\n` +
        `  ${r.message_submissions} submissions, ${r.delivery_receipts} receipts; ${r.tenants} tenant, ${r.campaigns} campaign, ${r.channels} channel records\n` +
        `  first: ${batches[0]?.name}  last: ${batches[batches.length - 1]?.name}\n`);
    });
}
