import type { Command } from 'commander';
import { CompileError, MvkitError } from '@mvkit/compiler';
import { LoadError, openTarget, resolveTarget } from '@mvkit/runtime';
import { platformEngine, runPlatform, type BatchReport } from '@mvkit/runtime/run/index.ts';
import { loadAndCompile } from '../project-options.ts';
import { landingDir } from './generate.ts';

/** `L1 messages 12ms · L2 messages_enriched 8ms · …`: refresh time per level of the graph. */
export function renderLevels(r: BatchReport): string {
  return r.refresh.levels.map((l) => `L${l.level} ${l.nodes.join('+')} ${Math.round(l.durationMs)}ms`).join(' · ');
}

function renderBatch(r: BatchReport): string {
  const fresh = r.freshnessMs === null ? 'freshness –' : `freshness ${(r.freshnessMs / 1000).toFixed(2)} s (event ${r.newestEventAt} visible ${r.visibleAt})`;
  return `batch ${r.batch}: loaded ${r.load.rowsLoaded} rows from ${r.load.filesLoaded} files${r.load.rowsRejected ? ` (${r.load.rowsRejected} rejected)` : ''} in ${r.load.durationMs} ms; refresh ${Math.round(r.refresh.durationMs)} ms [${renderLevels(r)}]; ${fresh}`;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Loop: load new landing files, refresh every MV, record freshness (newest event → visible in the top rollup); every --interval seconds until Ctrl-C (ends after the current batch).')
    .option('--interval <s>', 'seconds between batches', (v) => Number(v), 5)
    .option('--batches <n>', 'stop after N batches', (v) => Number(v))
    .option('--landing <dir>', 'landing directory (default: the project\'s landingDir, landing/)')
    .option('-t, --target <name>', 'target of mvkit.config.ts (default: its defaultTarget)')
    .option('--json', 'one JSON object per batch')
    .action(async (opts: { interval: number; batches?: number; landing?: string; target?: string; json?: boolean }, cmd: Command) => {
      if (!(opts.interval >= 0) || (opts.batches !== undefined && !(Number.isInteger(opts.batches) && opts.batches > 0))) {
        throw new MvkitError('--interval must be a number of seconds and --batches a positive integer', { hint: 'e.g. mvkit run --interval 1 --batches 10' });
      }
      const { project, result } = await loadAndCompile(cmd, 'postgres');
      if (!result.manifest) throw new CompileError([...result.diagnostics]);
      const target = resolveTarget(project, opts.target);
      if (target.engine === 'redshift') throw new LoadError('mvkit run drives the local engines', { hint: 'on Redshift, COPY from S3 and let REFRESH (or AUTO REFRESH) run there' });
      const landing = await landingDir(cmd, opts.landing);
      const db = await openTarget(target);
      const stop = new AbortController();
      const onSigint = () => {
        if (stop.signal.aborted) process.exit(130);
        process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit now)\n');
        stop.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const engine = await platformEngine();
        await runPlatform(db, result.manifest, engine, {
          landing, intervalS: opts.interval, ...(opts.batches ? { batches: opts.batches } : {}), signal: stop.signal,
          onBatch: (r) => process.stdout.write(`${opts.json ? JSON.stringify(r) : renderBatch(r)}\n`),
        });
      } finally {
        process.off('SIGINT', onSigint);
        await db.close();
      }
    });
}
