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
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
  readonly worker: Worker;
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
  await state.worker.terminate();
}

/**
 * The worker's entry and its data: the built module, or from sources the entry that registers
 * tsx (a worker thread does not inherit the process's loader) with the URL of tsx's API, found
 * where the process got tsx (`--import tsx`, `npx tsx`, or the workspace bin, which says it in
 * MVKIT_TSX_API). Undefined when the process runs TypeScript without tsx.
 */
function entry(): { url: URL; tsx?: string } | undefined {
  if (extname(fileURLToPath(import.meta.url)) === '.js') return { url: new URL('./analyzer-worker.js', import.meta.url) };
  let tsx = process.env.MVKIT_TSX_API;
  if (!tsx) {
    const i = process.execArgv.findIndex((a, k) => k > 0 && /(^|\/)tsx(\/|$)/.test(a) && (process.execArgv[k - 1] === '--import' || process.execArgv[k - 1] === '--loader'));
    const spec = i > 0 ? process.execArgv[i]! : undefined;
    try {
      // The package's folder: from a file inside it (npx tsx) or resolved from the working directory (--import tsx).
      const dir = spec?.startsWith('file:') ? fileURLToPath(spec).replace(/\/dist\/[^/]*$/, '')
        : spec === 'tsx' ? dirname(createRequire(join(process.cwd(), 'noop.js')).resolve('tsx/package.json')) : undefined;
      if (dir && existsSync(join(dir, 'dist/esm/api/index.mjs'))) tsx = pathToFileURL(join(dir, 'dist/esm/api/index.mjs')).href;
    } catch {
      // No tsx where the process says: no worker.
    }
  }
  return tsx ? { url: new URL('./analyzer-worker-entry.mjs', import.meta.url), tsx } : undefined;
}

/** Starts the worker for a project of `files` model files, once per process; never throws. */
export function startAnalyzerWorker(files: number): void {
  const setting = process.env.MVKIT_ANALYZER_THREAD;
  if (running || setting === '0' || (setting !== '1' && files < WORKER_MIN_FILES)) return;
  const start = entry();
  if (!start) return;
  let worker: Worker;
  try {
    worker = new Worker(start.url, { workerData: { tsx: start.tsx } });
  } catch {
    return;
  }
  const state: Running = { worker, broken: false, pending: new Map() };
  running = state;
  // Never what keeps the process alive: referenced only while a job is pending.
  worker.unref();
  const fail = () => {
    state.broken = true;
    for (const resolve of state.pending.values()) resolve(undefined);
    state.pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', fail);
  worker.on('message', (reply: AnalysisReply) => {
    const resolve = state.pending.get(reply.id);
    state.pending.delete(reply.id);
    if (!state.pending.size) worker.unref();
    resolve?.(reply);
  });
}

/**
 * The analysis of the manifest's MVs that `include` keeps, in dependency order, made by the
 * worker: what analyzeManifestMvs returns, or undefined when no worker runs or it failed (the
 * caller then analyzes in its own thread).
 */
export async function analyzeInWorker(manifest: Manifest, include: (node: ManifestNode) => boolean): Promise<MvAnalysis[] | undefined> {
  const state = running;
  if (!state || state.broken) return undefined;
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
    state.worker.ref();
    try {
      state.worker.postMessage(job);
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
