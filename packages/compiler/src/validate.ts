import { relative } from 'node:path';
import { initAnalyzer } from './analyzer/index.ts';
import { compileManifest } from './compile.ts';
import type { TargetName } from './emit/dialect.ts';
import type { Diagnostic } from './errors.ts';
import { buildGraph, type ModelGraph } from './graph.ts';
import type { Manifest } from './manifest.ts';
import { eligibilityPass } from './passes/eligibility.ts';
import { physicalPass } from './passes/physical.ts';
import { structurePass } from './passes/structure.ts';
import { tenantPass } from './passes/tenant.ts';
import type { Project } from './project.ts';

/** A pass over the compiled project; returns diagnostics, never prints. */
export type ManifestPass = (graph: ModelGraph, manifest: Manifest, options: { requireIncremental: boolean }) => Diagnostic[] | Promise<Diagnostic[]>;
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

/** Builds the graph, runs every pass, and compiles the manifest when nothing stops it. */
export async function compileProject(project: Project, target: TargetName = 'redshift', options: { requireIncremental?: boolean } = {}): Promise<CompileResult> {
  const graph = buildGraph(project.models, project.macros);
  const diagnostics: Diagnostic[] = [...project.loadDiagnostics, ...graph.diagnostics];
  const structural = graph.diagnostics.some((d) => d.code === 'cycle' || d.code === 'unknown-reference');
  diagnostics.push(...structurePass(graph), ...tenantPass(graph), ...physicalPass(graph));
  let manifest: Manifest | null = null;
  // Unknown or twice-declared columns leave no select to compile.
  if (!structural && !diagnostics.some((d) => d.severity === 'error' && (d.code === 'unknown-column' || d.code === 'duplicate-column'))) {
    // SQL models' select trees are read with the parser: it must be loaded before compiling.
    await initAnalyzer();
    manifest = compileManifest(graph, { target, projectName: project.config.name, projectDir: project.dir });
    const requireIncremental = options.requireIncremental ?? project.config.requireIncremental ?? false;
    const redshiftManifest = target === 'redshift' ? manifest : compileManifest(graph, { target: 'redshift', projectName: project.config.name, projectDir: project.dir });
    for (const pass of manifestPasses) diagnostics.push(...(await pass(graph, redshiftManifest, { requireIncremental })));
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
