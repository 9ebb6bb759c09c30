// npx tsx bench/compile/phases.ts [--models N] [--runs R] [--compiler DIR] [--cpu-prof FILE] [--heap-prof FILE]: the phases of
// compileProject (graph, checks before the parser, parser-based checks, manifest, Redshift
// eligibility), timed one by one as compileProject runs them, on a generated project of N models
// loaded once; a second line per run gives the process's CPU time (user + system) per phase group
// and the garbage collector's pauses over the run (minor: scavenges, major: mark-compact). --cpu-prof writes a CPU profile of the last run (warm, unless --runs 1), --heap-prof a
// sampling profile of what it allocates (collected objects included).
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateProject } from './generate.ts';

const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const n = Number(arg('--models') ?? '6000');
const runs = Number(arg('--runs') ?? '2');
const compilerDir = resolve(arg('--compiler') ?? join(import.meta.dirname, '../../packages/compiler'));
const src = (p: string) => import(pathToFileURL(join(compilerDir, 'src', p)).href);
const { loadProject } = await src('index.ts');
const { buildGraph } = await src('graph.ts');
const { renderSqlModels } = await src('passes/sql-models.ts');
const { structurePass } = await src('passes/structure.ts');
const { namesPass } = await src('passes/names.ts');
const { typeBoundsPass } = await src('passes/type-bounds.ts');
const { tenantPass } = await src('passes/tenant.ts');
const { physicalPass } = await src('passes/physical.ts');
const { assertionsPass } = await src('passes/assertions.ts');
const { functionsPass, functionTargets } = await src('passes/functions.ts');
const { sqlTenantPass } = await src('passes/sql-tenant.ts');
const { initAnalyzer } = await src('analyzer/index.ts');
const { compileManifest } = await src('compile.ts');
const { eligibilityPass } = await src('passes/eligibility.ts');

const base = mkdtempSync(join(tmpdir(), 'mvkit-phases-'));
const dir = join(base, 'project');
try {
  generateProject(dir, n);
  mkdirSync(join(dir, 'node_modules', '@mvkit'), { recursive: true });
  symlinkSync(compilerDir, join(dir, 'node_modules', '@mvkit', 'compiler'));
  const project = await loadProject(dir);
  const profOut = arg('--cpu-prof');
  const heapOut = arg('--heap-prof');
  const session = profOut || heapOut ? new Session() : null;
  for (let r = 0; r < runs; r++) {
    if (session && r === runs - 1) {
      session.connect();
      if (profOut) {
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 200 });
        await session.post('Profiler.start');
      }
      if (heapOut) {
        await session.post('HeapProfiler.enable');
        await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      }
    }
    // Garbage collection during the run (pauses of the main thread, by kind: minor = scavenge, major = mark-compact).
    const gcEntries: PerformanceEntry[] = [];
    const observer = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
    observer.observe({ entryTypes: ['gc'] });
    const times: Record<string, number> = {};
    const cpu: Record<string, number> = {};
    const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    let t = performance.now();
    let c = cpuMs();
    const ends: [string, number][] = [];
    const lap = (name: string) => { const now = performance.now(); const nowCpu = cpuMs(); times[name] = Math.round(now - t); cpu[name] = Math.round(nowCpu - c); t = now; c = nowCpu; ends.push([name, now]); };
    const graph = buildGraph(project.models, project.macros);
    lap('graph');
    const rendered = renderSqlModels(graph, { dir: 'macros', exists: existsSync(join(project.dir, 'macros')) });
    lap('sqlModels');
    structurePass(graph); lap('structure');
    namesPass(graph); lap('names');
    typeBoundsPass(graph); lap('typeBounds');
    tenantPass(graph); lap('tenant');
    physicalPass(graph); lap('physical');
    assertionsPass(graph); lap('assertions');
    await initAnalyzer(); lap('initAnalyzer');
    functionsPass(graph, rendered.sql, functionTargets(null)); lap('functions');
    sqlTenantPass(graph, rendered.sql); lap('sqlTenant');
    const manifest = compileManifest(graph, { target: 'redshift', projectName: 'p', projectDir: project.dir }); lap('manifest');
    await eligibilityPass(graph, manifest, { requireIncremental: false }); lap('eligibility');
    await new Promise((r) => setTimeout(r, 10));
    gcEntries.push(...observer.takeRecords());
    observer.disconnect();
    // Each pause is booked to the phase it started in.
    const gc = { manifest: 0, eligibility: 0, other: 0, minor: 0, major: 0, count: 0 };
    for (const e of gcEntries) {
      const phase = ends.find(([, end]) => e.startTime < end)?.[0];
      gc[phase === 'manifest' || phase === 'eligibility' ? phase : 'other'] += e.duration;
      if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === 1) gc.minor += e.duration; else gc.major += e.duration;
      gc.count++;
    }
    const total = Object.values(times).reduce((a, b) => a + b, 0);
    const totalCpu = Object.values(cpu).reduce((a, b) => a + b, 0);
    console.log(JSON.stringify({ models: n, run: r + 1, total, ...times }));
    console.log(JSON.stringify({ models: n, run: r + 1, cpu: true, total: totalCpu, graph: cpu.graph, passes: totalCpu - cpu.graph! - cpu.manifest! - cpu.eligibility!, manifest: cpu.manifest, eligibility: cpu.eligibility, gc: Object.fromEntries(Object.entries(gc).map(([k, v]) => [k, Math.round(v)])) }));
  }
  if (session) {
    if (profOut) writeFileSync(profOut, JSON.stringify((await session.post('Profiler.stop')).profile));
    if (heapOut) writeFileSync(heapOut, JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
    session.disconnect();
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
