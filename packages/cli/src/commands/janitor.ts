import type { Command } from 'commander';
import { TARGET_OPTION, withDeployment } from './plan.ts';

export function registerJanitor(program: Command): void {
  program
    .command('janitor')
    .description('Blue/green: drop the physical versions no environment serves. Those the last switch of an environment replaced are kept for mvkit rollback unless --all.')
    .option(...TARGET_OPTION)
    .option('--all', 'drop the versions kept for rollback too')
    .option('--dry-run', 'list what would be dropped, change nothing')
    .option('--json', 'print the versions dropped and kept as JSON')
    .action(async (opts: { target?: string; all?: boolean; dryRun?: boolean; json?: boolean }, cmd: Command) => {
      const { janitor, planJanitor } = await import('@mvkit/runtime/versions/rollback.ts');
      const { renderJanitor } = await import('@mvkit/runtime/versions/render.ts');
      await withDeployment(cmd, opts.target, async (d) => {
        const options = { all: opts.all ?? false };
        const plan = opts.dryRun ? await planJanitor(d.db, options) : await janitor(d.db, d.engine, options);
        if (opts.json) process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
        else process.stdout.write(renderJanitor(plan, opts.dryRun ?? false));
      });
    });
}
