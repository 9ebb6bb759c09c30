import type { Command } from 'commander';
import type { Deployment } from '@mvkit/runtime/apply/deployment.ts';
import { projectDir } from '../project-options.ts';

export const TARGET_OPTION = ['-t, --target <name>', 'a target of mvkit.config.ts (default: its defaultTarget, else local PGlite)'] as const;

/** Compiles for the target's engine, prints compile warnings, runs `fn`, closes the connection. */
export async function withDeployment<T>(cmd: Command, target: string | undefined, fn: (d: Deployment) => Promise<T>): Promise<T> {
  const { openDeployment } = await import('@mvkit/runtime/apply/deployment.ts');
  const { renderText } = await import('../render-diagnostics.ts');
  const d = await openDeployment(projectDir(cmd), target, process.env);
  try {
    const warnings = d.compiled.diagnostics.filter((x) => x.severity === 'warning');
    if (warnings.length && !(cmd.opts() as { json?: boolean }).json) process.stderr.write(renderText(warnings) + '\n');
    return await fn(d);
  } finally {
    await d.close();
  }
}

export const ENV_OPTION = ['--env <name>', 'blue/green: an environment (its views in schema NAME) that builds only what differs from production and reads production\'s versions for the rest'] as const;
export const BLUE_GREEN_OPTION = ['--blue-green', 'deploy blue/green: derived models become views over versioned relations, switched in one transaction (once a target is deployed so, every apply is)'] as const;

/** Whether this plan or apply goes blue/green: asked for, or the target is deployed so already. */
export async function blueGreenWanted(d: Deployment, opts: { env?: string; blueGreen?: boolean }): Promise<boolean> {
  const { usesBlueGreen } = await import('@mvkit/runtime/versions/served.ts');
  return !!opts.env || !!opts.blueGreen || (await usesBlueGreen(d.db));
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('Show what apply would do: the project against the state deployed on the target, as ordered stages with their SQL and cause.')
    .option(...TARGET_OPTION)
    .option('--json', 'print the plan as JSON')
    .option('--sql', 'print every statement in full')
    .option('--allow-destructive', 'accept stages that lose data (dropping a table with rows, dropping or retyping a column)')
    .option(...ENV_OPTION)
    .option(...BLUE_GREEN_OPTION)
    .action(async (opts: { target?: string; json?: boolean; sql?: boolean; allowDestructive?: boolean; env?: string; blueGreen?: boolean }, cmd: Command) => {
      const { destructiveError, planDeployment } = await import('@mvkit/runtime/apply/apply.ts');
      const { planJson, renderPlan } = await import('@mvkit/runtime/plan/render-plan.ts');
      await withDeployment(cmd, opts.target, async (d) => {
        if (await blueGreenWanted(d, opts)) {
          const { planBlueGreen } = await import('@mvkit/runtime/versions/blue-green.ts');
          const { renderBlueGreenPlan } = await import('@mvkit/runtime/versions/render.ts');
          const bg = await planBlueGreen(d.db, d.engine, d.logical, opts.env ? { env: opts.env } : {});
          if (opts.json) process.stdout.write(JSON.stringify({ ...bg, versioned: undefined, tables: planJson(bg.tables) }, null, 2) + '\n');
          else process.stdout.write(renderBlueGreenPlan(bg, d.target.name));
          if (bg.tables.destructive.length && !opts.allowDestructive) throw destructiveError(bg.tables);
          return;
        }
        const plan = await planDeployment(d.db, d.engine, d.logical);
        if (opts.json) process.stdout.write(JSON.stringify(planJson(plan), null, 2) + '\n');
        else process.stdout.write(renderPlan(plan, { target: d.target.name, full: opts.sql ?? false }));
        const { planOperationalHook } = await import('./sync-hooks.ts');
        await planOperationalHook(d.project, d.logical, { json: opts.json ?? false, full: opts.sql ?? false });
        if (plan.destructive.length && !opts.allowDestructive) throw destructiveError(plan);
      });
    });
}
