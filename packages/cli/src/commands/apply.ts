import type { Command } from 'commander';
import { BLUE_GREEN_OPTION, blueGreenWanted, ENV_OPTION, TARGET_OPTION, withDeployment } from './plan.ts';

/** Test hook: MVKIT_APPLY_PAUSE_AFTER_STAGE=N stops after stage N commits, until killed. */
function pauseHook(): ((done: number) => Promise<void>) | undefined {
  const n = Number(process.env.MVKIT_APPLY_PAUSE_AFTER_STAGE);
  if (!Number.isInteger(n) || n <= 0) return undefined;
  return async (done) => {
    if (done !== n) return;
    process.stderr.write(`mvkit: paused after stage ${n} (MVKIT_APPLY_PAUSE_AFTER_STAGE)\n`);
    await new Promise(() => setInterval(() => undefined, 60_000));
  };
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('Apply the plan: take the target\'s apply lock and run the stages in order, recording each. A killed apply is finished by the next one.')
    .option(...TARGET_OPTION)
    .option('--json', 'print the applied plan as JSON')
    .option('--allow-destructive', 'run stages that lose data (dropping a table with rows, dropping or retyping a column)')
    .option('--require-incremental', 'Redshift: after the apply, an MV predicted incremental that Redshift will recompute fully is an error, exit 1')
    .option(...ENV_OPTION)
    .option(...BLUE_GREEN_OPTION)
    .option('--non-breaking <models...>', 'blue/green: these models\' changes must not change their data: before the switch, row counts and a sample of rows are compared with the old versions (the apply stops on a difference)')
    .action(async (opts: { target?: string; json?: boolean; allowDestructive?: boolean; requireIncremental?: boolean; env?: string; blueGreen?: boolean; nonBreaking?: string[] }, cmd: Command) => {
      const { applyDeployment, planDeployment } = await import('@mvkit/runtime/apply/apply.ts');
      const { postDeployTruth, renderTruth } = await import('@mvkit/runtime/engines/redshift-truth.ts');
      const { planJson, renderPlan } = await import('@mvkit/runtime/plan/render-plan.ts');
      await withDeployment(cmd, opts.target, async (d) => {
        const pause = pauseHook();
        const started = Date.now();
        if (await blueGreenWanted(d, opts)) {
          const { applyBlueGreen } = await import('@mvkit/runtime/versions/blue-green.ts');
          const { renderBlueGreenPlan } = await import('@mvkit/runtime/versions/render.ts');
          const r = await applyBlueGreen(d.db, d.engine, d.logical, {
            ...(opts.env ? { env: opts.env } : {}),
            ...(opts.nonBreaking ? { nonBreaking: opts.nonBreaking } : {}),
            allowDestructive: opts.allowDestructive ?? false,
            afterStage: async (done, total, stage) => {
              if (!opts.json) process.stdout.write(`  [${done}/${total}] ${stage}\n`);
              await pause?.(done);
            },
          });
          if (opts.json) process.stdout.write(JSON.stringify({ applyId: r.applyId, build: r.plan.build, switch: r.plan.switch, kept: r.plan.kept, counts: r.counts }, null, 2) + '\n');
          else if (!r.applyId) process.stdout.write(`no changes: ${d.target.name}${opts.env ? ` environment ${opts.env}` : ''} matches the project.\n`);
          else {
            process.stdout.write(renderBlueGreenPlan(r.plan, d.target.name).split('\n').filter((l) => l.startsWith('    ') || l.startsWith('Kept')).join('\n') + '\n');
            for (const c of r.counts) process.stdout.write(`  ${c.model}: ${c.from === null ? 'new' : `${c.from.toLocaleString('en-US')} rows`} → ${c.to.toLocaleString('en-US')} rows\n`);
            process.stdout.write(`switched in ${((Date.now() - started) / 1000).toFixed(1)}s (apply ${r.applyId}).\n`);
          }
          const { applyOperationalHook } = await import('./sync-hooks.ts');
          await applyOperationalHook(d.project, d.logical, { json: opts.json ?? false });
          return;
        }
        if (!opts.json) {
          const preview = await planDeployment(d.db, d.engine, d.logical);
          if (preview.stages.length) process.stdout.write(renderPlan(preview, { target: d.target.name }).split('\n\nStages, in order:')[0]!.trimEnd() + '\n\n');
        }
        const result = await applyDeployment(d.db, d.engine, d.logical, {
          allowDestructive: opts.allowDestructive ?? false,
          afterStage: async (done, total, stage) => {
            if (!opts.json) process.stdout.write(`  [${done}/${total}] ${stage.action} ${stage.kind} ${stage.node}\n`);
            await pause?.(done);
          },
        });
        // The last step on Redshift: does Redshift refresh each MV as the analyzer predicted?
        const truth = await postDeployTruth(d.db, d.engine, d.manifest, { requireIncremental: opts.requireIncremental ?? false });
        const text = renderTruth(truth);
        if (text && !opts.json) process.stderr.write(`${text}\n`);
        if (truth.some((f) => f.severity === 'error')) process.exitCode = 1;
        if (opts.json) {
          process.stdout.write(JSON.stringify({ applyId: result.applyId, plan: planJson(result.plan), refreshModes: truth }, null, 2) + '\n');
        } else if (!result.applyId) {
          process.stdout.write(`no changes: ${d.target.name} matches the project.\n`);
        } else {
          process.stdout.write(`applied ${result.plan.stages.length} stage(s) to ${d.target.name} in ${((Date.now() - started) / 1000).toFixed(1)}s (apply ${result.applyId}).\n`);
        }
        const { applyOperationalHook } = await import('./sync-hooks.ts');
        await applyOperationalHook(d.project, d.logical, { json: opts.json ?? false });
      });
    });
}
