import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Manifest } from '@mvkit/compiler';
import { UsageError } from '@mvkit/compiler/errors';
import type { LoadSummary } from '@mvkit/runtime/load/index.ts';
import { loadAndCompile } from '../project-options.ts';
import { landingDir } from './generate.ts';

export function renderLoadSummary(s: LoadSummary): string {
  const lines = [`loaded ${s.filesLoaded} file(s), ${s.rowsLoaded} row(s); ${s.rowsRejected} row(s) rejected; ${s.filesSkipped} file(s) skipped (${s.durationMs} ms)`];
  for (const f of s.files) {
    if (f.status === 'unknown-feed') lines.push(`  skipped ${f.path}: "${f.feed}" is no stream or dimension of the project`);
    if (f.rejectsFile) lines.push(`  ${f.path}: ${f.rejected} rejected → ${f.rejectsFile}`);
  }
  for (const r of s.rejects.slice(0, 10)) lines.push(`  ${r.file}:${r.line}: ${r.error}`);
  if (s.rowsRejected > 10) lines.push(`  … ${s.rowsRejected - 10} more in the rejects files`);
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

/** Writes the COPY manifests and the SQL for loading the landing files from S3 into Redshift; runs nothing. */
async function writeRedshiftCopy(manifest: Manifest, landing: string, s3: string, iamRole: string, out: string, queryGroup: string | undefined): Promise<string> {
  const m = /^s3:\/\/([^/]+)\/?(.*?)\/?$/.exec(s3);
  if (!m) throw new UsageError(`--redshift-copy ${s3} is not an S3 URL`, { hint: 'use s3://bucket/prefix, where the landing files are uploaded as they are laid out locally' });
  const { dimensionFeeds, listLandingFiles, redshiftCopyPlan } = await import('@mvkit/runtime/load/index.ts');
  const files = listLandingFiles(landing, dimensionFeeds(manifest)).map((path) => {
    const bytes = readFileSync(join(landing, path));
    const header = path.endsWith('.csv') ? bytes.toString('utf8').split('\n', 1)[0]!.replace(/\r$/, '').split(',') : undefined;
    return { path, sha256: createHash('sha256').update(bytes).digest('hex'), ...(header ? { header } : {}) };
  });
  const load = new Date().toISOString().slice(0, 19).replace(/:/g, '-') + 'Z';
  const plan = redshiftCopyPlan({ manifest, files, bucket: m[1]!, prefix: m[2]!, iamRole, load, ...(queryGroup ? { queryGroup: queryGroup === 'none' ? null : queryGroup } : {}) });
  mkdirSync(out, { recursive: true });
  for (const f of plan.manifests) writeFileSync(join(out, basename(f.key)), f.content);
  writeFileSync(join(out, 'copy.sql'), `${plan.statements.join('\n')}\n`);
  return `wrote ${plan.manifests.length} COPY manifest(s) and copy.sql into ${out}: upload the manifests to s3://${m[1]}/${m[2]}/_copy/${load}/, then run copy.sql` +
    (plan.unknown.length ? `\n  not loaded by COPY (no stream or dimension of the project, or a stream Redshift reads by streaming ingestion): ${plan.unknown.join(', ')}` : '');
}

export function registerLoad(program: Command): void {
  program
    .command('load')
    .description('Load new CDC files from the landing directory into the streams and dimensions, exactly once (one transaction per file; malformed rows go to landing/_rejects/).')
    .option('--landing <dir>', 'landing directory (default: the project\'s landingDir, landing/)')
    .option('-t, --target <name>', 'target of mvkit.config.ts (default: its defaultTarget)')
    .option('--json', 'print the summary as JSON')
    .option('--redshift-copy <s3url>', 'instead of loading: write COPY manifests and copy.sql for Redshift, the files being uploaded under this s3://bucket/prefix')
    .option('--iam-role <arn>', 'with --redshift-copy: the IAM role COPY reads S3 with')
    .option('--out <dir>', 'with --redshift-copy: output directory', 'target/redshift-copy')
    .option('--query-group <name>', 'with --redshift-copy: the WLM query group copy.sql sets (default mvkit_load; "none" for none)')
    .action(async (opts: { landing?: string; target?: string; json?: boolean; redshiftCopy?: string; iamRole?: string; out: string; queryGroup?: string }, cmd: Command) => {
      const { CompileError } = await import('@mvkit/compiler');
      if (opts.redshiftCopy) {
        if (!opts.iamRole) throw new UsageError('--redshift-copy needs --iam-role', { hint: 'e.g. --iam-role arn:aws:iam::123456789012:role/mvkit-copy' });
        const { result } = await loadAndCompile(cmd, 'redshift');
        if (!result.manifest) throw new CompileError([...result.diagnostics]);
        process.stdout.write(`${await writeRedshiftCopy(result.manifest, await landingDir(cmd, opts.landing), opts.redshiftCopy, opts.iamRole, resolve(opts.out), opts.queryGroup)}\n`);
        return;
      }
      const { LoadError, openTarget, resolveTarget } = await import('@mvkit/runtime');
      const { loadLanding } = await import('@mvkit/runtime/load/index.ts');
      const { project, result } = await loadAndCompile(cmd, 'postgres');
      if (!result.manifest) throw new CompileError([...result.diagnostics]);
      const target = resolveTarget(project, opts.target, process.env);
      if (target.engine === 'redshift') {
        throw new LoadError('mvkit load writes through a connection and Redshift loads from S3', { hint: 'upload the landing files to S3, then: mvkit load --redshift-copy s3://bucket/prefix --iam-role ARN (writes the COPY manifests and SQL)' });
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
