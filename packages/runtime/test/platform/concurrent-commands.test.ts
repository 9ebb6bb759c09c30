import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { applyDeployment } from '../../src/apply/apply.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { verify } from '../../src/ivm/index.ts';
import { listLandingFiles, loadLanding } from '../../src/load/index.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { generateSample, writeBatch } from '../../../../scripts/platform/index.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { loadedContents, platformManifest, REPO } from './helpers.ts';

/**
 * `load`, `refresh`, `apply`, `status` and `verify` as separate mvkit processes, started in a
 * seeded random order with random delays so that they overlap, round after round with new
 * landing files written between rounds. Whatever the interleaving, the end state must be the one
 * of an uninterrupted run over the same files: each file loaded once, every MV equal.
 */

const BIN = join(REPO, 'packages/cli/src/bin.ts');
// Each process starts tsx and PGlite (seconds on a shared machine): three rounds of five keep the test to a few minutes.
const ROUNDS = Number(process.env.MVKIT_CONCURRENT_ROUNDS ?? 3);
const COMMANDS = ['load', 'refresh', 'apply', 'status', 'verify'] as const;

mkdirSync(join(REPO, 'tmp'), { recursive: true });
const work = mkdtempSync(join(REPO, 'tmp', 'concurrent-'));
let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A copy of the platform project (inside the repository, so that it resolves @mvkit/compiler). */
function project(name: string): string {
  const dir = join(work, name);
  for (const p of ['mvkit.config.ts', 'models', 'macros']) cpSync(join(REPO, p), join(dir, p), { recursive: true });
  return dir;
}

/** mulberry32: the same seed, the same order and delays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run { command: string; code: number | null; out: string; err: string }

function mvkit(dir: string, command: string, args: string[], env: NodeJS.ProcessEnv, delayMs = 0): Promise<Run> {
  return new Promise((done) => {
    setTimeout(() => {
      const child = spawn(process.execPath, ['--import', 'tsx', BIN, '-p', dir, command, ...args], { cwd: dir, env: { ...process.env, VITEST: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      child.on('exit', (code) => done({ command, code, out, err }));
    }, delayMs);
  });
}

/** Data rows of a landing file (CSV: without its header). */
function fileRows(landing: string, path: string): number {
  const lines = readFileSync(join(landing, path), 'utf8').split('\n').filter((l) => l.trim() !== '');
  return path.endsWith('.csv') ? lines.length - 1 : lines.length;
}

async function mvContents(db: Db, manifest: Manifest): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const n of manifest.nodes) {
    if (n.kind !== 'mv') continue;
    const cols = n.columns.map((c) => c.name).join(', ');
    out[n.name] = await db.query(`SELECT ${cols} FROM ${n.name} ORDER BY ${cols}`);
  }
  return out;
}

/** The same files, one command after the other in this process: apply, load, refresh. */
async function uninterrupted(db: Db, manifest: Manifest, landing: string): Promise<{ mvs: Record<string, unknown[]>; loaded: Record<string, unknown[]> }> {
  const engine = await engineFor(db);
  await applyDeployment(db, engine, manifest);
  await loadLanding(db, manifest, { landing });
  await refreshDeployment(db, engine, manifest);
  return { mvs: await mvContents(db, manifest), loaded: await loadedContents(db) };
}

interface Engine {
  readonly kind: string;
  /** Target flags and environment of the mvkit processes. */
  setup(dir: string): Promise<{ args: string[]; env: NodeJS.ProcessEnv }>;
  /** Opens what the processes wrote (after they have all ended). */
  open(dir: string, env: NodeJS.ProcessEnv): Promise<Db>;
  fresh(): Promise<Db>;
}

const ENGINES: Engine[] = [
  {
    kind: 'PGlite',
    setup: async () => ({ args: [], env: {} }),
    open: (dir) => openPglite(join(dir, '.mvkit/pglite')),
    fresh: () => openPglite(),
  },
  {
    kind: 'native Postgres',
    setup: async (dir) => ({ args: ['--target', 'postgres'], env: { MVKIT_DATABASE_URL: await server.createDatabase(`concurrent_${dir.split('-').pop()}`) } }),
    open: (_dir, env) => openPostgres(env.MVKIT_DATABASE_URL!),
    fresh: async () => openPostgres(await server.createDatabase(`concurrent_ref_${process.pid}`)),
  },
];

describe.each(ENGINES)('separate mvkit processes at once on $kind', (engine) => {
  it('load, refresh, apply, status and verify in random overlapping order: every file loaded once, verify clean, MVs equal to an uninterrupted run', { timeout: 900_000 }, async () => {
    const dir = project(engine.kind.replace(/\W/g, '-').toLowerCase());
    const landing = join(dir, 'landing');
    const { args, env } = await engine.setup(dir);
    const random = prng(20261205);
    const batches = generateSample({ seed: 11, tenants: 3, events: 900, batches: ROUNDS, hours: 12 });

    const first = await mvkit(dir, 'apply', args, env);
    expect(first.code, first.err).toBe(0);
    const runs: Run[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      writeBatch(landing, batches[round]!, 'mixed');
      const order = [...COMMANDS].sort(() => random() - 0.5);
      runs.push(...await Promise.all(order.map((c) => mvkit(dir, c, args, env, Math.floor(random() * 2500)))));
    }
    for (const r of runs) {
      const what = `mvkit ${r.command} exited ${r.code}\n${r.out}\n${r.err}`;
      expect(r.err, what).not.toMatch(/Error|Aborted|\n\s+at /);
      if (r.command === 'verify' && r.code === 1) {
        // Beside a load, an MV can be behind its inputs: that is reported as stale, never as different.
        expect(r.out, what).toMatch(/STALE/);
        expect(r.out, what).not.toMatch(/DIFFERS/);
      } else {
        expect(r.code, what).toBe(0);
      }
    }
    const manifest = await platformManifest();
    const db = await engine.open(dir, env); // the data opens after all of that
    // Every batch was written before its round, whose load ran after that: nothing is left to
    // load. A refresh may have run before the last load: catch up, as the next cron run would.
    expect((await loadLanding(db, manifest, { landing })).filesLoaded).toBe(0);
    await refreshDeployment(db, await engineFor(db), manifest);
    const verified = await verify(db, manifest);
    expect(verified.filter((v) => !v.equal)).toEqual([]);

    const files = listLandingFiles(landing);
    const loaded = await db.query<{ path: string; rows_loaded: number }>('SELECT path, rows_loaded FROM mvkit.loaded_files ORDER BY path');
    expect(loaded.map((r) => r.path)).toEqual([...files].sort());
    // Stream files append every row (dimension files upsert by key, so fewer rows may land).
    const streams = files.filter((f) => /message_submissions|delivery_receipts/.test(f));
    for (const r of loaded) if (streams.includes(r.path)) expect(Number(r.rows_loaded), r.path).toBe(fileRows(landing, r.path));
    const [events] = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM message_events');
    expect(events!.n).toBe(streams.reduce((s, f) => s + fileRows(landing, f), 0));
    const got = { mvs: await mvContents(db, manifest), loaded: await loadedContents(db) };
    await db.close();

    const ref = await engine.fresh();
    const expected = await uninterrupted(ref, manifest, landing);
    await ref.close();
    expect(expected.mvs.tenant_daily!.length).toBeGreaterThan(0);
    expect(got.loaded).toEqual(expected.loaded);
    expect(got.mvs).toEqual(expected.mvs);
  });
});
