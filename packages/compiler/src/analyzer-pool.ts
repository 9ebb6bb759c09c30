/**
 * The Redshift eligibility analysis of a large project in a worker thread that is started while
 * the model files load, on the core that loading leaves mostly idle: by the time the manifest is
 * compiled, the worker has loaded the SQL parser and run the analyzer often enough for V8 to
 * optimize it, and it analyzes the MVs at its warm speed (about half the time of a cold first
 * pass in the compiler's thread). Same function, same results (analyzer-worker.ts calls
 * analyzeManifestMvs); anything that goes wrong with the worker sends the analysis back to the
 * compiler's own thread.
 *
 * Started by loadProject for projects of WORKER_MIN_FILES model files or more (below that, a
 * thread costs more than it saves). MVKIT_ANALYZER_THREAD=0 never starts it, =1 starts it for any
 * project.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SqlParseError, type AnalysisResult } from './analyzer/index.ts';
import type { Manifest, ManifestNode } from './manifest.ts';
import type { MvAnalysis } from './passes/eligibility.ts';

export const WORKER_MIN_FILES = 500;

/** What the worker is sent: every node (the analyzer reads the others' names and column types), and which MVs to analyze. */
export interface AnalysisJob {
  readonly id: number;
  readonly nodes: readonly { name: string; kind: ManifestNode['kind']; columns: readonly { name: string; type: string }[]; ddl: string }[];
  /** Indexes in `nodes` of the MVs to analyze. */
  readonly include: readonly number[];
}
export type WorkerAnalysis =
  | { readonly index: number; readonly result: AnalysisResult; readonly error?: undefined }
  | { readonly index: number; readonly result?: undefined; readonly error: { message: string; line: number; column: number } };
export type AnalysisReply = { readonly id: number; readonly analyses: readonly WorkerAnalysis[]; readonly failed?: undefined } | { readonly id: number; readonly failed: string; readonly analyses?: undefined };

interface Running {
  /** The worker once started; undefined when it could not be. */
  readonly worker: Promise<Worker | undefined>;
  /** Set when the worker failed or exited: the analysis runs in the compiler's thread from then on. */
  broken: boolean;
  readonly pending: Map<number, (reply: AnalysisReply | undefined) => void>;
}
let running: Running | undefined;
let nextId = 1;
/** Analyses the worker answered in this process. */
let answered = 0;

/** How many analyses a worker thread has answered in this process (0: every one ran in the compiler's thread). */
export function analyzerWorkerAnswers(): number {
  return answered;
}

/** Stops the worker, if one runs: later analyses run in the compiler's thread. */
export async function stopAnalyzerWorker(): Promise<void> {
  const state = running;
  if (!state) return;
  state.broken = true;
  await (await state.worker)?.terminate();
}

/**
 * The worker's module: the built one next to this file, or, from the TypeScript sources, the
 * worker bundled by esbuild into one module in the project's cache folder. A worker thread does
 * not inherit the process's TypeScript loader (tsx), and one file loads faster than the
 * compiler's modules one by one. The packages it imports are left to Node, as the compiler
 * resolves them.
 */
async function workerModule(projectDir: string): Promise<string> {
  if (extname(fileURLToPath(import.meta.url)) === '.js') return fileURLToPath(new URL('./analyzer-worker.js', import.meta.url));
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./analyzer-worker.ts', import.meta.url))],
    bundle: true, format: 'esm', platform: 'node', target: 'node20', write: false, logLevel: 'silent',
    plugins: [{
      name: 'packages-as-the-compiler-resolves-them',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('node:') ? undefined : { path: import.meta.resolve(args.path), external: true }));
      },
    }],
  });
  const code = out.outputFiles[0]!.text;
  const cacheDir = join(projectDir, '.mvkit', 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `analyzer-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) writeFileSync(file, code);
  return file;
}

/** Starts the worker for a project of `files` model files, once per process; never throws. */
export function startAnalyzerWorker(projectDir: string, files: number): void {
  const setting = process.env.MVKIT_ANALYZER_THREAD;
  if (running || setting === '0' || (setting !== '1' && files < WORKER_MIN_FILES)) return;
  const pending = new Map<number, (reply: AnalysisReply | undefined) => void>();
  const state: Running = {
    pending,
    broken: false,
    worker: workerModule(projectDir).then((file) => {
      // Not the process's own flags: a loader given to node (--import tsx) would load the one module through it.
      const worker = new Worker(file, { execArgv: [] });
      const fail = () => {
        state.broken = true;
        for (const resolve of pending.values()) resolve(undefined);
        pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', fail);
      worker.on('message', (reply: AnalysisReply) => {
        const resolve = pending.get(reply.id);
        pending.delete(reply.id);
        if (!pending.size) worker.unref();
        resolve?.(reply);
      });
      // Never what keeps the process alive: referenced only while a job is pending (after the
      // listeners, which would reference it again).
      worker.unref();
      return worker;
    }).catch(() => {
      state.broken = true;
      return undefined;
    }),
  };
  running = state;
}

/**
 * The analysis of the manifest's MVs that `include` keeps, in dependency order, made by the
 * worker: what analyzeManifestMvs returns, or undefined when no worker runs or it failed (the
 * caller then analyzes in its own thread).
 */
export async function analyzeInWorker(manifest: Manifest, include: (node: ManifestNode) => boolean): Promise<MvAnalysis[] | undefined> {
  const state = running;
  const worker = state && !state.broken ? await state.worker : undefined;
  if (!state || !worker || state.broken) return undefined;
  const nodes = manifest.nodes;
  const picked: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (nodes[i]!.kind === 'mv' && include(nodes[i]!)) picked.push(i);
  const job: AnalysisJob = {
    id: nextId++,
    nodes: nodes.map((n) => ({ name: n.name, kind: n.kind, columns: n.columns.map((c) => ({ name: c.name, type: c.type })), ddl: n.kind === 'mv' ? n.ddl[0]! : '' })),
    include: picked,
  };
  const reply = await new Promise<AnalysisReply | undefined>((resolve) => {
    state.pending.set(job.id, resolve);
    worker.ref();
    try {
      worker.postMessage(job);
    } catch {
      state.pending.delete(job.id);
      resolve(undefined);
    }
  });
  if (!reply || reply.failed !== undefined) return undefined;
  answered++;
  return reply.analyses.map((a): MvAnalysis => a.error
    ? { node: nodes[a.index]!, error: new SqlParseError(a.error.message, a.error.line, a.error.column) }
    : { node: nodes[a.index]!, result: a.result! });
}
