// Run with tsx, outside vitest (under vitest no analyzer thread is started): loads and compiles a
// project as the CLI does and prints its diagnostics, every MV's Redshift verdict and reasons, and
// how many analyses a worker thread answered. `--stop-thread` stops the thread after loading, as
// if it had died, before the compile.
import { analyzerWorkerAnswers, stopAnalyzerWorker } from '../../src/analyzer-pool.ts';
import { analyzeManifestMvs, compileProject, loadProject } from '../../src/index.ts';

const project = await loadProject(process.argv[2]!);
if (process.argv.includes('--stop-thread')) await stopAnalyzerWorker();
const lenient = await compileProject(project, 'redshift');
const strict = await compileProject(project, 'redshift', { requireIncremental: true });
const answers = analyzerWorkerAnswers();
// The analyses in this thread, independently of the pass: what the diagnostics must agree with.
const own = lenient.manifest ? analyzeManifestMvs(lenient.manifest).map(({ node, result, error }) => ({ mv: node.name, verdict: result?.verdict ?? 'invalid', codes: result ? result.reasons.map((r) => r.code) : [`parse ${error!.line}:${error!.column}`] })) : [];
process.stdout.write(JSON.stringify({ answers, lenient: lenient.diagnostics, strict: strict.diagnostics, own }));
