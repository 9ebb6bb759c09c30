import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';
import type { ProjectConfig } from './config.ts';
import { isModel, type Model } from './dsl/model.ts';
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

let registered = false;

/**
 * Model files import each other: they must share one module instance per file, so the
 * TypeScript loader is registered once for the process instead of one namespace per file.
 */
async function importFile(file: string): Promise<Record<string, unknown>> {
  if (!registered && !process.env.VITEST) {
    register();
    registered = true;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

function listFiles(dir: string, exts: readonly string[]): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, exts));
    else if (exts.includes(extname(entry)) && !entry.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Where in a model file an exception was thrown, from its stack. */
function errorSite(e: unknown, file: string): { line: number; column: number } {
  const stack = e instanceof Error ? e.stack ?? '' : '';
  for (const l of stack.split('\n')) {
    const i = l.indexOf(file + ':');
    if (i >= 0) {
      const [line, column] = l.slice(i + file.length + 1).split(':').map((x) => parseInt(x, 10));
      if (line) return { line, column: column || 1 };
    }
  }
  return { line: 1, column: 1 };
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
      const mod = await importFile(configFile);
      const declared = (mod.default ?? mod.config) as Partial<ProjectConfig> | undefined;
      config = { ...declared, name: declared?.name ?? basename(dir) };
    } catch (e) {
      const site = errorSite(e, configFile);
      throw new ModelError(`${relative(dir, configFile)}:${site.line}:${site.column}: the project config does not load: ${(e as Error).message}`, [], { cause: e, hint: 'fix the config file' });
    }
  }
  const modelsDir = join(dir, config.modelsDir ?? 'models');
  if (!existsSync(modelsDir)) {
    throw new ModelError(`no models directory at ${modelsDir}`, [], { hint: 'create models/ with one .ts file per model, or set modelsDir in mvkit.config.ts' });
  }
  const models: Model[] = [];
  const loadDiagnostics: Diagnostic[] = [];
  for (const file of listFiles(modelsDir, ['.ts', '.mts', '.js', '.mjs'])) {
    try {
      const mod = await importFile(file);
      for (const value of Object.values(mod)) if (isModel(value) && !models.includes(value)) models.push(value);
    } catch (e) {
      const site = errorSite(e, file);
      loadDiagnostics.push({ code: 'load-error', severity: 'error', message: `model file does not load: ${(e as Error).message}`, file, ...site, hint: 'fix the error at this line; run `pnpm typecheck` for type errors' });
    }
  }
  const macros: Record<string, string> = {};
  for (const file of listFiles(join(dir, config.macrosDir ?? 'macros'), ['.hbs', '.sql'])) {
    macros[basename(file).replace(/\.(hbs|sql)$/, '')] = readFileSync(file, 'utf8');
  }
  return { dir, config, models, macros, loadDiagnostics };
}
