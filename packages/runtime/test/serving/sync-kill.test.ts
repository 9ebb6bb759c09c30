import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { servedNodes, SERVING_SCHEMA, type Manifest } from '@mvkit/compiler';
import { openPostgres } from '../../src/db/postgres.ts';
import { deployOperational } from '../../src/serving/operational-plan.ts';
import { syncServed } from '../../src/serving/sync.ts';
import { platformManifest, REPO } from '../platform/helpers.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { deployPlatform, rowsOf, runBatch, workload } from './workload.ts';

let server: PostgresServer;
let manifest: Manifest;
beforeAll(async () => { [server, manifest] = await Promise.all([startPostgres(), platformManifest()]); }, 180_000);
afterAll(async () => { await server?.stop(); });

it('a sync process killed inside its operational transaction leaves that model as it was; the rerun equals the served relations (native Postgres)', async () => {
  const localUrl = await server.createDatabase('kill_local');
  const opUrl = await server.createDatabase('kill_op');
  const local = await openPostgres(localUrl);
  const op = await openPostgres(opUrl);
  try {
    await deployPlatform(local, manifest);
    await deployOperational(op, manifest, 'mvkit_app');
    const w = workload(31);
    await runBatch(local, manifest, w, 50);
    await syncServed(local, op, manifest);
    // Changes in flight for the killed sync.
    await runBatch(local, manifest, w, 50);
    const victim = servedNodes(manifest)[1]!.node.name;
    const stateOf = () => op.query(`SELECT model, generation, position FROM ${SERVING_SCHEMA}.sync_state WHERE model = $1`, [victim]);
    const rowsBefore = await rowsOf(op, `${SERVING_SCHEMA}.${victim}`, ['*']);
    const stateBefore = await stateOf();
    const file = join(mkdtempSync(join(tmpdir(), 'mvkit-sync-kill-')), 'manifest.json');
    writeFileSync(file, JSON.stringify(manifest));
    const child = spawn('npx', ['tsx', fileURLToPath(new URL('./sync-kill-child.ts', import.meta.url)), localUrl, opUrl, file, victim], {
      cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], detached: true,
    });
    let out = '';
    child.stdout.on('data', (b) => { out += String(b); });
    const exited = new Promise((r) => child.on('exit', r));
    for (let i = 0; i < 1200 && !out.includes(`before commit ${victim}`); i++) await sleep(100);
    expect(out).toContain(`before commit ${victim}`);
    // Its writes are done and uncommitted: an open transaction on the operational database.
    const [open] = await op.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'idle in transaction' AND datname = current_database()");
    expect(open!.n).toBe(1);
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    for (let i = 0; i < 100; i++) {
      const [r] = await op.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'idle in transaction' AND datname = current_database()");
      if (!r?.n) break;
      await sleep(100);
    }
    expect(out).not.toContain('finished');
    expect(await stateOf()).toEqual(stateBefore);
    expect(await rowsOf(op, `${SERVING_SCHEMA}.${victim}`, ['*'])).toEqual(rowsBefore);
    // The rerun: every served table equals its relation, and nothing is left to do after it.
    await syncServed(local, op, manifest);
    for (const { node } of servedNodes(manifest)) {
      const cols = node.columns.map((c) => c.name);
      expect(await rowsOf(op, `${SERVING_SCHEMA}.${node.name}`, cols), node.name).toEqual(await rowsOf(local, node.name, cols));
    }
    // The killed transaction had real work: the rerun changed the victim's rows.
    expect(await rowsOf(op, `${SERVING_SCHEMA}.${victim}`, ['*'])).not.toEqual(rowsBefore);
    expect((await syncServed(local, op, manifest)).map((r) => r.mode)).toEqual(servedNodes(manifest).map(() => 'unchanged'));
  } finally {
    await local.close();
    await op.close();
  }
}, 600_000);
