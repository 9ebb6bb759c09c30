import type { Command } from 'commander';
import { afterRefreshAssertions, ASSERT_OPTION } from './check.ts';
import { ivmTraceFromEnv } from '../ivm-trace.ts';
import { integerOption } from '../option-values.ts';
import { TARGET_OPTION, withDeployment } from './plan.ts';

function progressBar(): ((done: number, total: number, node: string) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total, node) => {
    const width = 24;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${node.padEnd(32).slice(0, 32)}`);
    if (done === total) process.stderr.write('\n');
  };
}

export const THREADS_OPTION = [
  '--threads <n>',
  'local engine on native Postgres: MVs of independent branches refreshed at once, one connection each (default: the CPU count, at most 4; 1: one after the other)',
  integerOption('--threads', { min: 1, hint: 'use --threads 1 to refresh one MV at a time' }),
] as const;

export function registerRefresh(program: Command): void {
  program
    .command('refresh')
    .description('Refresh the MVs in dependency order and record each refresh (incremental or full, rows, duration).')
    .option(...TARGET_OPTION)
    .option('-s, --select <selectors...>', 'model, +model (and what it is built on), model+ (and what is built on it)')
    .option('--cascade', 'Redshift: REFRESH ... CASCADE on each top-most selected MV')
    .option('--query-group <name>', 'Redshift: the WLM query group the refresh session sets (default mvkit_refresh; "none" for none)')
    .option(...THREADS_OPTION)
    .option('--json', 'print the refreshes as JSON')
    .option(...ASSERT_OPTION)
    .action(async (opts: { target?: string; select?: string[]; cascade?: boolean; threads?: number; json?: boolean; queryGroup?: string; assert?: boolean }, cmd: Command) => {
      const { refreshDeployment } = await import('@mvkit/runtime/refresh/refresh.ts');
      const { redshiftEngine } = await import('@mvkit/runtime/engines/redshift-engine.ts');
      const { selectNodes } = await import('@mvkit/runtime/refresh/select-nodes.ts');
      const { physicalSelectors } = await import('@mvkit/runtime/versions/served.ts');
      const trace = ivmTraceFromEnv();
      await withDeployment(cmd, opts.target, async (d) => {
        const bar = opts.json ? undefined : progressBar();
        const engine = d.engine.kind === 'redshift' && opts.queryGroup ? redshiftEngine({ queryGroup: opts.queryGroup === 'none' ? null : opts.queryGroup }) : d.engine;
        const results = await refreshDeployment(d.db, engine, d.manifest, { ...(opts.select ? { select: physicalSelectors(d.manifest, opts.select) } : {}), cascade: opts.cascade ?? false, ...(bar ? { onProgress: bar } : {}), ...(opts.threads ? { threads: opts.threads } : {}), ...(trace ? { trace } : {}) });
        // The refresh has committed: assertions report on it, they do not undo it.
        const checked = opts.assert === false ? null : await afterRefreshAssertions(d, opts.select ? selectNodes(d.manifest, opts.select) : undefined, 'refresh');
        if (opts.json) {
          process.stdout.write(JSON.stringify(results, null, 2) + '\n');
          checked?.report();
          return;
        }
        for (const r of results) {
          const rows = r.rows === null ? '' : `, ${r.rows.toLocaleString('en-US')} rows`;
          const ms = r.durationMs === null ? '' : `, ${Math.round(r.durationMs)} ms`;
          process.stdout.write(`${r.node}: ${r.mode}${rows}${ms}${r.detail ? ` (${r.detail})` : ''}\n`);
        }
        process.stdout.write(`refreshed ${results.length} MV(s) on ${d.target.name}.\n`);
        checked?.report();
      });
    });
}
