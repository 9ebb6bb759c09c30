import type { CommandEntry } from './command-entry.ts';

/**
 * Every command of the CLI, in the order `mvkit --help` lists them (the README's order). One
 * line per command:
 *
 *   { name: 'sync', summary: 'One line for mvkit --help.', load: () => import('./sync.ts').then((m) => m.registerSync) },
 *
 * plus `args: '[options] [files...]'` when its usage line is not the default `[options]`.
 * `mvkit --help` reads only these lines; `load()` runs only for the command being run (or asked
 * for with `mvkit <cmd> --help`). The loaded `register(program)` declares the full description,
 * arguments, options and action; it keeps its module's top-level imports light (commander types,
 * ../option-values.ts, `@mvkit/compiler/errors`) and imports the compiler, runtime and drivers
 * inside the action (`await import(...)`), so `mvkit <cmd> --help` stays fast as well.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'init', args: '[dir]', summary: 'Create a new project in DIR (must be new or empty): config, example models, macros/, .gitignore, tsconfig.json, README.', load: () => import('./init.ts').then((m) => m.registerInit) },
  { name: 'compile', summary: 'Compile the project to SQL: one file per node plus manifest.json.', load: () => import('./compile.ts').then((m) => m.registerCompile) },
  { name: 'validate', summary: 'Check the project: references, types, tenant isolation, incremental-refresh eligibility.', load: () => import('./validate.ts').then((m) => m.registerValidate) },
  { name: 'graph', summary: 'Print the model graph (physical nodes and their dependencies).', load: () => import('./graph.ts').then((m) => m.registerGraph) },
  { name: 'analyze', args: '[options] [files...]', summary: 'Check SQL files of materialized views for Redshift incremental refresh.', load: () => import('./analyze.ts').then((m) => m.registerAnalyze) },
  { name: 'test', summary: 'Run the model tests (models/**/*.test.ts) on an in-memory local engine.', load: () => import('./test.ts').then((m) => m.registerTest) },
  { name: 'plan', summary: 'Show what apply would do, as ordered stages with their SQL and cause.', load: () => import('./plan.ts').then((m) => m.registerPlan) },
  { name: 'apply', summary: 'Apply the plan under the target\'s apply lock, stage by stage.', load: () => import('./apply.ts').then((m) => m.registerApply) },
  { name: 'refresh', summary: 'Refresh the MVs in dependency order and record each refresh.', load: () => import('./refresh.ts').then((m) => m.registerRefresh) },
  { name: 'status', summary: 'Per node: deployed vs current, stale or fresh, last refresh; newest events.', load: () => import('./status.ts').then((m) => m.registerStatus) },
  { name: 'verify', summary: 'Recompute every MV of the local engine and compare it with the maintained table.', load: () => import('./verify.ts').then((m) => m.registerVerify) },
  { name: 'check', summary: 'Run the models\' assertions against the deployed data and record the results.', load: () => import('./check.ts').then((m) => m.registerCheck) },
  { name: 'dev', summary: 'Watch models/ and macros/: recompile and plan (or apply) on every save.', load: () => import('./dev.ts').then((m) => m.registerDev) },
  { name: 'docs', summary: 'Write a static docs site: lineage graph, a page per model, search.', load: () => import('./docs.ts').then((m) => m.registerDocs) },
  { name: 'generate', summary: 'Write deterministic synthetic CDC files for the project into the landing directory.', load: () => import('./generate.ts').then((m) => m.registerGenerate) },
  { name: 'load', summary: 'Load new CDC files from the landing directory, exactly once.', load: () => import('./load.ts').then((m) => m.registerLoad) },
  { name: 'run', summary: 'Loop: load new landing files and refresh every MV, every --interval seconds.', load: () => import('./run.ts').then((m) => m.registerRun) },
  { name: 'demo', summary: 'Run the project locally on embedded PGlite with synthetic data, then show what it serves.', load: () => import('./demo.ts').then((m) => m.registerDemo) },
  { name: 'sync', summary: 'Move what changed in the served models into the operational database, exactly once.', load: () => import('./sync.ts').then((m) => m.registerSync) },
  { name: 'serve', summary: 'Serve the dashboard and a JSON API over the served views, each tenant its own rows.', load: () => import('./serve.ts').then((m) => m.registerServe) },
  { name: 'rollback', summary: 'Blue/green: switch back to the previous versions and refresh them forward.', load: () => import('./rollback.ts').then((m) => m.registerRollback) },
  { name: 'promote', summary: 'Blue/green: make an environment\'s versions production, in one transaction.', load: () => import('./promote.ts').then((m) => m.registerPromote) },
  { name: 'janitor', summary: 'Blue/green: drop versions no longer kept for rollback.', load: () => import('./janitor.ts').then((m) => m.registerJanitor) },
];
