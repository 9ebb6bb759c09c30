import type { Command } from 'commander';
import type { BatchReport } from '@mvkit/runtime/run/index.ts';
import { ivmTraceFromEnv } from '../ivm-trace.ts';
import { integerOption, secondsOption } from '../option-values.ts';
import { loadAndCompile } from '../project-options.ts';
import { landingDir } from './generate.ts';
import { THREADS_OPTION } from './refresh.ts';
import { ASSERT_OPTION } from './check.ts';

/** `L1 messages 12ms · L2 messages_enriched 8ms · …`: refresh time per level of the graph. */
export function renderLevels(r: BatchReport): string {
  return r.refresh.levels.map((l) => `L${l.level} ${l.nodes.join('+')} ${Math.round(l.durationMs)}ms`).join(' · ');
}

function renderBatch(r: BatchReport): string {
  const fresh = r.freshnessMs === null ? 'freshness –' : `freshness ${(r.freshnessMs / 1000).toFixed(2)} s (event ${r.newestEventAt} visible ${r.visibleAt})`;
  const sync = r.sync ? `; sync ${Math.round(r.sync.durationMs)} ms (${r.sync.results.reduce((n, x) => n + x.upserted + x.deleted, 0)} rows)` : '';
  return `batch ${r.batch}: loaded ${r.load.rowsLoaded} rows from ${r.load.filesLoaded} files${r.load.rowsRejected ? ` (${r.load.rowsRejected} rejected)` : ''} in ${r.load.durationMs} ms; refresh ${Math.round(r.refresh.durationMs)} ms [${renderLevels(r)}]; ${fresh}${sync}`;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Loop: load new landing files, refresh every MV as mvkit refresh does (recorded in its history), record freshness (newest event → visible in the top rollup); every --interval seconds until Ctrl-C (ends after the current batch). Deploy with mvkit apply first.')
    .option('--interval <s>', 'seconds between batches', secondsOption('--interval', 'mvkit run --interval 1 --batches 10'), 5)
    .option('--batches <n>', 'stop after N batches', integerOption('--batches', { min: 1, hint: 'mvkit run --interval 1 --batches 10' }))
    .option('--landing <dir>', 'landing directory (default: the project\'s landingDir, landing/)')
    .option('-t, --target <name>', 'target of mvkit.config.ts (default: its defaultTarget)')
    .option(...THREADS_OPTION)
    .option('--json', 'one JSON object per batch')
    .option('--no-sync', 'do not end each batch with mvkit sync into the operational database (default: sync when a model is served)')
    .option(...ASSERT_OPTION)
    .action(async (opts: { interval: number; batches?: number; landing?: string; target?: string; threads?: number; json?: boolean; sync: boolean; assert?: boolean }, cmd: Command) => {
      const { CompileError } = await import('@mvkit/compiler');
      const { engineFor, LoadError, openTarget, resolveTarget } = await import('@mvkit/runtime');
      const { runPlatform } = await import('@mvkit/runtime/run/index.ts');
      const { servedManifest } = await import('@mvkit/runtime/versions/served.ts');
      const { assertionsFailed, assertionsFor, renderAssertionFailures, runAssertions } = await import('@mvkit/runtime/assertions/run-assertions.ts');
      const { project, result } = await loadAndCompile(cmd, 'postgres');
      if (!result.manifest) throw new CompileError([...result.diagnostics]);
      const target = resolveTarget(project, opts.target, process.env);
      if (target.engine === 'redshift') throw new LoadError('mvkit run drives the local engines', { hint: 'on Redshift, COPY from S3 and let REFRESH (or AUTO REFRESH) run there' });
      const landing = await landingDir(cmd, opts.landing);
      const db = await openTarget(target);
      const { deployedOperational } = await import('./sync-hooks.ts');
      const syncTo = opts.sync ? await deployedOperational(project, result.manifest) : undefined;
      const stop = new AbortController();
      const onSigint = () => {
        if (stop.signal.aborted) process.exit(130);
        process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit now)\n');
        stop.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const trace = ivmTraceFromEnv();
        await runPlatform(db, await servedManifest(db, result.manifest), await engineFor(db), {
          landing, intervalS: opts.interval, ...(syncTo ? { syncTo } : {}), ...(opts.batches ? { batches: opts.batches } : {}), signal: stop.signal,
          refresh: { ...(opts.threads ? { threads: opts.threads } : {}), ...(trace ? { trace } : {}) },
          onBatch: async (r) => {
            process.stdout.write(`${opts.json ? JSON.stringify(r) : renderBatch(r)}\n`);
            // After each batch's refresh, as mvkit refresh does; an error-level failure ends the loop's exit code at 1, not the loop.
            if (opts.assert === false) return;
            const checked = await runAssertions(db, assertionsFor(result.graph, result.manifest!), 'run');
            process.stderr.write(renderAssertionFailures(checked));
            if (assertionsFailed(checked)) process.exitCode = 1;
          },
        });
      } finally {
        process.off('SIGINT', onSigint);
        await syncTo?.close();
        await db.close();
      }
    });
}
