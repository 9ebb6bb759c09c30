import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Db } from '../../src/db/db.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { refreshAll } from '../../src/ivm/index.ts';
import { applyOp, expectVerified, mvNames, platformManifest, repoRoot, runScenario, type Op } from './workload.ts';

let server: PostgresServer;
let manifest: Manifest;
const open: Db[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  manifest = await platformManifest();
  server = await startPostgres();
});
afterAll(async () => {
  for (const d of open) await d.close().catch(() => undefined);
  await server?.stop();
});

async function database(name: string): Promise<{ url: string; db: Db }> {
  const url = await server.createDatabase(name);
  const admin = await openPostgres(url);
  // A killed client's backend notices at once instead of finishing its pg_sleep first.
  await admin.exec(`ALTER DATABASE ${name} SET client_connection_check_interval = '100ms'`);
  await admin.close();
  const db = await openPostgres(url);
  open.push(db);
  return { url, db };
}

const ops: Op[] = [
  { op: 'submit', rows: [{ t: 0, m: 0, c: 0, ch: 0, country: 'DE', at: 0 }, { t: 0, m: 1, c: 1, ch: 1, country: 'FR', at: 3600 }, { t: 1, m: 0, c: 2, ch: 2, country: null, at: 90000 }] },
  { op: 'receipt', rows: [{ t: 0, m: 0, status: 1, error: null, at: 5 }, { t: 0, m: 2, status: 3, error: 'E1', at: 70 }] },
  { op: 'refresh', select: ['messages', 'messages_enriched'] },
  { op: 'moveCampaign', c: 0, category: 'otp' },
  { op: 'receipt', rows: [{ t: 0, m: 1, status: 1, error: null, at: 3620 }, { t: 0, m: 0, status: 1, error: null, at: 2 }] },
  { op: 'deleteChannel', ch: 2 },
  { op: 'submit', rows: [{ t: 0, m: 2, c: 0, ch: 0, country: 'DE', at: 60 }] },
];

async function contents(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const n of manifest.nodes.filter((x) => x.kind === 'mv')) {
    const cols = n.columns.map((c) => c.name).join(', ');
    out[n.name] = await db.query(`SELECT ${cols} FROM ${n.name} ORDER BY ${cols}`);
  }
  return out;
}

describe('a refresh killed mid-transaction (native Postgres)', () => {
  it('leaves nothing behind: the next refresh gives exactly the result of an uninterrupted one', async () => {
    const crashed = await database('ivm_crash');
    const twin = await database('ivm_crash_twin');
    for (const d of [crashed.db, twin.db]) await runScenario(d, manifest, [], ops);
    // More changes, not yet refreshed: the killed refresh has real work in flight.
    const more: Op[] = [
      { op: 'receipt', rows: [{ t: 0, m: 0, status: 2, error: null, at: 30 }, { t: 0, m: 2, status: 1, error: null, at: 64 }] },
      { op: 'moveCampaign', c: 1, category: null },
      { op: 'submit', rows: [{ t: 1, m: 3, c: 0, ch: 1, country: 'FR', at: 7200 }] },
    ];
    for (const d of [crashed.db, twin.db]) for (const o of more) await applyOp(d, o);

    const staleBefore = await contents(crashed.db);
    const file = join(mkdtempSync(join(tmpdir(), 'mvkit-crash-')), 'manifest.json');
    writeFileSync(file, JSON.stringify(manifest));
    const child = spawn('npx', ['tsx', fileURLToPath(new URL('./crash-child.ts', import.meta.url)), crashed.url, file, 'delivery_hourly', '120'], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'],
      // Its own process group: npx, tsx and node all die at once, like a crashed host process.
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (b) => { out += String(b); });
    const exited = new Promise((r) => child.on('exit', r));
    // Until the child sleeps inside delivery_hourly's refresh transaction, with its writes done.
    let pid: number | undefined;
    for (let i = 0; i < 600 && !pid; i++) {
      const [r] = await crashed.db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active' AND pid <> pg_backend_pid()");
      pid = r?.pid;
      if (!pid) await sleep(100);
    }
    expect(pid).toBeDefined();
    const before = await crashed.db.query("SELECT node, count(*)::int AS n FROM mvkit.ivm_refreshes GROUP BY node ORDER BY node");
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    for (let i = 0; i < 100; i++) {
      const [r] = await crashed.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (!r?.n) break;
      await sleep(100);
    }
    // The chain refreshes as one unit (one transaction): killed inside delivery_hourly's part,
    // after messages and messages_enriched did their work in it, nothing of it is visible: no
    // MV reported refreshed, no history row of any of them, every MV as before the refresh.
    expect(out).not.toContain('refreshed');
    expect(await crashed.db.query("SELECT node, count(*)::int AS n FROM mvkit.ivm_refreshes GROUP BY node ORDER BY node")).toEqual(before);
    const stale = await contents(crashed.db);
    expect(stale).toEqual(staleBefore);

    await refreshAll(crashed.db, manifest);
    await refreshAll(twin.db, manifest);
    await expectVerified(crashed.db, manifest);
    const after = await contents(crashed.db);
    expect(after).toEqual(await contents(twin.db));
    expect(after.delivery_hourly).not.toEqual(stale.delivery_hourly);
    expect(mvNames(manifest).length).toBeGreaterThan(5);
  }, 180_000);
});
