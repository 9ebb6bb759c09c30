// npx tsx bench/compile/profile-compile.ts [--models N] [--runs R] [--compiler DIR] [--target redshift|postgres] [--cpu-prof FILE]
// Generates a project of N models once, loads it once, then times compileProject (validate +
// compile, without loading) R times in this process. The first run is what `pnpm bench:compile`
// measures (a fresh process); the later ones are warm. --cpu-prof FILE writes a CPU profile of
// the compileProject runs alone (open it in Chrome DevTools, or summarize it with
// `npx tsx bench/compile/profile-summary.ts FILE`).
// --compiler points at another checkout's packages/compiler (to time a base against a branch).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateProject } from './generate.ts';

const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const n = Number(arg('--models') ?? '6000');
const runs = Number(arg('--runs') ?? '3');
const target = (arg('--target') ?? 'redshift') as 'redshift' | 'postgres';
const profOut = arg('--cpu-prof');
const compilerDir = resolve(arg('--compiler') ?? join(import.meta.dirname, '../../packages/compiler'));

const { compileProject, loadProject } = await import(pathToFileURL(join(compilerDir, 'src/index.ts')).href) as typeof import('@mvkit/compiler');
const base = mkdtempSync(join(tmpdir(), 'mvkit-profile-compile-'));
const dir = join(base, 'project');
try {
  generateProject(dir, n);
  mkdirSync(join(dir, 'node_modules', '@mvkit'), { recursive: true });
  symlinkSync(compilerDir, join(dir, 'node_modules', '@mvkit', 'compiler'));
  const l0 = performance.now();
  const project = await loadProject(dir);
  const loadMs = performance.now() - l0;
  const times: { ms: number; cpuMs: number }[] = [];
  const session = profOut ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await compileProject(project, target);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`the generated project has errors: ${JSON.stringify(errors.slice(0, 3))}`);
    if (result.manifest!.nodes.length !== n) throw new Error(`compiled ${result.manifest!.nodes.length} nodes for ${n} models`);
    times.push({ ms, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profOut!, JSON.stringify(profile));
    session.disconnect();
  }
  const best = times.reduce((a, b) => (b.ms < a.ms ? b : a));
  console.log(JSON.stringify({ models: n, target, compiler: compilerDir, loadMs: Math.round(loadMs),
    runs: times.map((t) => ({ ms: Math.round(t.ms), cpuMs: Math.round(t.cpuMs) })), firstMs: Math.round(times[0]!.ms), bestMs: Math.round(best.ms), bestCpuMs: Math.round(best.cpuMs) }));
} finally {
  rmSync(base, { recursive: true, force: true });
}
