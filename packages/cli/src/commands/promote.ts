import type { Command } from 'commander';
import { TARGET_OPTION, withDeployment } from './plan.ts';

export function registerPromote(program: Command): void {
  program
    .command('promote <env>')
    .description('Blue/green: make environment ENV\'s versions production\'s, by switching production\'s views in one transaction (no data is copied: the versions are shared). mvkit rollback undoes it.')
    .option(...TARGET_OPTION)
    .option('--dry-run', 'show what would switch, change nothing')
    .option('--json', 'print the switch as JSON')
    .action(async (env: string, opts: { target?: string; dryRun?: boolean; json?: boolean }, cmd: Command) => {
      const { planPromote, promote } = await import('@mvkit/runtime/versions/rollback.ts');
      const { renderSwitchPlan } = await import('@mvkit/runtime/versions/render.ts');
      await withDeployment(cmd, opts.target, async (d) => {
        const plan = opts.dryRun ? await planPromote(d.db, env) : await promote(d.db, d.engine, env);
        if (opts.json) process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
        else process.stdout.write(renderSwitchPlan('promote', plan) + (opts.dryRun ? '(dry run: nothing changed)\n' : plan.switch.length ? 'promoted.\n' : ''));
      });
    });
}
