/**
 * The Redshift eligibility analysis of a large project on two cores: a worker thread, started
 * while the model files load (on the core that loading leaves partly idle, it loads the SQL
 * parser and runs the analyzer on a few hundred MVs so that V8 has compiled it), and the
 * compiler's own thread. The MVs fall into components of MVs that can name one another, meant
 * alternately for each thread; a thread takes the other's when the other lags behind
 * (analyzer-claims.ts). Same function, same results (each thread calls analyzeManifestMvs on its
 * own components, in order, and the chain rule never crosses a component); anything that goes
 * wrong with the worker sends the whole analysis back to the compiler's thread.
 *
 * Started by loadProject for projects of WORKER_MIN_FILES model files or more: below that (6,000
 * generated models, 3,600 MVs) the analysis in one thread took less time than the thread's
 * start, the copy of the manifest and the sharing; at 20,000 models it saved 0.6-0.9 s. The
 * analysis is shared from SPLIT_MIN_MVS MVs, below which the worker makes it alone.
 * MVKIT_ANALYZER_THREAD=0 never starts it, =1 starts it for any project, =split also shares the
 * analysis of any project.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SqlParseError, type AnalysisResult } from './analyzer/index.ts';
import type { Manifest, ManifestNode } from './manifest.ts';
import { takes, type Claims } from './analyzer-claims.ts';
import type { MvAnalysis } from './passes/eligibility.ts';
import { mentionedNames, relationNameOf } from './passes/relation-index.ts';
import { compilerKey, resolvedPackage, writeWhole } from './compiler-key.ts';

export const WORKER_MIN_FILES = 10000;

/** What the worker is sent: every node (the analyzer reads the others' names and column types), and which MVs to analyze. */
export interface AnalysisJob {
  readonly id: number;
  readonly nodes: readonly { name: string; kind: ManifestNode['kind']; columns: readonly { name: string; type: string }[]; ddl: string }[];
  /** Indexes in `nodes` of the MVs to analyze. */
  readonly include: readonly number[];
  /**
   * Shared with the compiler's thread, which analyzes part of a large project itself: the
   * component of each node (MVs that can name one another are in one component) and who takes
   * which (analyzer-claims.ts).
   */
  readonly split?: Claims;
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
/** How the last analysis was shared: components, and the MVs each thread analyzed. */
let lastShares: { components: number; worker: number; own: number } | undefined;

/** How the last analysis made with the worker was shared (undefined before any). */
export function analyzerShares(): { components: number; worker: number; own: number } | undefined {
  return lastShares;
}
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
 * worker bundled by esbuild into one module. A worker thread does not inherit the process's
 * TypeScript loader (tsx), and one file loads faster than the compiler's modules one by one. The
 * packages it imports are left to Node, as the compiler resolves them. The bundle is kept in the
 * system's temporary folder under the compiler's key (compiler-key.ts: its files and its
 * packages), and built again when any of them changes.
 */
async function workerModule(): Promise<string> {
  if (extname(fileURLToPath(import.meta.url)) === '.js') return fileURLToPath(new URL('./analyzer-worker.js', import.meta.url));
  const src = fileURLToPath(new URL('.', import.meta.url));
  const file = join(tmpdir(), 'mvkit-cache', `analyzer-worker-${compilerKey()}.mjs`);
  if (existsSync(file)) return file;
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [join(src, 'analyzer-worker.ts')],
    bundle: true, format: 'esm', platform: 'node', target: 'node20', write: false, logLevel: 'silent',
    plugins: [{
      name: 'packages-as-the-compiler-resolves-them',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('node:') ? undefined : { path: resolvedPackage(args.path), external: true }));
        // Each module keeps its own import.meta.url (libpg-query.ts requires the parser from there).
        b.onLoad({ filter: /\.ts$/ }, (args) => ({
          contents: readFileSync(args.path, 'utf8').replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href)),
          loader: 'ts',
        }));
      },
    }],
  });
  mkdirSync(dirname(file), { recursive: true });
  writeWhole(file, out.outputFiles[0]!.text);
  return file;
}

/** Starts the worker for a project of `files` model files, once per process; never throws. */
export function startAnalyzerWorker(files: number): void {
  const setting = process.env.MVKIT_ANALYZER_THREAD;
  if (running || setting === '0' || (setting !== '1' && setting !== 'split' && files < WORKER_MIN_FILES)) return;
  const pending = new Map<number, (reply: AnalysisReply | undefined) => void>();
  const state: Running = {
    pending,
    broken: false,
    worker: workerModule().then((file) => {
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

/** MVs from which the compiler's thread analyzes part of the project beside the worker. */
export const SPLIT_MIN_MVS = 1000;

type Analyze = (manifest: Manifest, include: (node: ManifestNode) => boolean) => MvAnalysis[];

/**
 * MVs that can name one another, as components numbered in the order of their first MV: each
 * MV is joined to every MV whose relation name is a word of its DDL (as the eligibility pass
 * picks the names an MV is analyzed with). Analyzed each by one thread, in the manifest's
 * order, a component's verdicts are those of one pass over the whole manifest (the chain
 * rule reads only the MVs an MV names). -1 for the nodes that are not picked MVs.
 */
export function mvComponents(nodes: readonly ManifestNode[], picked: readonly number[]): { componentOf: Int32Array; firstOf: Int32Array; count: number } {
  const parent = new Int32Array(nodes.length).fill(-1);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (const i of picked) parent[i] = i;
  const byName = new Map<string, number>();
  for (const i of picked) {
    const name = relationNameOf(nodes[i]!.name);
    const other = byName.get(name);
    if (other === undefined) byName.set(name, i);
    else parent[find(i)] = find(other);
  }
  let all = -1;
  for (const i of picked) {
    const words = mentionedNames(nodes[i]!.ddl[0]!, (w) => byName.has(w));
    if (!words) {
      // Names Postgres would truncate, or Unicode escapes: joined to every MV.
      if (all < 0) all = i;
      else parent[find(i)] = find(all);
      continue;
    }
    for (const w of words) {
      const a = find(i), b = find(byName.get(w)!);
      if (a !== b) parent[a] = b;
    }
  }
  if (all >= 0) for (const i of picked) parent[find(i)] = find(all);
  const componentOf = new Int32Array(nodes.length).fill(-1);
  const number = new Map<number, number>();
  const first: number[] = [];
  for (const i of picked) {
    const root = find(i);
    let c = number.get(root);
    if (c === undefined) {
      number.set(root, (c = number.size));
      first.push(i);
    }
    componentOf[i] = c;
  }
  return { componentOf, firstOf: Int32Array.from(first), count: number.size };
}

/**
 * The analysis of the manifest's MVs that `include` keeps, in dependency order, made by the
 * worker (and, from SPLIT_MIN_MVS MVs, partly by this thread at the same time, with `analyze`,
 * which is analyzeManifestMvs): what analyzeManifestMvs returns, or undefined when no worker
 * runs or it failed (the caller then analyzes in its own thread).
 */
export async function analyzeInWorker(manifest: Manifest, include: (node: ManifestNode) => boolean, analyze: Analyze): Promise<MvAnalysis[] | undefined> {
  const state = running;
  const worker = state && !state.broken ? await state.worker : undefined;
  if (!state || !worker || state.broken) return undefined;
  const nodes = manifest.nodes;
  const picked: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (nodes[i]!.kind === 'mv' && include(nodes[i]!)) picked.push(i);
  let split: (Claims & { count: number }) | undefined;
  if (process.env.MVKIT_ANALYZER_THREAD === 'split' || picked.length >= SPLIT_MIN_MVS) {
    const { componentOf, firstOf, count } = mvComponents(nodes, picked);
    if (count > 1) {
      const shared = (a: Int32Array) => {
        const out = new Int32Array(new SharedArrayBuffer(4 * a.length));
        out.set(a);
        return out;
      };
      split = { componentOf: shared(componentOf), firstOf: shared(firstOf), claims: shared(new Int32Array(count)), positions: shared(new Int32Array(3)), count };
    }
  }
  const job: AnalysisJob = {
    id: nextId++,
    nodes: nodes.map((n) => ({ name: n.name, kind: n.kind, columns: n.columns.map((c) => ({ name: c.name, type: c.type })), ddl: n.kind === 'mv' ? n.ddl[0]! : '' })),
    include: picked,
    ...(split ? { split: { componentOf: split.componentOf, firstOf: split.firstOf, claims: split.claims, positions: split.positions } } : {}),
  };
  const replied = new Promise<AnalysisReply | undefined>((resolve) => {
    state.pending.set(job.id, resolve);
    worker.ref();
    try {
      worker.postMessage(job);
    } catch {
      state.pending.delete(job.id);
      resolve(undefined);
    }
  });
  // This thread's share (analyzer-claims.ts).
  let own: MvAnalysis[] = [];
  if (split) {
    const index = new Map(nodes.map((n, i) => [n, i]));
    own = analyze(manifest, (n) => takes(split, 2, index.get(n)!));
    // When this thread has taken every component (the worker still loading, say), the worker's
    // answer is not waited for; a component not taken yet is the worker's to take.
    let theirs = false;
    for (let c = 0; c < split.count && !theirs; c++) theirs = Atomics.load(split.claims, c) !== 2;
    if (!theirs) {
      state.pending.delete(job.id);
      if (!state.pending.size) worker.unref();
      lastShares = { components: split.count, worker: 0, own: own.length };
      return own;
    }
  }
  const reply = await replied;
  if (!reply || reply.failed !== undefined) return undefined;
  answered++;
  lastShares = { components: split?.count ?? 1, worker: reply.analyses.length, own: own.length };
  const theirs = reply.analyses.map((a): MvAnalysis => a.error
    ? { node: nodes[a.index]!, error: new SqlParseError(a.error.message, a.error.line, a.error.column) }
    : { node: nodes[a.index]!, result: a.result! });
  if (!own.length) return theirs;
  // In the manifest's order, as one pass gives them.
  const order = new Map(nodes.map((n, i) => [n, i]));
  return [...theirs, ...own].sort((a, b) => order.get(a.node)! - order.get(b.node)!);
}
