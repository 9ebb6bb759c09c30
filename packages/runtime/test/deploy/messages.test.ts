import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, type Project } from '@mvkit/compiler';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { maskSecrets } from '../../src/db/url.ts';
import { applyDeployment } from '../../src/apply/apply.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { ConnectionError } from '../../src/errors.ts';
import { verify } from '../../src/ivm/index.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { openTarget, resolveTarget } from '../../src/targets.ts';
import { compileFixture, FIXTURE_DIR, loadData } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../../../cli/src/bin.ts');
const work = mkdtempSync(join(tmpdir(), 'mvkit-messages-'));
let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

function mvkit(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, '-p', FIXTURE_DIR, ...args], { encoding: 'utf8', env: { ...process.env, VITEST: '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const project = (targets: NonNullable<Project['config']['targets']>): Project => ({ dir: work, config: { name: 'p', targets }, models: [], macros: {}, loadDiagnostics: [] });
const PASSWORD = 'p@ss:w/rd';
/** Every piece of the password that could betray it. */
const PIECES = ['p@ss', 'ss:w', 'w/rd', 'p%40ss', 'w%2Frd', 'ss%3A'];

describe('database URLs', () => {
  it('MVKIT_DATABASE_URL that is not a URL: which variable and target, and what a URL looks like (exit 2, no host lookup)', () => {
    const err = (() => { try { resolveTarget(project({ pg: { engine: 'postgres' } }), 'pg', { MVKIT_DATABASE_URL: 'not a url' }); } catch (e) { return e; } })() as UsageError;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('MVKIT_DATABASE_URL (target "pg", engine postgres) is not a valid database URL: it does not start with postgres:// or postgresql://');
    expect(err.hint).toMatch(/^use postgres:\/\/user:password@host:5432\/database/);
    const cli = mvkit(['plan', '--target', 'pg'], { MVKIT_DATABASE_URL: 'not a url' });
    expect(cli.code).toBe(2);
    expect(cli.err).toContain('mvkit: MVKIT_DATABASE_URL (target "pg", engine postgres) is not a valid database URL');
    expect(cli.err).toContain('hint: use postgres://user:password@host:5432/database');
    expect(cli.err).not.toMatch(/ENOTFOUND|\n\s+at /);
  });

  it('a URL in mvkit.config.ts without a host names the target', () => {
    expect(() => resolveTarget(project({ wh: { engine: 'postgres', url: 'postgres:///analytics' } }), 'wh', {})).toThrow('the url of target "wh" in mvkit.config.ts (target "wh", engine postgres) is not a valid database URL: it names no host');
  });

  it(`a password with @ : / (${PASSWORD}) is never printed, in any form`, async () => {
    // Unencoded: the host would be cut out of the password. Refused before any connection, without echoing it.
    for (const url of [`postgres://u:${PASSWORD}@127.0.0.1:1/db`, 'postgres://u:p@ss/w@rd@127.0.0.1:1/db']) {
      const e = (() => { try { resolveTarget(project({ pg: { engine: 'postgres' } }), 'pg', { MVKIT_DATABASE_URL: url }); } catch (x) { return x; } })() as UsageError;
      expect(e.message).toMatch(/^MVKIT_DATABASE_URL \(target "pg", engine postgres\) is not a valid database URL: it (does not parse as a URL|has an @ after the host)/);
      expect(e.hint).toContain('@ is %40');
      for (const piece of PIECES) expect(e.message + e.hint, piece).not.toContain(piece);
      const direct = (await openPostgres(url).catch((x: unknown) => x)) as ConnectionError;
      expect(direct).toBeInstanceOf(ConnectionError);
      for (const piece of PIECES) expect(direct.message, piece).not.toContain(piece);
    }
    // Encoded, it is a valid URL: the connection error shows the URL masked.
    const encoded = `postgres://u:${encodeURIComponent(PASSWORD)}@127.0.0.1:1/db`;
    const refused = (await openPostgres(encoded).catch((x: unknown) => x)) as ConnectionError;
    expect(refused.message).toMatch(/^cannot connect to postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: connect ECONNREFUSED/);
    expect(refused.hint).toMatch(/server is running/);
    for (const piece of PIECES) expect(refused.message, piece).not.toContain(piece);
    // A driver message that echoes the connection string or the password, in any form.
    const echoed = maskSecrets(`bad connection ${encoded} for password ${PASSWORD} (${encodeURIComponent(PASSWORD)})`, encoded);
    expect(echoed).toBe('bad connection postgres://u:***@127.0.0.1:1/db for password *** (***)');
  });

  it('through the CLI: the unencoded password is refused with the fix, and none of it is printed', () => {
    const r = mvkit(['status', '--target', 'pg'], { MVKIT_DATABASE_URL: `postgres://u:${PASSWORD}@127.0.0.1:1/db` });
    expect(r.code).toBe(2);
    expect(r.err).toContain('MVKIT_DATABASE_URL (target "pg", engine postgres) is not a valid database URL');
    expect(r.err).toContain('percent-encoded');
    for (const piece of PIECES) expect(r.err, piece).not.toContain(piece);
  });

  it('a redshift target pointed at plain Postgres says it is not Redshift, and how to fix the config', async () => {
    const url = await server.createDatabase('not_redshift');
    const err = (await openTarget({ name: 'warehouse', engine: 'redshift', location: url }).catch((e: unknown) => e)) as ConnectionError;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toMatch(/^target "warehouse" is declared engine redshift, but postgres:\/\/mvkit:\*\*\*@127\.0\.0\.1:\d+\/not_redshift is PostgreSQL \d+(\.\d+)*, not Redshift$/);
    expect(err.hint).toBe("for a plain Postgres, set engine: 'postgres' on target \"warehouse\" in mvkit.config.ts; for Redshift, point its URL at the cluster");
    const cli = mvkit(['plan', '--target', 'redshift'], { MVKIT_DATABASE_URL: url });
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(/^mvkit: target "redshift" is declared engine redshift, but .* is PostgreSQL .*, not Redshift\n  hint: for a plain Postgres, set engine: 'postgres'/);
    expect(cli.err).not.toContain('svv_table_info');
  });
});

describe('verify on stale MVs', () => {
  it('says which MVs are stale and why, exits 1, and says to refresh first; after a refresh they are equal', { timeout: 240_000 }, async () => {
    const dir = join(work, 'stale');
    const db = await openPglite(dir);
    const m = await compileFixture();
    const engine = await engineFor(db);
    await applyDeployment(db, engine, m);
    await loadData(db);
    await refreshDeployment(db, engine, m);
    expect((await verify(db, m)).every((r) => r.equal && !r.stale)).toBe(true);
    await db.exec("INSERT INTO events (tenant_id, event_id, kind, amount, at) VALUES ('t1', 'late1', 'buy', 5, TIMESTAMP '2026-11-02 03:15:00'), ('t2', 'late2', 'view', 7, TIMESTAMP '2026-11-03 04:15:00')");
    const stale = await verify(db, m);
    const byNode = new Map(stale.map((r) => [r.node, r]));
    // events_enriched (no unique key, kept as a multiset) has the two events pending: stale, not
    // compared. The MVs built on it equal their SELECT over it as it is.
    expect(byNode.get('events_enriched')!.stale).toMatch(/^\d+ input change\(s\) not refreshed yet$/);
    expect(byNode.get('events_enriched')!.missing).toEqual([]);
    expect(stale.filter((r) => !r.equal).map((r) => r.node)).toEqual(['events_enriched']);
    // Refreshing events_enriched alone: events_hourly now has its changes pending past its watermark.
    await refreshDeployment(db, engine, m, { select: ['events_enriched'] });
    const behind = new Map((await verify(db, m)).map((r) => [r.node, r]));
    expect(behind.get('events_enriched')!.equal).toBe(true);
    expect(behind.get('events_hourly')!.stale).toMatch(/^\d+ input change\(s\) not refreshed yet$/);
    expect(behind.get('events_hourly')!.missing).toEqual([]); // not compared
    expect(behind.get('events_daily')!.equal).toBe(true);
    await db.close();

    const cli = mvkit(['verify'], { MVKIT_FIXTURE_PGLITE: dir });
    expect(cli.code).toBe(1);
    expect(cli.out).toContain('events_enriched: equal');
    expect(cli.out).toMatch(/events_hourly: STALE \(\d+ input change\(s\) not refreshed yet\)/);
    expect(cli.out).toContain('1 of 4 MV(s) are stale (input changes not refreshed yet): run `mvkit refresh` first, then verify again.');
    expect(cli.out).not.toContain('DIFFERS');

    const again = await openPglite(dir);
    await refreshDeployment(again, await engineFor(again), m);
    expect((await verify(again, m)).every((r) => r.equal && !r.stale)).toBe(true);
    // A real difference is still a difference, not staleness.
    await again.exec("DELETE FROM events_daily WHERE tenant_id = 't1'");
    const differs = (await verify(again, m)).find((r) => r.node === 'events_daily')!;
    expect(differs.stale).toBeUndefined();
    expect(differs.equal).toBe(false);
    expect(differs.missing.length).toBeGreaterThan(0);
    await again.close();
  });
});
