// pnpm bench:compile [--models N[,N...]] [--warm] [--json]: load, validate and compile a generated project of N
// models, each size in a fresh process (a process that loaded one project keeps its modules), from a
// project compiled never before (cold: nothing in its .mvkit/cache). --warm compiles the same project
// twice more, unchanged, each in another fresh process: what the compiles before kept in .mvkit/cache
// is read (V8's code for a model script is kept by the second compile that sees it, and read by the third).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateProject } from './generate.ts';

const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const sizes = (arg('--models') ?? '1000').split(',').map(Number);
const json = process.argv.includes('--json');
const warm = process.argv.includes('--warm');
/** Compiles after the cold one: the second writes V8's code for the model scripts, the third reads it. */
const WARM_RUNS = 2;

export interface CompileRun {
  models: number;
  loadMs: number;
  compileMs: number;
  totalMs: number;
  /** CPU time of the process (user + system) over load + compile: less sensitive to a loaded machine than wall time. */
  cpuMs: number;
  /** CPU time of its child processes over the same span (esbuild's service), where /proc tells it; else null. */
  childCpuMs: number | null;
  /** The same two over loading alone. */
  loadCpuMs: number;
  loadChildCpuMs: number | null;
  /** CPU time of the main thread alone over load + compile, and over loading (Linux /proc), else null: what the other threads (GC helpers, compilers, the parser's) do beside it is left out. */
  mainCpuMs: number | null;
  loadMainCpuMs: number | null;
}

/** User + system CPU of the live child processes of this process, in ms (Linux /proc; clock ticks of 10 ms). */
function childCpuMs(): Map<string, number> | null {
  try {
    const out = new Map<string, number>();
    for (const pid of readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) * 10);
    }
    return out;
  } catch {
    return null;
  }
}

/** User + system CPU of this process's main thread, in ms (Linux /proc; clock ticks of 10 ms), else null. */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

/** A generated project of n models in a new temporary folder (removed by the caller). */
function project(n: number): { base: string; dir: string } {
  const base = mkdtempSync(join(tmpdir(), 'mvkit-bench-compile-'));
  const dir = join(base, 'project');
  generateProject(dir, n);
  // The generated models import @mvkit/compiler like any project in this workspace.
  mkdirSync(join(dir, 'node_modules', '@mvkit'), { recursive: true });
  symlinkSync(join(import.meta.dirname, '../../packages/compiler'), join(dir, 'node_modules', '@mvkit', 'compiler'));
  return { base, dir };
}

async function once(n: number, dir: string): Promise<CompileRun> {
  const { compileProject, loadProject } = await import('@mvkit/compiler');
  {
    const k0 = childCpuMs();
    const m0 = mainThreadCpuMs();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const project = await loadProject(dir);
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    const m1 = mainThreadCpuMs();
    const k1 = childCpuMs();
    const result = await compileProject(project, 'redshift');
    const t2 = performance.now();
    const cpu = process.cpuUsage(c0);
    const m2 = mainThreadCpuMs();
    const k2 = childCpuMs();
    const since = (a: Map<string, number> | null, b: Map<string, number> | null) => (a && b ? [...b].reduce((sum, [pid, ms]) => sum + ms - (a.get(pid) ?? 0), 0) : null);
    const children = since(k0, k2);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`the generated project has errors: ${JSON.stringify(errors.slice(0, 3))}`);
    if (result.manifest!.nodes.length !== n) throw new Error(`compiled ${result.manifest!.nodes.length} nodes for ${n} models`);
    return { models: n, loadMs: t1 - t0, compileMs: t2 - t1, totalMs: t2 - t0, cpuMs: (cpu.user + cpu.system) / 1000, childCpuMs: children,
      loadCpuMs: (c1.user + c1.system) / 1000, loadChildCpuMs: since(k0, k1),
      mainCpuMs: m0 === null || m2 === null ? null : m2 - m0, loadMainCpuMs: m0 === null || m1 === null ? null : m1 - m0 };
  }
}

if (process.argv.includes('--child')) {
  process.stdout.write(JSON.stringify(await once(sizes[0]!, arg('--dir')!)));
} else {
  const runs: (CompileRun & { warm: number })[] = [];
  const child = (n: number, dir: string, warmRun: number) => {
    const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename, '--child', '--models', String(n), '--dir', dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const r = { ...(JSON.parse(out) as CompileRun), warm: warmRun };
    runs.push(r);
    return r;
  };
  for (const n of sizes) {
    const { base, dir } = project(n);
    try {
      print(child(n, dir, 0));
      if (warm) for (let w = 1; w <= WARM_RUNS; w++) print(child(n, dir, w));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }
  function print(r: CompileRun & { warm: number }) {
    const n = r.models;
    if (!json) {
      const main = (ms: number | null) => (ms === null ? '' : `, main thread ${ms} ms`);
      console.log(`${n} models${r.warm ? `, warm ${r.warm}` : ''}: load ${r.loadMs.toFixed(0)} ms (CPU ${r.loadCpuMs.toFixed(0)} ms${main(r.loadMainCpuMs)}${r.loadChildCpuMs === null ? '' : ` + esbuild ${r.loadChildCpuMs.toFixed(0)} ms`}), validate + compile ${r.compileMs.toFixed(0)} ms, total ${r.totalMs.toFixed(0)} ms ` +
        `(${(r.totalMs / n * 1000).toFixed(0)} µs per model; CPU ${r.cpuMs.toFixed(0)} ms${main(r.mainCpuMs)}${r.childCpuMs === null ? '' : ` + esbuild ${r.childCpuMs.toFixed(0)} ms`})`);
    }
  }
  if (json) console.log(JSON.stringify(runs));
  else {
    const cold = runs.filter((r) => !r.warm);
    for (let i = 1; i < cold.length; i++) {
      const a = cold[i - 1]!;
      const b = cold[i]!;
      console.log(`${a.models} → ${b.models} models (×${(b.models / a.models).toFixed(1)}): total ×${(b.totalMs / a.totalMs).toFixed(1)}, CPU ×${(b.cpuMs / a.cpuMs).toFixed(1)} (linear: ×${(b.models / a.models).toFixed(1)})`);
    }
  }
}
