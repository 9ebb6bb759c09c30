// pnpm bench:compile [--models N]: load, validate and compile a generated project of N models.
import { mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProject, loadProject } from '@mvkit/compiler';
import { generateProject } from './generate.ts';

const arg = process.argv.indexOf('--models');
const n = arg > 0 ? Number(process.argv[arg + 1]) : 1000;
const base = mkdtempSync(join(tmpdir(), 'mvkit-bench-compile-'));
const dir = join(base, 'project');
generateProject(dir, n);
// The generated models import @mvkit/compiler like any project in this workspace.
mkdirSync(join(dir, 'node_modules', '@mvkit'), { recursive: true });
symlinkSync(join(import.meta.dirname, '../../packages/compiler'), join(dir, 'node_modules', '@mvkit', 'compiler'));

const t0 = performance.now();
const project = await loadProject(dir);
const t1 = performance.now();
const result = await compileProject(project, 'redshift');
const t2 = performance.now();
const errors = result.diagnostics.filter((d) => d.severity === 'error');
if (errors.length) throw new Error(`the generated project has errors: ${JSON.stringify(errors.slice(0, 3))}`);
console.log(`models: ${project.models.length}, nodes compiled: ${result.manifest!.nodes.length}`);
console.log(`load (import ${n} TypeScript files): ${(t1 - t0).toFixed(0)} ms`);
console.log(`validate + compile (every pass, Redshift DDL): ${(t2 - t1).toFixed(0)} ms`);
console.log(`total: ${(t2 - t0).toFixed(0)} ms (goal: under 2000 ms)`);
rmSync(base, { recursive: true, force: true });
