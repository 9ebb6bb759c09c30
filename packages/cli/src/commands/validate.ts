import type { Command } from 'commander';
import { loadAndCompile } from '../project-options.ts';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check the project: references, cycles, types, tenant isolation, physical design and Redshift incremental-refresh eligibility. Exits 1 on any error.')
    .option('--json', 'print the diagnostics as a JSON array')
    .option('--format <format>', 'text or github (workflow annotations)', 'text')
    .option('--require-incremental', 'an MV that Redshift would recompute fully is an error')
    .action(async (opts: { json?: boolean; format: string; requireIncremental?: boolean }, cmd: Command) => {
      const { renderGithub, renderText, summary } = await import('../render-diagnostics.ts');
      const { result } = await loadAndCompile(cmd, 'redshift', opts.requireIncremental ? { requireIncremental: true } : {});
      const ds = result.diagnostics;
      if (opts.json) process.stdout.write(JSON.stringify(ds, null, 2) + '\n');
      else if (opts.format === 'github') process.stdout.write((ds.length ? renderGithub(ds) + '\n' : ''));
      else process.stdout.write(`${ds.length ? renderText(ds) + '\n' : ''}${result.graph.models.size} models: ${summary(ds)}\n`);
      process.exitCode = result.ok ? 0 : 1;
    });
}
