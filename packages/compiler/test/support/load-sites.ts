// Run with tsx, outside vitest (under vitest the loader imports each file through vitest):
// loads a project's model files through the one-script loader and through the esbuild bundle,
// and prints, for each, every exported model's name and file:line:column, and whether the
// script loaded the project (or it fell back to the bundle).
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isModel } from '../../src/dsl/model.ts';
import { importModels, listFiles } from '../../src/project.ts';
import { scanThreadUsed } from '../../src/model-bundle.ts';

const dir = process.argv[2]!;
// Optionally a script per few files, as in a large project.
const chunkChars = process.argv[3] ? Number(process.argv[3]) : undefined;
const files = listFiles(join(dir, 'models'), ['.ts', '.mts', '.js', '.mjs']).filter((f) => !/\.test\.m?[jt]s$/.test(f));
const sites = (modules: Record<string, unknown>[]) =>
  modules.flatMap((m, i) => Object.entries(m).map(([exported, v]) => {
    const loc = isModel(v) ? (v as { loc: { file: string; line: number; column: number } }).loc : undefined;
    return { file: files[i], exported, name: isModel(v) ? (v as { name: string }).name : undefined, loc };
  }));
rmSync(join(dir, '.mvkit', 'cache'), { recursive: true, force: true });
const script = await importModels(dir, files, { chunkChars });
// The bundle is written as models-<hash>.mjs only when the script could not load the project.
const scanThread = scanThreadUsed;
const kept = readdirSync(join(dir, '.mvkit', 'cache'));
const viaScript = !kept.some((f) => /^models-[0-9a-f]{16}\.mjs$/.test(f));
// Scripts run, and transforms made for them (the files that needed one).
const scripts = kept.filter((f) => /^models-script-\w+\.js$/.test(f)).length;
const transformed = kept.filter((f) => /^models-transform-\w+\.json$/.test(f)).length;
const bundle = await importModels(dir, files, { bundle: true });
process.stdout.write(JSON.stringify({
  viaScript,
  scanThread,
  scripts,
  transformed,
  script: { sites: sites(script.modules), diagnostics: script.diagnostics },
  bundle: { sites: sites(bundle.modules), diagnostics: bundle.diagnostics },
}));
