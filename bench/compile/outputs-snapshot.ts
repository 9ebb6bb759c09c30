// npx tsx bench/compile/outputs-snapshot.ts --out FILE [--compiler DIR] [--models N]: everything
// compileProject returns that a user sees (manifest with its DDL, diagnostics) and the Redshift
// analysis of every MV, for a generated project of N models (1,000 by default), the repository's
// own project, its examples and the compiler's broken fixture projects, for each target, with requireIncremental off and on. Written
// for two checkouts, the files must be byte-identical: a change to the compiler's speed must
// not change its output. --compiler points at another checkout's packages/compiler; its
// repository's projects are compiled.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateProject } from './generate.ts';

const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const out = arg('--out');
if (!out) throw new Error('usage: outputs-snapshot.ts --out FILE [--compiler DIR] [--models N]');
const n = Number(arg('--models') ?? '1000');
const compilerDir = resolve(arg('--compiler') ?? join(import.meta.dirname, '../../packages/compiler'));
const repo = resolve(compilerDir, '../..');
const compiler = await import(pathToFileURL(join(compilerDir, 'src/index.ts')).href) as typeof import('@mvkit/compiler');
const { analyzeManifestMvs } = await import(pathToFileURL(join(compilerDir, 'src/passes/eligibility.ts')).href) as typeof import('../../packages/compiler/src/passes/eligibility.ts');

const base = mkdtempSync(join(tmpdir(), 'mvkit-outputs-'));
const lines: string[] = [];
try {
  const generated = join(base, 'project');
  generateProject(generated, n);
  mkdirSync(join(generated, 'node_modules', '@mvkit'), { recursive: true });
  symlinkSync(compilerDir, join(generated, 'node_modules', '@mvkit', 'compiler'));
  const projects: [string, string][] = [[`generated-${n}`, generated], ['.', repo],
    ...readdirSync(join(repo, 'examples')).sort().map((e): [string, string] => [`examples/${e}`, join(repo, 'examples', e)]),
    // Broken projects: their diagnostics.
    ...['projects', 'require-incremental'].flatMap((f) => readdirSync(join(compilerDir, 'test/fixtures', f)).sort()
      .map((e): [string, string] => [`fixtures/${f}/${e}`, join(compilerDir, 'test/fixtures', f, e)]))];
  for (const [label, dir] of projects) {
    const project = await compiler.loadProject(dir);
    for (const target of ['redshift', 'postgres'] as const) {
      for (const requireIncremental of [false, true]) {
        const result = await compiler.compileProject(project, target, { requireIncremental });
        const analysis = result.manifest && target === 'redshift'
          ? analyzeManifestMvs(result.manifest).map((a) => ({ node: a.node.name, result: a.result, error: a.error && { message: a.error.message, line: a.error.line, column: a.error.column } }))
          : null;
        const text = JSON.stringify({ project: label, target, requireIncremental, ok: result.ok, diagnostics: result.diagnostics, manifest: result.manifest, analysis }, null, 1);
        lines.push(text.split(dir).join('<project>').split(repo).join('<repo>'));
        console.log(`${label} ${target}${requireIncremental ? ' requireIncremental' : ''}: ${result.manifest?.nodes.length ?? 0} nodes, ${result.diagnostics.length} diagnostics`);
      }
    }
  }
  writeFileSync(out, `${lines.join('\n')}\n`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
