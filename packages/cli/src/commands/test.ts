import type { Command } from 'commander';
import type { ModelTest } from '@mvkit/compiler';
import type { renderDiff as RenderDiff } from '@mvkit/runtime/model-tests/compare-rows.ts';
import type { ModelTestResult } from '@mvkit/runtime/model-tests/run-model-tests.ts';
import { projectDir } from '../project-options.ts';

function renderResult(r: ModelTestResult, renderDiff: typeof RenderDiff): string {
  const head = `${r.status === 'pass' ? 'ok  ' : 'FAIL'} ${r.name} (${r.file}:${r.line}, ${r.steps} step(s), ${Math.round(r.durationMs)} ms)`;
  if (r.status === 'pass') return head + '\n';
  const lines = [head, ...r.problems.map((p) => `    ${p}`), ...r.diffs.flatMap((d) => renderDiff(d))];
  return lines.join('\n') + '\n';
}

/** A test is selected when a selector names one of the models it expects rows of, or is part of its file's path or its name. */
function selected(t: ModelTest, selectors: readonly string[]): boolean {
  return selectors.some((s) => t.expect.some((e) => e.model.name === s) || t.loc.file.includes(s) || t.name.includes(s));
}

/** `mvkit test`: the model tests next to the models, on an in-memory local engine. */
export function registerTest(program: Command): void {
  program
    .command('test')
    .description('Run the model tests (models/**/*.test.ts, declared with defineTest): each loads its input rows in steps with an incremental refresh after each, on an in-memory PGlite, and compares the rows of its models with the expected ones (in any order). Exit 1 when one fails.')
    .option('-s, --select <selectors...>', 'only the tests of these models (the models they expect rows of), or whose file path or name contains the text')
    .option('--json', 'print the results as JSON')
    .action(async (opts: { select?: string[]; json?: boolean }, cmd: Command) => {
      const { CompileError, loadModelTests, loadProject } = await import('@mvkit/compiler');
      const { renderDiff } = await import('@mvkit/runtime/model-tests/compare-rows.ts');
      const { runModelTests } = await import('@mvkit/runtime/model-tests/run-model-tests.ts');
      const { renderText } = await import('../render-diagnostics.ts');
      const project = await loadProject(projectDir(cmd));
      const loaded = await loadModelTests(project);
      if (loaded.diagnostics.length) throw new CompileError([...loaded.diagnostics]);
      const tests = opts.select ? loaded.tests.filter((t) => selected(t, opts.select!)) : loaded.tests;
      if (!tests.length) {
        const why = loaded.files.length ? `none of the ${loaded.tests.length} test(s) matches --select ${opts.select?.join(' ')}` : 'no test files (models/**/*.test.ts)';
        process.stderr.write(`mvkit: ${why}\n`);
        if (opts.json) process.stdout.write(JSON.stringify({ results: [], durationMs: 0 }, null, 2) + '\n');
        return;
      }
      const warnings = project.loadDiagnostics;
      if (warnings.length) process.stderr.write(renderText([...warnings]) + '\n');
      const run = await runModelTests(project, tests, opts.json ? {} : { onResult: (r) => process.stdout.write(renderResult(r, renderDiff)) });
      const failed = run.results.filter((r) => r.status === 'fail').length;
      if (opts.json) process.stdout.write(JSON.stringify(run, null, 2) + '\n');
      else process.stdout.write(`\n${run.results.length} test(s): ${run.results.length - failed} passed, ${failed} failed in ${(run.durationMs / 1000).toFixed(1)} s (engine start and compile ${(run.setupMs / 1000).toFixed(1)} s).\n`);
      if (failed) process.exitCode = 1;
    });
}
