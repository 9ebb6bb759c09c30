import { cpSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
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
  const list = (d: string): string[] => readdirSync(d).sort().flatMap((f) => (statSync(join(d, f)).isDirectory() ? list(join(d, f)) : [relative(dir, join(d, f))]));
  return list(dir);
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
