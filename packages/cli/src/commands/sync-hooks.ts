// The operational database's part of plan, apply and run, and what mvkit sync shares with them.
// Loaded only when one of those commands runs (imports the compiler and the runtime).
import { existsSync } from 'node:fs';
import { servedNodes, type Manifest, type Project } from '@mvkit/compiler';
import type { Db } from '@mvkit/runtime';
import { openOperational, resolveOperational, type OperationalTarget } from '@mvkit/runtime/serving/operational.ts';
import { deployOperational, planOperational, renderOperationalPlan, type OperationalStage } from '@mvkit/runtime/serving/operational-plan.ts';
import type { SyncResult } from '@mvkit/runtime/serving/sync.ts';
import { maskUrl } from '@mvkit/runtime/db/url.ts';

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

export const describeTarget = (t: OperationalTarget) => (t.kind === 'pglite' ? `PGlite ${t.location}` : maskUrl(t.location));

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

