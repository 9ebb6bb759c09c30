// Run with tsx, outside vitest (under vitest no analyzer thread is started): loads and compiles a
// project as the CLI does and prints its diagnostics, every MV's Redshift verdict and reasons, and
// how many analyses a worker thread answered. `--stop-thread` stops the thread after loading, as
// if it had died, before the compile. `--load-only` loads and ends there: the process must then
// exit by itself, the thread never keeping it alive.
import { analyzeInWorker, analyzerShares, analyzerWorkerAnswers, stopAnalyzerWorker } from '../../src/analyzer-pool.ts';
import type { MvAnalysis } from '../../src/passes/eligibility.ts';
import { analyzeManifestMvs, compileProject, loadProject, type Project } from '../../src/index.ts';

async function compiled(project: Project) {
  if (process.argv.includes('--stop-thread')) await stopAnalyzerWorker();
  const lenient = await compileProject(project, 'redshift');
  const strict = await compileProject(project, 'redshift', { requireIncremental: true });
  const answers = analyzerWorkerAnswers();
  // The analyses in this thread, independently of the pass: what the diagnostics must agree with.
  const said = (analyses: MvAnalysis[]) => analyses.map(({ node, result, error }) => ({ mv: node.name, verdict: result?.verdict ?? 'invalid', reasons: result ? result.reasons.map((r) => `${r.code} ${r.line}:${r.column}`) : [`parse ${error!.line}:${error!.column}`] }));
  const own = lenient.manifest ? said(analyzeManifestMvs(lenient.manifest)) : [];
  // Every MV of the manifest through the thread (and this thread's share, with a split).
  const threaded = lenient.manifest ? await analyzeInWorker(lenient.manifest, () => true, analyzeManifestMvs) : undefined;
  return { answers, lenient: lenient.diagnostics, strict: strict.diagnostics, own, threaded: threaded && said(threaded), shares: analyzerShares() };
}

const project = await loadProject(process.argv[2]!);
process.stdout.write(JSON.stringify(process.argv.includes('--load-only') ? { models: project.models.length } : await compiled(project)));
