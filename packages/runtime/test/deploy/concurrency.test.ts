import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { applyDeployment, planDeployment } from '../../src/apply/apply.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { LockError } from '../../src/errors.ts';
import { dropNode } from '../../src/ivm/index.ts';
import { deploymentStatus } from '../../src/status/status.ts';
import { compileFixture, FIXTURE_DIR, loadData, snapshot } from './helpers.ts';
import type { FixtureFlag } from './fixtures/shop/models/shop.ts';

const BIN = resolve(import.meta.dirname, '../../../cli/src/bin.ts');
let server: PostgresServer;
let n = 0;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => { await server?.stop(); });

const newDatabase = () => server.createDatabase(`conc_${process.pid}_${++n}`);
const steps = (stages: readonly { action: string; node: string }[]) => stages.map((s) => `${s.action} ${s.node}`);
const HOLDER = /another apply is running on this target: held by \S+@\S+ pid (\d+) since \d{4}-\d\d-\d\dT[\d:.]+Z \(apply [0-9a-f-]+\)/;

const INTERRUPTED = (done: number) => expect.stringMatching(new RegExp(`^interrupted apply [0-9a-f-]+, started \\S+ by \\S+: it stopped with ${done} of 8 stage\\(s\\) done; the next \`mvkit apply\` finishes it$`));

/** Deploys the base fixture with data and refreshed MVs. */
async function deployBase(db: Db): Promise<void> {
  const engine = await engineFor(db);
  const m = await compileFixture();
  await applyDeployment(db, engine, m);
  await loadData(db);
  await refreshDeployment(db, engine, m);
}

/** Two applies at once: the first pauses after a stage; the second must fail at once. */
async function twoApplies(first: Db, second: Db): Promise<void> {
  const m = await compileFixture(['measure']);
  let paused!: () => void;
  const atPause = new Promise<void>((r) => { paused = r; });
  let resume!: () => void;
  const gate = new Promise<void>((r) => { resume = r; });
  const a = applyDeployment(first, await engineFor(first), m, { afterStage: async (done) => { if (done === 1) { paused(); await gate; } } });
  await atPause;
  const err = await applyDeployment(second, await engineFor(second), m).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LockError);
  expect((err as LockError).message).toMatch(HOLDER);
  expect((err as LockError).message).toContain(`pid ${process.pid}`);
  expect((err as LockError).hint).toMatch(/wait for it/);
  resume();
  const done = await a;
  expect(done.plan.stages.length).toBe(8);
  expect((await applyDeployment(second, await engineFor(second), m)).applyId).toBeNull();
}

describe('two applies at once', () => {
  it('PGlite: the second fails fast with who holds the lock and since when', async () => {
    const db = await openPglite();
    await deployBase(db);
    await twoApplies(db, db);
    await db.close();
  });

  it('Postgres: the second connection fails fast with who holds the lock and since when', async () => {
    const url = await newDatabase();
    const a = await openPostgres(url);
    const b = await openPostgres(url);
    await deployBase(a);
    await twoApplies(a, b);
    await a.close();
    await b.close();
  });
});

/** `mvkit apply` in a child process: `url` a postgres URL, or a PGlite data directory. */
function cliApply(url: string, flags: FixtureFlag[], pauseAfter: number): ChildProcess & { paused: Promise<string> } {
  const pglite = !url.startsWith('postgres');
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, '-p', FIXTURE_DIR, 'apply', '--target', pglite ? 'local' : 'pg'], {
    env: { ...process.env, ...(pglite ? { MVKIT_FIXTURE_PGLITE: url } : { MVKIT_DATABASE_URL: url }), MVKIT_FIXTURE: flags.join(','), MVKIT_APPLY_PAUSE_AFTER_STAGE: String(pauseAfter), VITEST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const paused = new Promise<string>((resolvePaused, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(`paused after stage ${pauseAfter}`)) resolvePaused(out);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`apply exited with ${code} before pausing:\n${out}`)));
  });
  return Object.assign(child, { paused });
}

/** The advisory lock goes when the server notices the killed session: retry until it has. */
async function applyWhenFree(db: Db, flags: FixtureFlag[]) {
  for (;;) {
    try {
      return await applyDeployment(db, await engineFor(db), await compileFixture(flags));
    } catch (e) {
      if (!(e instanceof LockError)) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('an apply killed midway', () => {
  it('holds the lock while it runs; after SIGKILL the next apply finishes the job, equal to an uninterrupted apply', async () => {
    const killedUrl = await newDatabase();
    const killed = await openPostgres(killedUrl);
    await deployBase(killed);

    const child = cliApply(killedUrl, ['measure'], 3);
    const output = await child.paused;
    expect(output).toContain('[3/8] drop mv events_daily');

    // While it is paused, it holds the lock: another apply fails at once, naming the process.
    const err = await applyDeployment(killed, await engineFor(killed), await compileFixture(['measure'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockError);
    expect((err as Error).message).toMatch(HOLDER);
    expect((err as Error).message).toContain(`pid ${child.pid}`);
    // status sees it running: its lock is held.
    const live = await deploymentStatus(killed, await engineFor(killed), await compileFixture(['measure']));
    expect(live.lastApply?.status).toBe('running');
    expect(live.notes).toEqual([expect.stringMatching(new RegExp(`^apply [0-9a-f-]+ is running by \\S+ \\(pid ${child.pid}\\), started \\S+: 3 of 8 stage\\(s\\) done$`))]);

    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    // Once the server has noticed the dead session, status says the apply was interrupted.
    for (let i = 0; i < 100 && (await deploymentStatus(killed, await engineFor(killed), await compileFixture(['measure']))).lastApply?.status === 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await deploymentStatus(killed, await engineFor(killed), await compileFixture(['measure']))).notes).toEqual([INTERRUPTED(3)]);

    // The recorded state is what the three committed stages left: the next plan starts from it.
    const rest = await planDeployment(killed, await engineFor(killed), await compileFixture(['measure']));
    expect(steps(rest.stages)).toEqual(['drop events_hourly', 'create events_hourly', 'create events_daily', 'create tenant_daily', 'create tenant_daily_view']);
    await applyWhenFree(killed, ['measure']);
    const applies = await killed.query<{ status: string; progress: number }>('SELECT status, progress FROM mvkit.applies ORDER BY started_at');
    expect(applies).toEqual([{ status: 'succeeded', progress: 8 }, { status: 'interrupted', progress: 3 }, { status: 'succeeded', progress: 5 }]);

    const cleanUrl = await newDatabase();
    const clean = await openPostgres(cleanUrl);
    await deployBase(clean);
    await applyDeployment(clean, await engineFor(clean), await compileFixture(['measure']));

    const m = await compileFixture(['measure']);
    expect(await snapshot(killed, m)).toEqual(await snapshot(clean, m));
    expect((await planDeployment(killed, await engineFor(killed), m)).stages).toEqual([]);
    await killed.close();
    await clean.close();
  });

  it('on PGlite (one process at a time on a data directory): the next apply after SIGKILL finishes the job', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mvkit-kill-'));
    try {
      let db = await openPglite(dir);
      await deployBase(db);
      await db.close();
      const child = cliApply(dir, ['measure'], 5);
      expect(await child.paused).toContain('[5/8] create mv events_hourly');
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      db = await openPglite(dir);
      const m = await compileFixture(['measure']);
      const status = await deploymentStatus(db, await engineFor(db), m);
      expect(status.lastApply?.status).toBe('interrupted');
      expect(status.notes).toEqual([INTERRUPTED(5)]);
      const rest = await planDeployment(db, await engineFor(db), m);
      expect(steps(rest.stages)).toEqual(['create events_daily', 'create tenant_daily', 'create tenant_daily_view']);
      await applyDeployment(db, await engineFor(db), m);
      const clean = await openPglite();
      await deployBase(clean);
      await applyDeployment(clean, await engineFor(clean), m);
      expect(await snapshot(db, m)).toEqual(await snapshot(clean, m));
      await db.close();
      await clean.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a stage whose effect committed without its state row (killed in between) is repaired by the next apply', async () => {
    const db = await openPglite();
    await deployBase(db);
    const m = await compileFixture();
    // As if an apply died after the engine committed the creates of regions and tenant_daily but
    // before their state rows (and before tenant_daily_view's create).
    await dropNode(db, 'tenant_daily_view');
    await db.exec("DELETE FROM mvkit.deployed_nodes WHERE name IN ('regions', 'tenant_daily', 'tenant_daily_view')");
    const p = await planDeployment(db, await engineFor(db), m);
    expect(steps(p.stages)).toEqual(['create regions', 'create tenant_daily', 'create tenant_daily_view']);
    await applyDeployment(db, await engineFor(db), m);
    expect((await planDeployment(db, await engineFor(db), m)).stages).toEqual([]);
    // The table was kept with its rows; the MV was recomputed.
    expect(await db.query('SELECT region FROM regions ORDER BY region')).toEqual([{ region: 'eu' }, { region: 'us' }]);
    const [t] = await db.query<{ n: number }>('SELECT SUM(n)::int AS n FROM tenant_daily');
    expect(t!.n).toBe(40);
    await db.close();
  });
});
