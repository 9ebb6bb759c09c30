import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { basename, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configProblems, type ProjectConfig } from './config.ts';
import { isModel, type Model } from './dsl/model.ts';
import { analysisCacheFile } from './analysis-cache.ts';
import { cacheEnabled } from './compiler-key.ts';
import { startAnalyzerWorker } from './analyzer-pool.ts';
import { loadModelScript } from './model-bundle.ts';
import { isTestFile } from './dsl/model-test.ts';
import type { UnknownColumnError } from './column-scope.ts';
import { ModelError, type Diagnostic } from './errors.ts';

export interface Project {
  readonly dir: string;
  readonly config: ProjectConfig;
  readonly models: readonly Model[];
  readonly macros: Readonly<Record<string, string>>;
  /** Files that did not load, as diagnostics: the rest of the project still compiles. */
  readonly loadDiagnostics: readonly Diagnostic[];
}

const CONFIG_FILES = ['mvkit.config.ts', 'mvkit.config.mts', 'mvkit.config.js', 'mvkit.config.mjs'];

/** Inside a vitest worker (not merely a process started by one, which inherits VITEST=true). */
const underVitest = () => '__vitest_worker__' in globalThis;

/**
 * The compiler that is running, as the module its entry is: src/index.ts from sources (the CLI
 * runs under tsx), dist/index.js once built. Model files and the config import `@mvkit/compiler`
 * and get this very module wherever the project lives, with or without a node_modules of its own,
 * so `isModel` and `instanceof Expr` see one class.
 */
const SELF = new URL(`./index${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;
const runningCompiler: Plugin = {
  name: 'mvkit-running-compiler',
  setup(b) {
    b.onResolve({ filter: /^@mvkit\/compiler$/ }, () => ({ path: SELF, external: true }));
  },
};

/** How project files are bundled: other packages stay external, an inline source map keeps file:line. */
const bundleOptions = (dir: string, name: string): BuildOptions => ({
  // Source-map paths are relative to the bundle, which is written into the cache folder.
  outfile: join(dir, '.mvkit', 'cache', `${name}.mjs`), absWorkingDir: dir,
  bundle: true, format: 'esm', platform: 'node', target: 'node20', write: false, sourcemap: 'inline',
  packages: 'external', plugins: [runningCompiler], logLevel: 'silent', keepNames: true,
});

/** Writes a bundle into the cache under a name of its content and imports it. */
async function importBundle(dir: string, name: string, code: string): Promise<Record<string, unknown>> {
  process.setSourceMapsEnabled(true);
  const cacheDir = join(dir, '.mvkit', 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const bundle = join(cacheDir, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(bundle)) writeFileSync(bundle, code);
  return (await import(pathToFileURL(bundle).href)) as Record<string, unknown>;
}

/** The config file, bundled like the model files (it imports `@mvkit/compiler` for defineConfig). */
async function importFile(dir: string, file: string): Promise<Record<string, unknown>> {
  if (underVitest()) return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  let code: string;
  try {
    code = (await build({ ...bundleOptions(dir, 'config'), entryPoints: [file] })).outputFiles![0]!.text;
  } catch (e) {
    // A syntax error: rethrown with its site as a stack frame, which the caller reports as file:line.
    const x = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors?.[0];
    if (!x) throw e;
    const error = new Error(x.text);
    if (x.location) error.stack = `Error: ${x.text}\n    at ${resolve(dir, x.location.file)}:${x.location.line}:${x.location.column + 1}`;
    throw error;
  }
  return importBundle(dir, 'config', code);
}

/**
 * All model files in one esbuild bundle, imported once: model files import each other and must
 * share one module instance per file, and one bundle loads 1,000 files in a fraction of the
 * time of a loader hook per file. `@mvkit/compiler` is the running compiler, other packages
 * stay external.
 */
export async function importModels(dir: string, files: readonly string[], options: { bundle?: boolean; chunkChars?: number } = {}): Promise<{ modules: Record<string, unknown>[]; diagnostics: Diagnostic[] }> {
  if (underVitest()) {
    // Under vitest its own module runner compiles TypeScript and shares module instances.
    const modules: Record<string, unknown>[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const file of files) {
      try {
        modules.push((await import(pathToFileURL(file).href)) as Record<string, unknown>);
      } catch (e) {
        diagnostics.push(loadError(e, file));
      }
    }
    return { modules, diagnostics };
  }
  if (!options.bundle && files.length) {
    // Most projects: one script of one function per file, one transform (model-bundle.ts).
    process.setSourceMapsEnabled(true);
    const modules = await loadModelScript(dir, files, (await import(SELF)) as Record<string, unknown>, options.chunkChars);
    if (modules) return { modules, diagnostics: [] };
  }
  // Each file imported dynamically, which makes esbuild wrap its code in a function of its own
  // (evaluated in the same order as static imports: a file after the files it imports). Scope-
  // hoisted into the bundle's one top-level function, every declaration's stack frame sat in a
  // function as large as the project, and V8 finds a frame's line by scanning its function from
  // the start: loading grew with the square of the project. Not awaited one by one: the
  // promises are created in order and settle in order, without suspending the entry each time.
  const entry = `export const loaded = [\n${files.map((f) => `  import(${JSON.stringify(f)}),`).join('\n')}\n];`;
  let code: string;
  try {
    const out = await build({
      ...bundleOptions(dir, 'models'),
      stdin: { contents: entry, resolveDir: dir, loader: 'ts', sourcefile: 'mvkit-models-entry.ts' },
    });
    code = out.outputFiles![0]!.text;
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors ?? [];
    if (!errors.length) throw e;
    return {
      modules: [],
      diagnostics: errors.map((x) => ({
        code: 'syntax-error', severity: 'error' as const, message: `model file does not compile: ${x.text}`,
        file: x.location ? resolve(dir, x.location.file) : undefined, line: x.location?.line, column: (x.location?.column ?? 0) + 1,
        hint: 'fix the TypeScript syntax at this line',
      })),
    };
  }
  try {
    const ns = (await importBundle(dir, 'models', code)) as { loaded?: Promise<Record<string, unknown>>[] };
    // The first file that throws rejects, as the first throw stopped a static import.
    const modules = await Promise.all(ns.loaded ?? []);
    return { modules: files.map((_, i) => modules[i] ?? {}), diagnostics: [] };
  } catch (e) {
    // The file of the innermost frame in a model file: where the error was thrown.
    const stack = (e as Error).stack ?? '';
    const at = (f: string) => { const i = stack.indexOf(f + ':'); return i < 0 ? Infinity : i; };
    const file = [...files].sort((a, b) => at(a) - at(b)).find((f) => at(f) < Infinity) ?? files[0] ?? dir;
    return { modules: [], diagnostics: [loadError(e, file)] };
  }
}

function loadError(e: unknown, file: string): Diagnostic {
  const site = errorSite(e, file);
  if (e instanceof Error && e.name === 'UnknownColumnError') return unknownColumn(e as UnknownColumnError, file, site);
  return { code: 'load-error', severity: 'error', message: `model file does not load: ${(e as Error).message}`, file, ...site, hint: 'fix the error at this line; run `pnpm typecheck` for type errors' };
}

/**
 * A misspelled column in a measure, derive or where callback: at the callback's line, with the
 * model it belongs to (read from the declaration's line: the next frame of the same file).
 */
function unknownColumn(e: UnknownColumnError, file: string, site: { line: number; column: number }): Diagnostic {
  const frames = framesIn(e, file);
  const declaration = frames.find((f) => f.line !== site.line || f.column !== site.column);
  let model = e.owner;
  if (!model && declaration) {
    const text = readFileSync(file, 'utf8').split('\n')[declaration.line - 1]?.slice(declaration.column - 1) ?? '';
    model = /^\w+\s*\(\s*(['"`])([^'"`]+)\1/.exec(text)?.[2];
  }
  return {
    code: 'unknown-column', severity: 'error', file, ...site, ...(model ? { model } : {}),
    message: `unknown column "${e.column}"${model ? ` of "${model}"` : ''} read in a callback; columns: ${e.columns.join(', ')}`,
    hint: e.hint ?? 'use one of the columns listed',
  };
}

/** Every stack frame of an error that is in `file`, outermost last. */
function framesIn(e: unknown, file: string): { line: number; column: number }[] {
  const stack = e instanceof Error ? e.stack ?? '' : '';
  const out: { line: number; column: number }[] = [];
  for (const l of stack.split('\n')) {
    const i = l.indexOf(file + ':');
    if (i < 0) continue;
    const [line, column] = l.slice(i + file.length + 1).split(':').map((x) => parseInt(x, 10));
    if (line) out.push({ line, column: column || 1 });
  }
  return out;
}

export function listFiles(dir: string, exts: readonly string[]): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  // The entries' types come with the listing (a stat per file cost ~10 µs, 20,000 of them); a
  // symbolic link, or a type the file system does not give, is followed with a stat as before.
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of entries) {
    const entry = d.name;
    const p = join(dir, entry);
    const directory = d.isDirectory() || ((d.isSymbolicLink() || !(d.isFile() || d.isDirectory())) && statSync(p).isDirectory());
    if (directory) out.push(...listFiles(p, exts));
    else if (exts.includes(extname(entry)) && !entry.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Where in a model file an exception was thrown, from its stack. */
function errorSite(e: unknown, file: string): { line: number; column: number } {
  return framesIn(e, file)[0] ?? { line: 1, column: 1 };
}

/** The first line of a file that holds `literal` as a quoted string or a key (1 when none does). */
function lineOf(file: string, literal: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`'${literal}'`) || l.includes(`"${literal}"`));
  const j = i >= 0 ? i : lines.findIndex((l) => new RegExp(`\\b${literal.replace(/[^\w]/g, '')}\\s*:`).test(l));
  return j >= 0 ? j + 1 : 1;
}

/** Loads the config, every model file under models/ and every macro under macros/. */
export async function loadProject(dirArg: string): Promise<Project> {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ModelError(`project directory ${dir} does not exist`, [], { hint: 'pass --project DIR with the folder that holds mvkit.config.ts and models/' });
  }
  let config: ProjectConfig = { name: basename(dir) };
  const configFile = CONFIG_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (configFile) {
    try {
      const mod = await importFile(dir, configFile);
      const declared = (mod.default ?? mod.config) as Partial<ProjectConfig> | undefined;
      config = { ...declared, name: declared?.name ?? basename(dir) };
    } catch (e) {
      const site = errorSite(e, configFile);
      throw new ModelError(`${relative(dir, configFile)}:${site.line}:${site.column}: the project config does not load: ${(e as Error).message}`, [], { cause: e, hint: 'fix the config file' });
    }
    const [problem] = configProblems(config);
    if (problem) {
      const line = lineOf(configFile, problem.near);
      const diagnostic: Diagnostic = { code: 'config', severity: 'error', message: problem.message, file: configFile, line, column: 1, hint: problem.hint };
      throw new ModelError(`${relative(dir, configFile)}:${line}: ${problem.message}`, [diagnostic], { hint: problem.hint });
    }
  }
  const modelsDir = join(dir, config.modelsDir ?? 'models');
  if (!existsSync(modelsDir)) {
    throw new ModelError(`no models directory at ${modelsDir}`, [], { hint: 'create models/ with one .ts file per model, or set modelsDir in mvkit.config.ts' });
  }
  const models: Model[] = [];
  const loadDiagnostics: Diagnostic[] = [];
  const files = listFiles(modelsDir, ['.ts', '.mts', '.js', '.mjs']).filter((f) => !isTestFile(f));
  // A large project's Redshift analysis gets a worker thread, which warms up while the files load.
  // Not when the analyses kept from the last compile are there: the MVs that changed are analyzed in this thread.
  if (!underVitest() && !(cacheEnabled() && existsSync(analysisCacheFile(dir)))) startAnalyzerWorker(files.length);
  const loaded = await importModels(dir, files);
  loadDiagnostics.push(...loaded.diagnostics);
  // A model re-exported by several files is listed once (a Set: a scan of the list per export grew with the square of the project).
  const seen = new Set<Model>();
  for (const mod of loaded.modules) {
    for (const value of Object.values(mod)) if (isModel(value) && !seen.has(value)) { seen.add(value); models.push(value); }
  }
  const macros: Record<string, string> = {};
  for (const file of listFiles(join(dir, config.macrosDir ?? 'macros'), ['.hbs', '.sql'])) {
    macros[basename(file).replace(/\.(hbs|sql)$/, '')] = readFileSync(file, 'utf8');
  }
  return { dir, config, models, macros, loadDiagnostics };
}
