// Run with tsx, outside vitest (under vitest no analyzer thread is started): loads and compiles a
// project as the CLI does and prints its diagnostics, every MV's Redshift verdict and reasons, and
// how many analyses a worker thread answered. `--stop-thread` stops the thread after loading, as
// if it had died, before the compile. `--load-only` loads and ends there: the process must then
// exit by itself, the thread never keeping it alive.
import { analyzerWorkerAnswers, stopAnalyzerWorker } from '../../src/analyzer-pool.ts';
import { analyzeManifestMvs, compileProject, loadProject, type Project } from '../../src/index.ts';

async function compiled(project: Project) {
  if (process.argv.includes('--stop-thread')) await stopAnalyzerWorker();
  const lenient = await compileProject(project, 'redshift');
  const strict = await compileProject(project, 'redshift', { requireIncremental: true });
  const answers = analyzerWorkerAnswers();
  // The analyses in this thread, independently of the pass: what the diagnostics must agree with.
  const own = lenient.manifest ? analyzeManifestMvs(lenient.manifest).map(({ node, result, error }) => ({ mv: node.name, verdict: result?.verdict ?? 'invalid', codes: result ? result.reasons.map((r) => r.code) : [`parse ${error!.line}:${error!.column}`] })) : [];
  return { answers, lenient: lenient.diagnostics, strict: strict.diagnostics, own };
}

const project = await loadProject(process.argv[2]!);
process.stdout.write(JSON.stringify(process.argv.includes('--load-only') ? { models: project.models.length } : await compiled(project)));
