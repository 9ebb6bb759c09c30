import type { Command } from 'commander';
import { destructiveError, planDeployment } from '@mvkit/runtime/apply/apply.ts';
import { openDeployment, type Deployment } from '@mvkit/runtime/apply/deployment.ts';
import { planJson, renderPlan } from '@mvkit/runtime/plan/render-plan.ts';
import { projectDir } from '../project-options.ts';
import { renderText } from '../render-diagnostics.ts';
import { planOperationalHook } from './sync.ts';

export const TARGET_OPTION = ['-t, --target <name>', 'a target of mvkit.config.ts (default: its defaultTarget, else local PGlite)'] as const;

/** Compiles for the target's engine, prints compile warnings, runs `fn`, closes the connection. */
export async function withDeployment<T>(cmd: Command, target: string | undefined, fn: (d: Deployment) => Promise<T>): Promise<T> {
  const d = await openDeployment(projectDir(cmd), target, process.env);
  try {
    const warnings = d.compiled.diagnostics.filter((x) => x.severity === 'warning');
    if (warnings.length && !(cmd.opts() as { json?: boolean }).json) process.stderr.write(renderText(warnings) + '\n');
    return await fn(d);
  } finally {
    await d.close();
  }
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('Show what apply would do: the project against the state deployed on the target, as ordered stages with their SQL and cause.')
    .option(...TARGET_OPTION)
    .option('--json', 'print the plan as JSON')
    .option('--sql', 'print every statement in full')
    .option('--allow-destructive', 'accept stages that lose data (dropping a table with rows, dropping or retyping a column)')
    .action(async (opts: { target?: string; json?: boolean; sql?: boolean; allowDestructive?: boolean }, cmd: Command) => {
      await withDeployment(cmd, opts.target, async (d) => {
        const plan = await planDeployment(d.db, d.engine, d.manifest);
        if (opts.json) process.stdout.write(JSON.stringify(planJson(plan), null, 2) + '\n');
        else process.stdout.write(renderPlan(plan, { target: d.target.name, full: opts.sql ?? false }));
        await planOperationalHook(d.project, d.manifest, { json: opts.json ?? false, full: opts.sql ?? false });
        if (plan.destructive.length && !opts.allowDestructive) throw destructiveError(plan);
      });
    });
}
