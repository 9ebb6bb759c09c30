import type { Command } from 'commander';
import type { AnalyzeFlags } from './analyze-files.ts';

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description(
      'Check SQL files of materialized views for Redshift incremental refresh. Files are analyzed together: an MV built on ' +
        'another analyzed MV inherits its chain verdict. Statements that are not MVs (tables, views, REFRESH, as in a ' +
        '`mvkit compile --out` folder) are skipped and counted; the views (plain or late-binding) and external schemas ' +
        'they create are known to the MVs, so an MV over a view, or AUTO REFRESH over a Spectrum or federated schema, gets its verdict. ' +
        'A construct the Redshift documentation words ambiguously (date-time functions on timestamps, UNION ALL) makes the verdict "uncertain", with the certain rewrite. Exits 1 with --require-incremental if any is not incremental, 2 on unreadable or unparsable input.',
    )
    .argument('[files...]', 'SQL files, or directories (every *.sql inside, recursively, sorted)')
    .option('--target <target>', 'the warehouse whose rules apply (only redshift)', 'redshift')
    .option('--json', 'print a JSON array, one entry per file')
    .option('--require-incremental', 'exit 1 if any MV is not refreshed incrementally')
    .action(async (args: string[], flags: AnalyzeFlags) => {
      const { runAnalyze } = await import('./analyze-files.ts');
      process.exitCode = await runAnalyze(args, flags);
    });
}
