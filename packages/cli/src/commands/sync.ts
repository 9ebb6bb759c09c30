import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { auroraSyncSql, CompileError, emitKyselyTypes, servedNodes, UsageError, type Manifest, type Project } from '@mvkit/compiler';
import type { Db } from '@mvkit/runtime';
import { openTarget, resolveTarget } from '@mvkit/runtime';
import { openOperational, resolveOperational, type OperationalTarget } from '@mvkit/runtime/serving/operational.ts';
import { deployOperational, planOperational, renderOperationalPlan, type OperationalStage } from '@mvkit/runtime/serving/operational-plan.ts';
import { syncServed, type SyncResult } from '@mvkit/runtime/serving/sync.ts';
import { issueTenantToken } from '@mvkit/runtime/serving/tokens.ts';
import { maskUrl } from '@mvkit/runtime/db/url.ts';
import { loadAndCompile, projectDir } from '../project-options.ts';

/** The operational target of a project: MVKIT_OPERATIONAL_URL (read here: only the CLI reads the environment), else operational.url, else .mvkit/operational (PGlite). */
export function operationalTarget(project: Project): OperationalTarget {
  return resolveOperational(project.config, project.dir, process.env.MVKIT_OPERATIONAL_URL);
}

/**
 * Whether plan, apply and run involve the operational database: models are served and it is
 * declared (`operational` in mvkit.config.ts), or it is the default embedded one and exists
 * already (the first mvkit sync creates it). A project that serves models but never syncs pays
 * nothing for it.
 */
function operationalActive(project: Project, manifest: Manifest): boolean {
  if (!servedNodes(manifest).length) return false;
  return project.config.operational !== undefined || process.env.MVKIT_OPERATIONAL_URL !== undefined || existsSync(operationalTarget(project).location);
}

const describeTarget = (t: OperationalTarget) => (t.kind === 'pglite' ? `PGlite ${t.location}` : maskUrl(t.location));

/** `mvkit plan`'s operational section: nothing when the project serves nothing. */
export async function planOperationalHook(project: Project, manifest: Manifest, options: { json?: boolean; full?: boolean }): Promise<OperationalStage[]> {
  if (!operationalActive(project, manifest)) return [];
  const t = operationalTarget(project);
  const op = await openOperational(t);
  try {
    const stages = await planOperational(op, manifest, t.appRole);
    if (!options.json) process.stdout.write(`\n${renderOperationalPlan(stages, options.full ?? false).replace('Operational database', `Operational database (${describeTarget(t)})`)}`);
    return stages;
  } finally {
    await op.close();
  }
}

/** `mvkit apply`'s operational stage: creates, recreates and drops the served tables (their rows come with the next sync). */
export async function applyOperationalHook(project: Project, manifest: Manifest, options: { json?: boolean }): Promise<OperationalStage[]> {
  if (!operationalActive(project, manifest)) return [];
  const t = operationalTarget(project);
  const op = await openOperational(t);
  try {
    const stages = await deployOperational(op, manifest, t.appRole);
    if (!options.json) for (const s of stages) process.stdout.write(`  operational: ${s.action} ${s.model} (${s.cause})\n`);
    return stages;
  } finally {
    await op.close();
  }
}

/**
 * The operational database for `mvkit run` to sync into after each batch: none when nothing is
 * served, and none (with a warning) while its tables do not match the served models, so that a
 * run never stops for want of an apply.
 */
export async function deployedOperational(project: Project, manifest: Manifest): Promise<Db | undefined> {
  if (!operationalActive(project, manifest)) return undefined;
  const t = operationalTarget(project);
  const op = await openOperational(t);
  const pending = await planOperational(op, manifest, t.appRole).catch(() => [{ model: '?' }]);
  if (!pending.length) return op;
  await op.close();
  process.stderr.write(`mvkit run: not syncing: the operational database (${describeTarget(t)}) does not match the served models; run mvkit apply\n`);
  return undefined;
}

export function renderSync(results: readonly SyncResult[]): string {
  return results.map((r) => `${r.model}: ${r.mode}${r.mode === 'unchanged' ? '' : `, ${r.upserted} upserted, ${r.deleted} deleted`} at position ${r.position}${r.reason ? ` (${r.reason})` : ''}, ${Math.round(r.durationMs)} ms`).join('\n') + '\n';
}

interface SyncOpts { target?: string; emitTypes?: string; bigint?: string; issueToken?: string; auroraSql?: string; s3?: string; iamRole?: string; region?: string; json?: boolean }

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('Move what changed in the served models (served: true) since the last sync into the operational database (operational in mvkit.config.ts; default: PGlite under .mvkit/operational; MVKIT_OPERATIONAL_URL overrides), incrementally from the local engine\'s change logs, exactly once: rows and sync position commit together. The default embedded database is set up by sync itself; one reached by URL gets its tables through mvkit plan and apply.')
    .option('-t, --target <name>', 'the local target the served models are read from (default: the config\'s defaultTarget)')
    .option('--emit-types <file>', 'write a kysely Database interface for the served tables to FILE and exit (no database needed)')
    .option('--bigint <as>', 'with --emit-types: BIGINT columns as number (needs the int8 parser) or string', 'number')
    .option('--issue-token <tenant>', 'print a new secret token for TENANT: the app sets it as mvkit.token; row-level security shows that tenant\'s rows only')
    .option('--aurora-sql <dir>', 'write the Redshift → Aurora PostgreSQL path (UNLOAD, Aurora setup with RLS, per-run import) into DIR and exit; needs --s3, --iam-role, --region')
    .option('--s3 <url>', 'with --aurora-sql: s3://bucket/prefix/ for the unloads')
    .option('--iam-role <arn>', 'with --aurora-sql: the IAM role Redshift writes to S3 with')
    .option('--region <region>', 'with --aurora-sql: the bucket\'s region')
    .option('--json', 'print the results as JSON')
    .action(async (opts: SyncOpts, cmd: Command) => {
      const { project, result } = await loadAndCompile(cmd, opts.auroraSql ? 'redshift' : 'postgres');
      if (!result.ok || !result.manifest) throw new CompileError([...result.diagnostics]);
      const manifest = result.manifest;
      if (opts.emitTypes) {
        if (opts.bigint !== 'number' && opts.bigint !== 'string') throw new UsageError(`--bigint must be number or string, not "${opts.bigint}"`, { hint: 'mvkit sync --emit-types src/db.ts --bigint string' });
        const file = resolve(projectDir(cmd), opts.emitTypes);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, emitKyselyTypes(manifest, { bigint: opts.bigint }));
        process.stdout.write(`wrote the kysely types of ${servedNodes(manifest).length} served model(s) to ${file}\n`);
        return;
      }
      if (opts.auroraSql) {
        const missing = (['s3', 'iamRole', 'region'] as const).filter((k) => !opts[k]);
        if (missing.length) throw new UsageError(`--aurora-sql needs ${missing.map((m) => `--${m === 'iamRole' ? 'iam-role' : m}`).join(', ')}`, { hint: 'mvkit sync --aurora-sql target/aurora --s3 s3://bucket/prefix/ --iam-role arn:aws:iam::123456789012:role/unload --region eu-west-1' });
        if (!/^s3:\/\/[a-z0-9.-]+/.test(opts.s3!)) throw new UsageError(`--s3 must be an s3://bucket/prefix/ URL, not "${opts.s3}"`, { hint: '--s3 s3://my-bucket/mvkit/' });
        const sql = auroraSyncSql(manifest, { s3: opts.s3!, iamRole: opts.iamRole!, region: opts.region!, appRole: operationalTarget(project).appRole });
        const dir = resolve(projectDir(cmd), opts.auroraSql);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'redshift-unload.sql'), sql.redshiftUnload);
        writeFileSync(join(dir, 'aurora-setup.sql'), sql.auroraSetup);
        writeFileSync(join(dir, 'aurora-import.sql'), sql.auroraImport);
        process.stdout.write(`wrote redshift-unload.sql, aurora-setup.sql and aurora-import.sql to ${dir}\n`);
        return;
      }
      const t = operationalTarget(project);
      if (opts.issueToken !== undefined) {
        if (!opts.issueToken.trim()) throw new UsageError('--issue-token needs a tenant id', { hint: 'mvkit sync --issue-token acme' });
        const op = await openOperational(t);
        try {
          await deployOperational(op, manifest, t.appRole);
          const token = await issueTenantToken(op, opts.issueToken);
          process.stdout.write(opts.json ? `${JSON.stringify({ tenant: opts.issueToken, token })}\n` : `${token}\n`);
        } finally {
          await op.close();
        }
        return;
      }
      if (!servedNodes(manifest).length) throw new UsageError('no model is served', { hint: 'mark a servingView, aggregate or rollup with served: true' });
      const target = resolveTarget(project, opts.target, process.env);
      if (target.engine === 'redshift') throw new UsageError('mvkit sync reads the local engine\'s change logs; Redshift has none', { hint: 'for Redshift → Aurora, write the UNLOAD/import SQL with mvkit sync --aurora-sql DIR' });
      let local: Db | undefined;
      let op: Db | undefined;
      try {
        local = await openTarget(target);
        op = await openOperational(t);
        // The default embedded database is set up here, so that it needs no step of its own; one
        // reached by URL (production) changes schema only through mvkit plan and apply.
        if (t.kind === 'pglite') await deployOperational(op, manifest, t.appRole);
        const results = await syncServed(local, op, manifest);
        process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : `${renderSync(results)}synced ${results.length} served model(s) into ${describeTarget(t)}.\n`);
      } finally {
        await op?.close();
        await local?.close();
      }
    });
}
