// Run with tsx, outside vitest (under vitest nothing is cached): loads and compiles a project as
// the CLI does, and prints its diagnostics (lenient and with requireIncremental), its manifest,
// and what the analysis cache served and added (null with MVKIT_CACHE=0).
import { analysisCacheStats } from '../../src/analysis-cache.ts';
import { compileProject, loadProject } from '../../src/index.ts';

const project = await loadProject(process.argv[2]!);
const lenient = await compileProject(project, 'redshift');
const stats = analysisCacheStats() ?? null;
const strict = await compileProject(project, 'redshift', { requireIncremental: true });
process.stdout.write(JSON.stringify({ lenient: lenient.diagnostics, strict: strict.diagnostics, manifest: lenient.manifest, stats }));
