import type { Command } from 'commander';
import { TARGET_OPTION, withDeployment } from './plan.ts';

export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('Blue/green: switch the views back to the versions served before the last apply or promote (while mvkit janitor has not removed them), after refreshing those versions forward to the current data. One transaction; readers see all old or all new.')
    .option(...TARGET_OPTION)
    .option('--env <name>', 'the environment to roll back (default: production)')
    .option('--dry-run', 'show what would switch, change nothing')
    .option('--json', 'print the switch as JSON')
    .action(async (opts: { target?: string; env?: string; dryRun?: boolean; json?: boolean }, cmd: Command) => {
      const { planRollback, rollback } = await import('@mvkit/runtime/versions/rollback.ts');
      const { renderSwitchPlan } = await import('@mvkit/runtime/versions/render.ts');
      const { PRODUCTION } = await import('@mvkit/runtime/versions/version-state.ts');
      await withDeployment(cmd, opts.target, async (d) => {
        const env = opts.env ?? PRODUCTION;
        const plan = opts.dryRun ? await planRollback(d.db, env) : await rollback(d.db, d.engine, d.logical, env);
        if (opts.json) process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
        else process.stdout.write(renderSwitchPlan('rollback', plan) + (opts.dryRun ? '(dry run: nothing changed)\n' : 'rolled back.\n'));
      });
    });
}
