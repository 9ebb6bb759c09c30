import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { initAnalyzer } from './analyzer/index.ts';
import { compileManifest } from './compile.ts';
import type { TargetName } from './emit/dialect.ts';
import type { Diagnostic } from './errors.ts';
import { buildGraph, type ModelGraph } from './graph.ts';
import type { Manifest } from './manifest.ts';
import { assertionsPass } from './passes/assertions.ts';
import { eligibilityPass } from './passes/eligibility.ts';
import { functionsPass, functionTargets } from './passes/functions.ts';
import { namesPass } from './passes/names.ts';
import { renderSqlModels } from './passes/sql-models.ts';
import { sqlTenantPass } from './passes/sql-tenant.ts';
import { physicalPass } from './passes/physical.ts';
import { structurePass } from './passes/structure.ts';
import { tenantPass } from './passes/tenant.ts';
import { typeBoundsPass } from './passes/type-bounds.ts';
import type { Project } from './project.ts';

/** A pass over the compiled project; returns diagnostics, never prints. */
export type ManifestPass = (graph: ModelGraph, manifest: Manifest, options: { requireIncremental: boolean; projectDir?: string }) => Diagnostic[] | Promise<Diagnostic[]>;
const manifestPasses: ManifestPass[] = [eligibilityPass];

/** Registers a pass that needs the compiled SQL (the Redshift eligibility analyzer). */
export function registerManifestPass(pass: ManifestPass): void {
  if (!manifestPasses.includes(pass)) manifestPasses.push(pass);
}

export interface CompileResult {
  readonly graph: ModelGraph;
  readonly manifest: Manifest | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly ok: boolean;
}

/**
 * The SQL of a DSL model is mvkit's, not the analyst's: a problem found in it must not send
 * them to "fix the SQL of this model".
 */
function notBlamingSql(d: Diagnostic, graph: ModelGraph): Diagnostic {
  const m = d.model ? graph.models.get(d.model) : undefined;
  if (!m || m.kind === 'sql' || !/\bSQL\b/.test(d.hint ?? '')) return d;
  return { ...d, hint: `this SQL is compiled from the model's definition in ${m.loc.file}:${m.loc.line}, not written by hand: check the names and expressions it uses (sqlExpr text is copied as is)` };
}

/** Builds the graph, runs every pass, and compiles the manifest when nothing stops it. */
export async function compileProject(project: Project, target: TargetName = 'redshift', options: { requireIncremental?: boolean } = {}): Promise<CompileResult> {
  const graph = buildGraph(project.models, project.macros);
  const macrosDir = project.config.macrosDir ?? 'macros';
  const rendered = renderSqlModels(graph, { dir: macrosDir, exists: Object.keys(project.macros).length > 0 || existsSync(join(project.dir, macrosDir)) });
  // The graph's template errors are said again, more precisely, by renderSqlModels.
  const explained = new Set(rendered.diagnostics.map((d) => d.model));
  const diagnostics: Diagnostic[] = [...project.loadDiagnostics, ...graph.diagnostics.filter((d) => !(d.code === 'template-error' && explained.has(d.model))), ...rendered.diagnostics];
  const structural = graph.diagnostics.some((d) => d.code === 'cycle' || d.code === 'unknown-reference');
  // The names pass checks the identifier shape of every name, the structure pass only some.
  const structure = structurePass(graph).filter((d) => d.code !== 'invalid-name');
  diagnostics.push(...namesPass(graph), ...typeBoundsPass(graph), ...structure, ...tenantPass(graph), ...physicalPass(graph), ...assertionsPass(graph));
  // SQL is read with the Postgres parser (function calls, SQL models' select parts).
  await initAnalyzer();
  const engines = project.config.targets ? Object.values(project.config.targets).map((t) => t.engine as string) : null;
  diagnostics.push(...functionsPass(graph, rendered.sql, functionTargets(engines)), ...sqlTenantPass(graph, rendered.sql));
  let manifest: Manifest | null = null;
  // What would only fail again, less clearly, in the compiled SQL or while compiling it.
  const stops = new Set(['unknown-column', 'missing-option', 'duplicate-column', 'invalid-name', 'reserved-word', 'template-error', 'missing-macro', 'sql-expr-syntax']);
  if (!structural && !diagnostics.some((d) => d.severity === 'error' && stops.has(d.code))) {
    manifest = compileManifest(graph, { target, projectName: project.config.name, projectDir: project.dir });
    const requireIncremental = options.requireIncremental ?? project.config.requireIncremental ?? false;
    const redshiftManifest = target === 'redshift' ? manifest : compileManifest(graph, { target: 'redshift', projectName: project.config.name, projectDir: project.dir });
    for (const pass of manifestPasses) diagnostics.push(...(await pass(graph, redshiftManifest, { requireIncremental, projectDir: project.dir })).map((d) => notBlamingSql(d, graph)));
  }
  const prefix = `${project.dir}/`;
  const rel = diagnostics.map((d) => ({
    ...d,
    message: d.message.split(prefix).join(''),
    ...(d.file?.startsWith('/') ? { file: relative(project.dir, d.file) || d.file } : {}),
  }));
  rel.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
  return { graph, manifest, diagnostics: rel, ok: !rel.some((d) => d.severity === 'error') };
}
