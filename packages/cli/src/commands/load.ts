import type { Command } from 'commander';
import { CompileError } from '@mvkit/compiler';
import { LoadError, openTarget, resolveTarget } from '@mvkit/runtime';
import { loadLanding, type LoadSummary } from '@mvkit/runtime/load/index.ts';
import { loadAndCompile } from '../project-options.ts';
import { landingDir } from './generate.ts';

export function renderLoadSummary(s: LoadSummary): string {
  const lines = [`loaded ${s.filesLoaded} file(s), ${s.rowsLoaded} row(s); ${s.rowsRejected} row(s) rejected; ${s.filesSkipped} file(s) skipped (${s.durationMs} ms)`];
  for (const f of s.files) {
    if (f.status === 'duplicate') lines.push(`  skipped ${f.path}: same content as ${f.duplicateOf}`);
    if (f.status === 'unknown-feed') lines.push(`  skipped ${f.path}: "${f.feed}" is no stream or dimension of the project`);
    if (f.rejectsFile) lines.push(`  ${f.path}: ${f.rejected} rejected → ${f.rejectsFile}`);
  }
  for (const r of s.rejects.slice(0, 10)) lines.push(`  ${r.file}:${r.line}: ${r.error}`);
  if (s.rowsRejected > 10) lines.push(`  … ${s.rowsRejected - 10} more in the rejects files`);
  return lines.join('\n');
}

export function registerLoad(program: Command): void {
  program
    .command('load')
    .description('Load new CDC files from the landing directory into the streams and dimensions, exactly once (one transaction per file; malformed rows go to landing/_rejects/).')
    .option('--landing <dir>', 'landing directory (default: the project\'s landingDir, landing/)')
    .option('-t, --target <name>', 'target of mvkit.config.ts (default: its defaultTarget)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { landing?: string; target?: string; json?: boolean }, cmd: Command) => {
      const { project, result } = await loadAndCompile(cmd, 'postgres');
      if (!result.manifest) throw new CompileError([...result.diagnostics]);
      const target = resolveTarget(project, opts.target);
      if (target.engine === 'redshift') {
        throw new LoadError('mvkit load writes through a connection and Redshift loads from S3', { hint: 'upload the files to S3 and run the COPY statements of redshiftCopyPlan (packages/runtime/src/load/redshift-copy.ts)' });
      }
      const landing = await landingDir(cmd, opts.landing);
      const db = await openTarget(target);
      const tty = process.stderr.isTTY && !opts.json;
      try {
        const summary = await loadLanding(db, result.manifest, {
          landing,
          ...(tty ? { onProgress: (p) => { if (p.kind === 'file') process.stderr.write(`\r\x1b[Kloading ${p.index + 1}/${p.total} ${p.path}`); } } : {}),
        });
        if (tty) process.stderr.write('\r\x1b[K');
        process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${renderLoadSummary(summary)}\n`);
      } finally {
        await db.close();
      }
    });
}
