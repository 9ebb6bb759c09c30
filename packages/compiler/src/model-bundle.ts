import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transform } from 'esbuild';
import { registerSiteMapper } from './location.ts';
import { scanModule, type ScannedModule } from './model-scan.ts';

/**
 * The model files of a project as one script of one function per file, compiled by a single
 * esbuild transform: the bundler spent most of the time of a large project on its work per
 * file (resolving, linking, wrapping, the source map of 20,000 files), and Node then parsed
 * that source map to map each declaration's stack frame.
 *
 * Each file's module syntax is rewritten in place (model-scan.ts), so its lines and columns
 * stay those of the file; the files are laid one after the other in one TypeScript text, each
 * inside `__mvd(index, function (__mvr, __mvx) {` on a line of its own; the transform's source
 * map leads back from the script to that text, and the line offsets of the files from there to
 * each file. Stack frames in the script are mapped through it (location.ts), as Node would
 * map them through an inline source map.
 *
 * Only projects inside the accepted subset load this way: plain named or namespace imports of
 * other model files and of `@mvkit/compiler`, exported const/function/enum declarations, no
 * import cycle, every file loading without an error. Anything else returns undefined and the
 * project is bundled by esbuild as before, which also reports syntax errors and load errors
 * with their file:line as before.
 */

interface Prepared {
  readonly code: string;
  /** Per file: the index of each import's target file, or -1 for `@mvkit/compiler`. */
  readonly deps: readonly (readonly number[])[];
  /** Per file: the names it imports from `@mvkit/compiler`. */
  readonly compilerNames: readonly string[];
  readonly exports: readonly (readonly string[])[];
  /** Line (0-based) of the concatenated text where each file's first line sits. */
  readonly starts: readonly number[];
}

const COMPILER = '@mvkit/compiler';
const HEADER = (i: number, exports: readonly string[]) =>
  `__mvd(${i}, function (__mvr, __mvx) { __mvx({ ${exports.map((e) => `${JSON.stringify(e)}: () => ${e}`).join(', ')} });\n`;

/** Reads and rewrites the files; undefined when one of them is outside the accepted subset. */
function prepare(files: readonly string[]): Prepared | undefined {
  if (files.some((f) => (extname(f) !== '.ts' && extname(f) !== '.mts') || !isAbsolute(f))) return undefined;
  const index = new Map(files.map((f, i) => [f, i]));
  const scanned: ScannedModule[] = [];
  for (const f of files) {
    const s = scanModule(readFileSync(f, 'utf8'));
    if (!s) return undefined;
    scanned.push(s);
  }
  const deps: number[][] = [];
  const compilerNames = new Set<string>();
  for (let i = 0; i < files.length; i++) {
    const d: number[] = [];
    for (const imp of scanned[i]!.imports) {
      if (imp.spec === COMPILER) {
        for (const name of imp.names) compilerNames.add(name);
        d.push(-1);
        continue;
      }
      if (!imp.spec.startsWith('./') && !imp.spec.startsWith('../')) return undefined;
      const target = index.get(resolve(dirname(files[i]!), imp.spec));
      if (target === undefined) return undefined;
      // A name the target does not export (a type, say) would be elided by TypeScript: bundled as before.
      if (imp.names.some((name) => !scanned[target]!.exports.includes(name))) return undefined;
      d.push(target);
    }
    deps.push(d);
  }
  const parts: string[] = [];
  const starts: number[] = [];
  let line = 0;
  for (let i = 0; i < files.length; i++) {
    const s = scanned[i]!;
    parts.push(HEADER(i, s.exports));
    line += 1;
    starts.push(line);
    parts.push(s.code, '\n});\n');
    line += countLines(s.code) + 2;
  }
  return { code: parts.join(''), deps, compilerNames: [...compilerNames], exports: scanned.map((s) => s.exports), starts };
}

function countLines(s: string): number {
  let n = 0;
  for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', k + 1)) n++;
  return n;
}

/** The modules of the files in order, or undefined when the project must be bundled by esbuild. */
export async function loadModelScript(dir: string, files: readonly string[], compiler: Record<string, unknown>): Promise<Record<string, unknown>[] | undefined> {
  // Another stack formatter (not Node's) would print the script's frames unmapped.
  const own = Error.prepareStackTrace;
  if (own !== undefined && own.name !== 'ErrorPrepareStackTrace') return undefined;
  const p = prepare(files);
  if (!p) return undefined;
  if (p.compilerNames.some((name) => !(name in compiler))) return undefined;
  let code: string;
  let map: string;
  try {
    const out = await transform(p.code, {
      loader: 'ts', target: 'node20', keepNames: true, sourcemap: 'external', sourcesContent: false,
      sourcefile: 'mvkit-models.ts', logLevel: 'silent',
    });
    code = out.code;
    map = out.map;
  } catch {
    return undefined;
  }
  const script = `export default function (__mvd) {\n${code}}\n`;
  const cacheDir = join(dir, '.mvkit', 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `models-script-${createHash('sha256').update(script).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) writeFileSync(file, script);
  const url = pathToFileURL(file).href;
  // The script's line 1 is the wrapper's: the transform's line L is the script's line L + 1.
  const mapper = siteMapper(map, 1, files, p.starts);
  registerSiteMapper(url, mapper);
  let defined: (Function | undefined)[] = [];
  const define = (i: number, fn: Function) => { defined[i] = fn; };
  try {
    const mod = (await import(url)) as { default: (d: typeof define) => void };
    mod.default(define);
  } catch {
    registerSiteMapper(url, undefined);
    return undefined;
  }
  const state: (0 | 1 | 2)[] = files.map(() => 0);
  const modules: Record<string, unknown>[] = files.map(() => ({}));
  class Refused extends Error {}
  const evaluate = (i: number): Record<string, unknown> => {
    if (state[i] === 2) return modules[i]!;
    // An import cycle: ES modules give live bindings this script does not.
    if (state[i] === 1) throw new Refused();
    state[i] = 1;
    const deps = p.deps[i]!;
    const req = (k: number) => (deps[k] === -1 ? compiler : evaluate(deps[k]!));
    const exp = (getters: Record<string, () => unknown>) => {
      for (const name of p.exports[i]!) Object.defineProperty(modules[i], name, { get: getters[name], enumerable: true });
    };
    defined[i]!.call(undefined, req, exp);
    state[i] = 2;
    return modules[i]!;
  };
  try {
    for (let i = 0; i < files.length; i++) evaluate(i);
  } catch {
    // A file that throws, or a cycle: the bundler loads the project again and reports as before.
    registerSiteMapper(url, undefined);
    return undefined;
  }
  defined = [];
  return modules;
}

const B64 = new Int8Array(128).fill(-1);
for (let k = 0; k < 64; k++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(k)] = k;

/**
 * Maps a frame's (1-based) line and column in the script to `(file:line:column)` as Node prints
 * a frame mapped through a source map: the nearest mapping at or before the position (Node's
 * SourceMap.findEntry). The mappings are decoded on the first frame, in one pass.
 */
function siteMapper(mapJson: string, lineShift: number, files: readonly string[], starts: readonly number[]) {
  let decoded: { gl: Int32Array; gc: Int32Array; ol: Int32Array; oc: Int32Array; n: number } | undefined;
  const decode = () => {
    const mappings = (JSON.parse(mapJson) as { mappings: string }).mappings;
    let cap = 1024;
    let gl = new Int32Array(cap), gc = new Int32Array(cap), ol = new Int32Array(cap), oc = new Int32Array(cap);
    let n = 0;
    let line = lineShift, col = 0, src = 0, oLine = 0, oCol = 0, name = 0;
    const len = mappings.length;
    let k = 0;
    const field = (): number => {
      let result = 0, shift = 0, digit: number;
      do {
        digit = B64[mappings.charCodeAt(k++)]!;
        result += (digit & 31) << shift;
        shift += 5;
      } while (digit & 32);
      return result & 1 ? -(result >>> 1) : result >>> 1;
    };
    while (k < len) {
      const c = mappings.charCodeAt(k);
      if (c === 59 /* ; */) { line++; col = 0; k++; continue; }
      if (c === 44 /* , */) { k++; continue; }
      col += field();
      const next = mappings.charCodeAt(k);
      // A segment without a source position maps to nothing (Node prints the frame unmapped).
      let hasSource = false;
      if (k < len && next !== 44 && next !== 59) {
        src += field();
        oLine += field();
        oCol += field();
        hasSource = true;
        const after = mappings.charCodeAt(k);
        if (k < len && after !== 44 && after !== 59) name += field();
      }
      if (n === cap) {
        cap *= 2;
        const grow = (a: Int32Array) => { const b = new Int32Array(cap); b.set(a); return b; };
        gl = grow(gl); gc = grow(gc); ol = grow(ol); oc = grow(oc);
      }
      gl[n] = line; gc[n] = col; ol[n] = hasSource ? oLine : -1; oc[n] = oCol; n++;
    }
    void src; void name;
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
    if (oLine < 0) return undefined;
    // The file whose lines hold the original line.
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= oLine) lo = mid; else hi = mid - 1;
    }
    if (oLine < starts[lo]!) return undefined;
    return `(${files[lo]}:${oLine - starts[lo]! + 1}:${d.oc[first]! + 1})`;
  };
}
