import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CompileError, compileProject, type Project } from '@mvkit/compiler';
import type { AssertionResult } from '../assertions/assertion-results.ts';
import type { StatusReport } from '../status/status.ts';
import { renderSite } from './render-site.ts';
import { buildSiteData, type SiteData } from './site-data.ts';

export { buildSiteData, commentAbove } from './site-data.ts';
export type { SiteData, NodeDoc, ColumnDoc } from './site-data.ts';
export { renderSite, modelHref } from './render-site.ts';

/**
 * The docs site of a project: compiled for Redshift and Postgres (the SQL of both, the
 * analyzer's verdicts), with the deployed state when a status report is given. A project that
 * does not compile has no site: its diagnostics are the error.
 */
export async function buildDocsSite(project: Project, status: { report: StatusReport; target: string; assertions?: readonly AssertionResult[] } | null = null): Promise<{ data: SiteData; files: Map<string, string> }> {
  const redshift = await compileProject(project, 'redshift');
  if (!redshift.manifest) throw new CompileError([...redshift.diagnostics]);
  const postgres = await compileProject(project, 'postgres');
  // Each model file read once: its comments for the data, its text for the source pages.
  const sources = new Map<string, string>();
  for (const n of redshift.manifest.nodes) {
    if (sources.has(n.file)) continue;
    try { sources.set(n.file, readFileSync(isAbsolute(n.file) ? n.file : join(project.dir, n.file), 'utf8')); } catch { /* a model without a readable file has no comments and no source page */ }
  }
  const data = buildSiteData(project, redshift, postgres, sources, status);
  return { data, files: renderSite(data, sources) };
}
