import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { transform, version as esbuildVersion } from 'esbuild';
import { flagsSettled } from './analyzer/libpg-query.ts';
import { cacheEnabled, writeWhole } from './compiler-key.ts';
import { registerSiteMapper } from './location.ts';
import { makeScanner, scanModule, type ScannedModule } from './model-scan.ts';

/**
 * The model files of a project as scripts of one function per file, each script compiled by
 * one esbuild transform: the bundler spent most of the time of a large project on its work
 * per file (resolving, linking, wrapping, the source map of 20,000 files: ~13 s of CPU), and
 * Node then parsed that source map to map each declaration's stack frame.
 *
 * Each file's module syntax is rewritten in place (model-scan.ts), so its lines and columns
 * stay those of the file; the files are laid one after the other in a TypeScript text, each
 * inside `__mvd(index, function (__mvr, __mvx) {` on a line of its own, about 512 KB of text
 * per script; the transform's source map leads back from the script to that text, and the
 * line offsets of the files from there to each file. Stack frames in a script are mapped
 * through it (location.ts), as Node maps a frame through an inline source map.
 *
 * Only projects inside the accepted subset load this way: plain named or namespace imports of
 * other model files and of `@mvkit/compiler`, exported const/function/enum declarations, no
 * import cycle, every file loading without an error. Anything else returns undefined and the
 * project is bundled by esbuild as before, which also reports syntax errors and load errors
 * with their file:line as before.
 *
 * Files that are JavaScript as they are (model-scan.ts's `plain`: no type syntax, as most model
 * files) are not transformed at all: their chunks are the script, lines and columns the files'
 * own, and a frame is mapped by its line alone. A chunk V8 refuses is transformed after all.
 *
 * What a compile did is kept in the project's .mvkit/cache for the next (compiler-key.ts's
 * cacheEnabled): each chunk's transform, under a key of its text, esbuild's version and the
 * transform's options, and V8's code for each script seen before (Script's cachedData, made
 * once the files have run, so that it holds their functions too; V8 rejects it when it was made
 * by another V8 or under other flags, and it is made again). An unchanged chunk is neither
 * transformed nor compiled again.
 */

const COMPILER = '@mvkit/compiler';
/** Source text per transform: the transforms run two at a time in esbuild while the next files are read. */
const CHUNK_CHARS = 512 * 1024;
/** What the transform's output depends on besides its text. */
const TRANSFORM_OPTIONS = { loader: 'ts', target: 'node20', sourcemap: 'external', sourcesContent: false, sourcefile: 'mvkit-models.ts', logLevel: 'silent' } as const;

/** Kept only if it can be: a project that cannot be written to loads as before. */
function keep(file: string, data: string | Uint8Array): void {
  try {
    writeWhole(file, data);
  } catch {
    // Not kept.
  }
}

function readKept(file: string): { code: string; map: string } | undefined {
  try {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { code?: unknown; map?: unknown };
    return typeof kept.code === 'string' && typeof kept.map === 'string' ? { code: kept.code, map: kept.map } : undefined;
  } catch {
    return undefined;
  }
}

/** A chunk of files laid one after the other: the text of one script. */
interface Chunk {
  /** Index of its first file. */
  readonly first: number;
  readonly text: string;
  /** Line (0-based) of the chunk's text where each of its files' first line sits. */
  readonly starts: number[];
  /** Its files are JavaScript as they are (model-scan.ts's `plain`). */
  readonly plain: boolean;
}

/** What the loader keeps of a file's scan once its code is in a chunk. */
type FileScan = Pick<ScannedModule, 'imports' | 'exports'>;

/**
 * Reads and scans the files in order and lays them out in chunks of about `chunkChars`, each
 * given to `emit` with its files' scans as soon as it is full (or its files change from plain
 * to transformed). False at the first file outside the scanner's subset. It refers to nothing
 * outside its body: its source also runs in the scan thread.
 */
async function layChunks(files: readonly string[], chunkChars: number, read: (file: string) => string, scan: (src: string) => ScannedModule | undefined, emit: (chunk: Chunk, scans: FileScan[]) => unknown): Promise<boolean> {
  // A file's function, compiled by V8 when it is called (not parenthesized: compiling every
  // function with the script took longer than pre-parsing the script and compiling each function
  // as it runs, ~190 against ~140 ms for the chunks of 6,000 generated models).
  const header = (i: number) => `__mvd(${i}, function (__mvr, __mvx) {\n`;
  // After the file's code, its exports as values: a file runs whole before any file that
  // imports it (there is no cycle), and only const, function and enum declarations are
  // exported, so the values are final. Two line breaks, as every footer: the next file's lines
  // are counted so.
  const footer = (exports: readonly string[]) => `\n__mvx({ ${exports.map((e) => `${JSON.stringify(e)}: ${e}`).join(', ')} });});\n`;
  let open: { first: number; parts: string[]; starts: number[]; lines: number; chars: number; plain: boolean; scans: FileScan[] } | undefined;
  const flush = async () => {
    const c = open!;
    open = undefined;
    await emit({ first: c.first, text: c.parts.join(''), starts: c.starts, plain: c.plain }, c.scans);
  };
  for (let i = 0; i < files.length; i++) {
    const s = scan(read(files[i]!));
    if (!s) return false;
    // A chunk's files are all plain JavaScript or all transformed.
    if (open && open.plain !== s.plain) await flush();
    open ??= { first: i, parts: [], starts: [], lines: 0, chars: 0, plain: s.plain, scans: [] };
    const head = header(i);
    const foot = footer(s.exports);
    open.parts.push(head, s.code, foot);
    open.starts.push(open.lines + 1);
    let lines = 0;
    for (let k = s.code.indexOf('\n'); k >= 0; k = s.code.indexOf('\n', k + 1)) lines++;
    open.lines += 1 + lines + 2;
    open.chars += head.length + s.code.length + foot.length;
    open.scans.push({ imports: s.imports, exports: s.exports });
    if (open.chars >= chunkChars || i === files.length - 1) await flush();
  }
  return true;
}

/**
 * Projects of at least this many files are read and scanned by a thread of their own while this
 * one compiles and runs the chunks it has laid out (MVKIT_SCAN_THREAD=0 never, =1 always). At
 * 20,000 generated models loading took ~10% less; at 6,000 it was no faster (the thread waits
 * for its first chunk, and its code starts cold), and slower on a busy machine.
 */
export const SCAN_THREAD_MIN_FILES = 10000;

/**
 * The chunks laid out by a thread of its own, in order, then whether every file was scanned;
 * undefined when the thread fails. The thread's code is the source of the scanner and of
 * layChunks, which refer to nothing outside themselves.
 */
async function* chunksFromThread(files: readonly string[], chunkChars: number): AsyncGenerator<{ chunk: Chunk; scans: FileScan[] }, boolean | undefined> {
  const source = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
// What a TypeScript runner may have wrapped the functions' inner functions in.
const __name = (f) => f;
const scanModule = (${makeScanner.toString()})();
${layChunks.toString()}
layChunks(workerData.files, workerData.chunkChars, (f) => readFileSync(f, 'utf8'), scanModule, (chunk, scans) => parentPort.postMessage({ chunk, scans }))
  .then((done) => parentPort.postMessage({ done }), (e) => parentPort.postMessage({ failed: String(e && e.stack || e) }));
`;
  type Message = { chunk: Chunk; scans: FileScan[] } | { done: boolean } | { failed: string };
  const queue: Message[] = [];
  let wake: (() => void) | undefined;
  let broken = false;
  const worker = new Worker(source, { eval: true, workerData: { files, chunkChars }, execArgv: [] });
  const wakeUp = () => { wake?.(); wake = undefined; };
  worker.on('message', (m: Message) => { queue.push(m); wakeUp(); });
  worker.on('error', () => { broken = true; wakeUp(); });
  worker.on('exit', () => { broken = true; wakeUp(); });
  try {
    for (;;) {
      const m = queue.shift();
      if (!m) {
        if (broken) return undefined;
        await new Promise<void>((r) => { wake = r; });
        continue;
      }
      if ('failed' in m) return undefined;
      if ('done' in m) return m.done;
      yield m;
    }
  } finally {
    void worker.terminate();
  }
}

/** Whether the last load read and scanned its files in the scan thread (for tests). */
export let scanThreadUsed = false;

/** The modules of the files in order, or undefined when the project must be bundled by esbuild. */
export async function loadModelScript(dir: string, files: readonly string[], compiler: Record<string, unknown>, chunkChars = CHUNK_CHARS): Promise<Record<string, unknown>[] | undefined> {
  // Another stack formatter (not Node's) would print the script's frames unmapped.
  const own = Error.prepareStackTrace;
  if (own !== undefined && own.name !== 'ErrorPrepareStackTrace') return undefined;
  if (files.some((f) => (extname(f) !== '.ts' && extname(f) !== '.mts') || !isAbsolute(f))) return undefined;
  const cacheDir = join(dir, '.mvkit', 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const defined: Function[] = [];
  const define = (i: number, fn: Function) => { defined[i] = fn; };
  const scripts: string[] = [];
  const forget = (): undefined => { for (const file of scripts) registerSiteMapper(file, undefined); return undefined; };

  // Read and rewrite the files, and hand each chunk that needs a transform to esbuild as soon
  // as it is laid out: esbuild compiles chunks while the next files are read and the previous chunks are
  // compiled by V8. Two transforms at a time (chunks alternate between two lanes), not more:
  // esbuild's memory (page faults cost here) stays small, and the compiler's thread, which
  // waited for the last transforms, waits less (6,000 models: ~80 ms of 1.3 s).
  const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  let sent = 0;
  const jobs: Promise<boolean>[] = [];
  const caching = cacheEnabled();
  // Scripts run whose V8 code is to be kept, once every file has run.
  const uncached: { script: Script; file: string }[] = [];
  /** A script was written: what earlier versions of the files left is removed. */
  let added = false;
  /** Compiles and runs a chunk's script; throws V8's SyntaxError before anything of it has run. */
  const run = async (script: string, file: string, mapper: SiteMapper): Promise<true> => {
    let cachedData: Buffer | undefined;
    if (caching) {
      // Compiled under the flags the code is kept and read under (the SQL parser changes them while it compiles).
      await flagsSettled();
      try {
        cachedData = readFileSync(`${file}.code`);
      } catch {
        // Compiled, and its code kept below.
      }
    }
    const compiled = new Script(script, { filename: file, ...(cachedData ? { cachedData } : {}) });
    // V8's code is kept for a script seen before: a chunk that changed is not compiled twice
    // from scratch in a row, and the first compile of a project does not pay for it.
    const seen = existsSync(file);
    if (!seen) {
      writeFileSync(file, script);
      added = true;
    }
    scripts.push(file);
    registerSiteMapper(file, mapper);
    if (caching && seen && (!cachedData || compiled.cachedDataRejected)) uncached.push({ script: compiled, file });
    (compiled.runInThisContext() as (d: typeof define) => void)(define);
    return true;
  };
  // Parenthesized: the wrapper is compiled with the script, and called at once.
  const wrap = (code: string) => `(function (__mvd) {\n${code}});\n`;
  const transformed = (chunk: Chunk): Promise<boolean> => {
    const text = chunk.text;
    const key = caching ? createHash('sha256').update(`${esbuildVersion}\0${JSON.stringify(TRANSFORM_OPTIONS)}\0`).update(text).digest('hex').slice(0, 24) : undefined;
    const keptFile = key && join(cacheDir, `models-transform-${key}.json`);
    const kept = keptFile ? readKept(keptFile) : undefined;
    let output: Promise<{ code: string; map: string }>;
    if (kept) output = Promise.resolve(kept);
    else {
      const lane = sent++ % lanes.length;
      output = lanes[lane]!.then(() => transform(text, TRANSFORM_OPTIONS));
      lanes[lane] = output.catch(() => undefined);
    }
    return output.then(({ code, map }) => {
      if (keptFile && !kept) keep(keptFile, JSON.stringify({ code, map }));
      const script = wrap(code);
      const file = join(cacheDir, `models-script-${key ?? createHash('sha256').update(script).digest('hex').slice(0, 16)}.js`);
      // The script's line 1 is the wrapper's: the transform's line L is the script's line L + 1.
      return run(script, file, siteMapper(map, 1, files.slice(chunk.first, chunk.first + chunk.starts.length), chunk.starts));
    }).catch(() => false);
  };
  const send = (chunk: Chunk) => {
    if (!chunk.plain) {
      jobs.push(transformed(chunk));
      return;
    }
    // JavaScript already (model-scan.ts's `plain`): the script is the text itself, its lines and
    // columns the files' own. What V8 refuses holds other TypeScript, and is transformed.
    const script = wrap(chunk.text);
    const file = join(cacheDir, `models-script-${createHash('sha256').update(script).digest('hex').slice(0, 24)}.js`);
    jobs.push(run(script, file, lineMapper(files.slice(chunk.first, chunk.first + chunk.starts.length), chunk.starts))
      .catch((e: unknown) => (e instanceof SyntaxError ? transformed(chunk) : false)));
  };
  const scanned: FileScan[] = [];
  const take = async (chunk: Chunk, scans: FileScan[]) => {
    scanned.push(...scans);
    send(chunk);
    // Lets the finished transforms be imported and the next one start.
    await new Promise((r) => setImmediate(r));
  };
  const setting = process.env.MVKIT_SCAN_THREAD;
  let complete: boolean | undefined;
  if (setting === '1' || (setting !== '0' && files.length >= SCAN_THREAD_MIN_FILES)) {
    scanThreadUsed = true;
    const chunks = chunksFromThread(files, chunkChars);
    for (;;) {
      const next = await chunks.next();
      if (next.done) { complete = next.value; break; }
      await take(next.value.chunk, next.value.scans);
    }
  } else {
    scanThreadUsed = false;
    complete = await layChunks(files, chunkChars, (f) => readFileSync(f, 'utf8'), scanModule, take);
  }
  const ok = (await Promise.all(jobs)).every(Boolean);
  if (!ok || !complete || scanned.length < files.length) {
    forget();
    return undefined;
  }

  // Every import resolved to a model file that exports the names, or to the compiler.
  const index = new Map(files.map((f, i) => [f, i]));
  const deps: number[][] = [];
  for (let i = 0; i < files.length; i++) {
    const d: number[] = [];
    for (const imp of scanned[i]!.imports) {
      if (imp.spec === COMPILER) {
        if (imp.names.some((name) => !(name in compiler))) return forget();
        d.push(-1);
        continue;
      }
      const target = imp.spec.startsWith('./') || imp.spec.startsWith('../') ? index.get(resolve(dirname(files[i]!), imp.spec)) : undefined;
      // A name the target does not export (a type, say) would be elided by TypeScript: bundled as before.
      if (target === undefined || imp.names.some((name) => !scanned[target]!.exports.includes(name))) return forget();
      d.push(target);
    }
    deps.push(d);
  }

  const state: (0 | 1 | 2)[] = files.map(() => 0);
  const modules: Record<string, unknown>[] = files.map(() => ({}));
  class Refused extends Error {}
  const evaluate = (i: number): Record<string, unknown> => {
    if (state[i] === 2) return modules[i]!;
    // An import cycle: ES modules give live bindings this script does not.
    if (state[i] === 1) throw new Refused();
    state[i] = 1;
    const d = deps[i]!;
    const req = (k: number) => (d[k] === -1 ? compiler : evaluate(d[k]!));
    const exp = (values: Record<string, unknown>) => {
      Object.assign(modules[i]!, values);
    };
    defined[i]!.call(undefined, req, exp);
    state[i] = 2;
    return modules[i]!;
  };
  try {
    for (let i = 0; i < files.length; i++) evaluate(i);
  } catch {
    // A file that throws, or a cycle: the bundler loads the project again and reports as before.
    return forget();
  }
  for (const { script, file } of uncached) keep(`${file}.code`, script.createCachedData());
  if (caching && added) {
    // What earlier versions of the files left is not read again.
    const current = new Set(scripts.flatMap((file) => { const name = file.slice(cacheDir.length + 1); return [name, `${name}.code`, name.replace(/^models-script-(.*)\.js$/, 'models-transform-$1.json')]; }));
    try {
      for (const name of readdirSync(cacheDir)) if (/^models-(script|transform)-/.test(name) && !current.has(name)) rmSync(join(cacheDir, name), { force: true });
    } catch {
      // Left as it is.
    }
  }
  return modules;
}

type SiteMapper = (line1: number, column1: number) => string | undefined;

/**
 * Maps a frame in a script of plain files (the text after the wrapper's line, unchanged) to
 * `(file:line:column)`.
 */
function lineMapper(files: readonly string[], starts: readonly number[]): SiteMapper {
  // The script's line 1 is the wrapper's: its line L is the text's line L - 1, 0-based L - 2.
  return (line1, column1) => fileSite(files, starts, line1 - 2, column1);
}

/** `(file:line:column)` of a chunk text's line (0-based) and column (1-based): the file whose lines hold it, by `starts`. */
function fileSite(files: readonly string[], starts: readonly number[], line: number, column1: number): string | undefined {
  if (!starts.length || line < starts[0]!) return undefined;
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= line) lo = mid; else hi = mid - 1;
  }
  return `(${files[lo]}:${line - starts[lo]! + 1}:${column1})`;
}

const B64 = new Int8Array(128).fill(-1);
for (let k = 0; k < 64; k++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(k)] = k;

/**
 * Maps a frame's (1-based) line and column in the script to `(file:line:column)` as Node prints
 * a frame mapped through a source map: the nearest mapping at or before the position (Node's
 * SourceMap.findEntry). The mappings are decoded on the first frame, in one pass.
 */
function siteMapper(mapJson: string, lineShift: number, files: readonly string[], starts: readonly number[]): SiteMapper {
  let decoded: { gl: Int32Array; gc: Int32Array; ol: Int32Array; oc: Int32Array; n: number } | undefined;
  // One loop with its state in locals (no closure per field): it runs once per script, over
  // ~400,000 segments at 6,000 models, mostly before V8 has optimized it.
  const decode = () => {
    const mappings = (JSON.parse(mapJson) as { mappings: string }).mappings;
    const len = mappings.length;
    // A segment ends at each ',' and ';': no more segments than those plus one.
    let cap = 1;
    for (let i = mappings.indexOf(','); i >= 0; i = mappings.indexOf(',', i + 1)) cap++;
    for (let i = mappings.indexOf(';'); i >= 0; i = mappings.indexOf(';', i + 1)) cap++;
    const gl = new Int32Array(cap), gc = new Int32Array(cap), ol = new Int32Array(cap), oc = new Int32Array(cap);
    let n = 0;
    let line = lineShift, col = 0, oLine = 0, oCol = 0;
    // A segment's fields: generated column, then source, original line and column, and name (ignored).
    let f0 = 0, f2 = 0, f3 = 0;
    let k = 0;
    while (k < len) {
      const c = mappings.charCodeAt(k);
      if (c === 59 /* ; */) { line++; col = 0; k++; continue; }
      if (c === 44 /* , */) { k++; continue; }
      let fields = 0;
      while (k < len) {
        const ch = mappings.charCodeAt(k);
        if (ch === 44 || ch === 59) break;
        let result = 0, shift = 0, digit = 0;
        do {
          digit = B64[mappings.charCodeAt(k++)]!;
          result += (digit & 31) << shift;
          shift += 5;
        } while (digit & 32);
        const value = result & 1 ? -(result >>> 1) : result >>> 1;
        if (fields === 0) f0 = value;
        else if (fields === 2) f2 = value;
        else if (fields === 3) f3 = value;
        fields++;
      }
      col += f0;
      gl[n] = line; gc[n] = col;
      // A segment without a source position maps to nothing (Node prints the frame unmapped).
      if (fields >= 4) {
        oLine += f2; oCol += f3;
        ol[n] = oLine;
      } else ol[n] = -1;
      oc[n] = oCol;
      n++;
    }
    decoded = { gl, gc, ol, oc, n };
    return decoded;
  };
  return (line1: number, column1: number): string | undefined => {
    const d = decoded ?? decode();
    const line = line1 - 1, column = column1 - 1;
    // Node's SourceMap.findEntry, on the same sorted mappings.
    let first = 0, count = d.n;
    while (count > 1) {
      const step = count >> 1;
      const middle = first + step;
      if (line < d.gl[middle]! || (line === d.gl[middle] && column < d.gc[middle]!)) count = step;
      else { first = middle; count -= step; }
    }
    if (!d.n || (first === 0 && (line < d.gl[0]! || (line === d.gl[0] && column < d.gc[0]!)))) return undefined;
    const oLine = d.ol[first]!;
    return oLine < 0 ? undefined : fileSite(files, starts, oLine, d.oc[first]! + 1);
  };
}
