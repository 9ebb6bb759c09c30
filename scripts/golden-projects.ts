import { join } from 'node:path';

/** Projects whose compiled output is committed under <project>/expected/<target>/. */
export const GOLDEN_PROJECTS = ['.', 'examples/quickstart'];
export const GOLDEN_TARGETS = ['redshift'] as const;
export const repoRoot = join(import.meta.dirname, '..');

/** What `mvkit plan --target redshift --sql` prints against an empty cluster: a pure function of the manifest. */
export async function emptyRedshiftPlan(manifest: import('@mvkit/compiler').Manifest): Promise<string> {
  const { buildPlan, renderPlan } = await import('@mvkit/runtime');
  const { redshiftPlanSql } = await import('../packages/runtime/src/plan/plan-sql.ts');
  const plan = buildPlan({ manifest, deployed: [], rows: new Map(), sql: redshiftPlanSql });
  return `${renderPlan(plan, { target: 'redshift', full: true })}\n`;
}
