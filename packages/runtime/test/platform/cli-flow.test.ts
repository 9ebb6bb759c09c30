import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDeployment } from '../../src/apply/apply.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { runPlatform } from '../../src/run/index.ts';
import { generateSample, writeBatch } from '../../src/sample/index.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { platformManifest, REPO, tempDir } from './helpers.ts';

let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => { await server?.stop(); });

function mvkit(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'packages/cli/src/bin.ts'), ...args], { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the platform through the CLI', () => {
  it('generate, apply, load (twice), run: on native Postgres', async () => {
    const url = await server.createDatabase('cli_flow');
    const env = { MVKIT_DATABASE_URL: url };
    const landing = join(tempDir('cli'), 'landing');
    const gen = mvkit(['generate', '--landing', landing, '--tenants', '3', '--events', '600', '--batches', '3', '--seed', '9']);
    expect(gen.err).toBe('');
    expect(gen.out).toMatch(/wrote 3 batches, \d+ files into/);
    expect(mvkit(['apply', '--target', 'postgres'], env).code).toBe(0);
    const first = mvkit(['load', '--target', 'postgres', '--landing', landing, '--json'], env);
    expect(first.code).toBe(0);
    const s1 = JSON.parse(first.out);
    expect(s1.filesLoaded).toBeGreaterThan(3);
    expect(s1.rowsRejected).toBe(0);
    const s2 = JSON.parse(mvkit(['load', '--target', 'postgres', '--landing', landing, '--json'], env).out);
    expect([s2.filesLoaded, s2.rowsLoaded]).toEqual([0, 0]);
    const run = mvkit(['run', '--target', 'postgres', '--landing', landing, '--interval', '0', '--batches', '1', '--json'], env);
    expect(run.code).toBe(0);
    const batch = JSON.parse(run.out.trim().split('\n')[0]!);
    expect(batch.refresh.results.map((r: { node: string }) => r.node)).toContain('tenant_daily');
    // The batch's refreshes are in mvkit refresh's history, as it records them.
    const db = await openPostgres(url);
    const history = await db.query<{ node: string; mode: string; rows: number }>('SELECT node, mode, rows FROM mvkit.refresh_history ORDER BY node');
    await db.close();
    const results = batch.refresh.results as { node: string; mode: string; rows: number }[];
    expect(history.map((h) => ({ node: h.node, mode: h.mode, rows: Number(h.rows) }))).toEqual(results.map((r) => ({ node: r.node, mode: r.mode, rows: r.rows })).sort((a, b) => (a.node < b.node ? -1 : 1)));
    expect(history.every((h) => h.mode === 'incremental')).toBe(true);
    const bad = mvkit(['generate', '--landing', landing, '--events', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('mvkit: --events must be a whole number of at least 0, not "many"\n  hint: e.g. --events 10\n');
  });

  it('mvkit run ends after the current batch when stopped', async () => {
    const manifest = await platformManifest();
    const db = await openPglite();
    const engine = await engineFor(db);
    await applyDeployment(db, engine, manifest);
    const landing = join(tempDir('run'), 'landing');
    const batches = generateSample({ seed: 2, tenants: 2, events: 200, batches: 5 });
    const stop = new AbortController();
    const reports = await runPlatform(db, manifest, engine, {
      landing, intervalS: 0.2, signal: stop.signal,
      beforeBatch: (i) => { writeBatch(landing, batches[i - 1]!, 'mixed'); },
      onBatch: (r) => { if (r.batch === 2) stop.abort(); },
    });
    expect(reports.map((r) => r.batch)).toEqual([1, 2]);
    expect(reports.every((r) => r.load.filesLoaded > 0)).toBe(true);
    const recorded = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM mvkit.run_batches');
    expect(recorded[0]!.n).toBe(2);
    await db.close();
  });
});
