import { cpSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { MvkitError } from '@mvkit/compiler/errors';

/** The folder copied by `init`: packages/cli/template, from src/commands/ or from the built dist/. */
const TEMPLATE = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../template/' : '../template/', import.meta.url));

/** `init` refuses to write into a folder that already holds files (exit 1, nothing written). */
export class InitRefusedError extends MvkitError {}

/** Files the template holds in the repository that a new project must not get (local state, data). */
const NOT_COPIED = new Set(['.mvkit', 'landing', 'target', 'node_modules']);

/** Creates a project from the template in `dir`; returns the files written, relative to it. */
export function initProject(dir: string): string[] {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new InitRefusedError(`${dir} is a file, not a directory`, { hint: 'pass the path of a new or empty directory: mvkit init my-project' });
    if (readdirSync(dir).length) {
      throw new InitRefusedError(`${dir} is not empty: mvkit init writes a new project and overwrites nothing`, {
        hint: `pass a directory that does not exist yet or is empty (e.g. mvkit init ${basename(dir)}-2)`,
      });
    }
  }
  cpSync(TEMPLATE, dir, { recursive: true, filter: (src) => !NOT_COPIED.has(basename(src)) });
  // npm drops a package's .gitignore files, so the template keeps it under another name.
  renameSync(join(dir, 'gitignore'), join(dir, '.gitignore'));
  const name = basename(dir);
  for (const file of ['mvkit.config.ts', 'README.md']) {
    const path = join(dir, file);
    const quoted = `'${name.replace(/[\\']/g, (c) => `\\${c}`)}'`;
    writeFileSync(path, readFileSync(path, 'utf8').replace(/name: 'shop'/, () => `name: ${quoted}`).replace(/^# shop:/m, () => `# ${name}:`));
  }
  const types = compilerTypesFor(dir);
  if (types) {
    const path = join(dir, 'tsconfig.json');
    const tsconfig = JSON.parse(readFileSync(path, 'utf8')) as { compilerOptions: Record<string, unknown> };
    tsconfig.compilerOptions.paths = { '@mvkit/compiler': [types] };
    writeFileSync(path, `${JSON.stringify(tsconfig, null, 2)}\n`);
  }
  const list = (d: string): string[] => readdirSync(d).sort().flatMap((f) => (statSync(join(d, f)).isDirectory() ? list(join(d, f)) : [relative(dir, join(d, f))]));
  return list(dir);
}

/**
 * Where `tsc` finds the types of `@mvkit/compiler` for a project in `dir`: nothing when a
 * node_modules at or above it has the package (mvkit installed with the project: its own copy
 * resolves, wherever the project is cloned); else, mvkit running from a global install or another
 * folder, the running CLI's own compiler declarations, written into tsconfig.json's `paths`.
 */
export function compilerTypesFor(dir: string): string | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', '@mvkit', 'compiler', 'package.json'))) return undefined;
    if (dirname(d) === d) break;
  }
  // Built: dist/index.js with dist/index.d.ts beside it; from sources (tsx): src/index.ts itself.
  const entry = createRequire(import.meta.url).resolve('@mvkit/compiler');
  const types = entry.replace(/\.js$/, '.d.ts');
  return existsSync(types) ? types : undefined;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .argument('[dir]', 'the new project\'s directory (created if missing, must be empty)', '.')
    .description('Create a new project in DIR: mvkit.config.ts (a local PGlite target), example models of a shop (a stream, a dimension, an enrichment, hourly and daily aggregates, a serving view, a SQL model), macros/, .gitignore, tsconfig.json and a README with the next commands. Refuses a non-empty directory (exit 1).')
    .action((dirArg: string) => {
      const dir = resolve(dirArg);
      const files = initProject(dir);
      const cd = relative(process.cwd(), dir);
      process.stdout.write(`created ${files.length} files in ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}\n\nnext:\n${cd ? `  cd ${cd}\n` : ''}  npx mvkit validate\n  npx mvkit apply\n  (put CDC files under landing/, see README.md)\n  npx mvkit load && npx mvkit refresh\n`);
    });
}
