import type { Command } from 'commander';
import type { Deployment } from '@mvkit/runtime/apply/deployment.ts';
import type { AssertionResult } from '@mvkit/runtime/assertions/assertion-results.ts';
import { TARGET_OPTION, withDeployment } from './plan.ts';

export const ASSERT_OPTION = ['--no-assert', 'do not run the models\' assertions after the refresh (they run by default; see mvkit check)'] as const;

/**
 * Runs the assertions of the refreshed models (all when `nodes` is absent) and records them.
 * `report` prints the failures on stderr (with a sample of offending rows) and sets exit code 1
 * when one of level error failed; warnings leave it as it is.
 */
export async function afterRefreshAssertions(d: Deployment, nodes: readonly string[] | undefined, command: string): Promise<{ results: AssertionResult[]; report: () => void }> {
  const { assertionsFailed, assertionsFor, renderAssertionFailures, runAssertions } = await import('@mvkit/runtime/assertions/run-assertions.ts');
  const results = await runAssertions(d.db, assertionsFor(d.compiled.graph, d.manifest, nodes), command);
  return {
    results,
    report() {
      process.stderr.write(renderAssertionFailures(results));
      if (assertionsFailed(results)) {
        const n = results.filter((r) => r.status === 'fail' && r.level === 'error').length;
        process.stderr.write(`mvkit: ${n} assertion(s) of level error failed (the ${command} itself was committed); \`mvkit status\` shows the last results\n`);
        process.exitCode = 1;
      }
    },
  };
}

function renderCheck(results: readonly AssertionResult[], target: string): string {
  const out: string[] = [];
  for (const r of results) out.push(`${r.status === 'pass' ? 'pass' : r.level === 'error' ? 'FAIL' : 'warn'}  ${r.id.padEnd(40)}  ${r.description}${r.status === 'fail' ? ` (${r.failingRows} offending row(s))` : ''}`);
  const failed = results.filter((r) => r.status === 'fail');
  out.push(`${results.length} assertion(s) on ${target}: ${results.length - failed.length} passed, ${failed.filter((r) => r.level === 'error').length} failed, ${failed.filter((r) => r.level === 'warn').length} warned.`);
  return out.join('\n') + '\n';
}

/** `mvkit check`: the models' assertions on demand, against the deployed data, without refreshing. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('Run the models\' assertions (assert: unique, notNull, acceptedValues, equalTotals, freshness) against the deployed data now, and record the results; exit 1 when one of level error fails.')
    .option(...TARGET_OPTION)
    .option('-s, --select <selectors...>', 'model, +model (and what it is built on), model+ (and what is built on it)')
    .option('--json', 'print the results as JSON')
    .action(async (opts: { target?: string; select?: string[]; json?: boolean }, cmd: Command) => {
      const { selectNodes } = await import('@mvkit/runtime/refresh/select-nodes.ts');
      await withDeployment(cmd, opts.target, async (d) => {
        const checked = await afterRefreshAssertions(d, opts.select ? selectNodes(d.manifest, opts.select) : undefined, 'check');
        process.stdout.write(opts.json ? JSON.stringify(checked.results, null, 2) + '\n' : renderCheck(checked.results, d.target.name));
        checked.report();
      });
    });
}
