import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');
const BIN = join(ROOT, 'packages/cli/src/bin.ts');
const FIXTURE = join(import.meta.dirname, 'fixtures/alerts');
mkdirSync(join(ROOT, 'tmp'), { recursive: true });
const work = mkdtempSync(join(ROOT, 'tmp', 'assertions-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function mvkit(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, '-p', dir, ...args], { encoding: 'utf8', env: { ...process.env, VITEST: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const DAY = 86_400_000;

function batch(dir: string, name: string, rows: readonly { id: string; severity: string; at: string }[]): void {
  mkdirSync(join(dir, 'landing', name), { recursive: true });
  writeFileSync(join(dir, 'landing', name, 'events.ndjson'), rows.map((r) => JSON.stringify({ tenant_id: 't1', event_id: r.id, severity: r.severity, event_at: r.at })).join('\n') + '\n');
}

interface Result { id: string; model: string; level: string; status: string; failingRows: number; sample: Record<string, unknown>[] }
const resultOf = (status: { assertions: Result[] }, id: string) => status.assertions.find((a) => a.id === id)!;

/**
 * The fixture's `events` stream declares unique (error), acceptedValues (error) and freshness
 * within a day (warn); its daily aggregate a freshness within 7 days (error).
 */
async function scenario(target: string[], env: NodeJS.ProcessEnv, name: string): Promise<void> {
  const dir = join(work, name);
  cpSync(FIXTURE, dir, { recursive: true, filter: (s) => !s.includes('.mvkit') });
  expect(mvkit(dir, ['apply', ...target], env).code).toBe(0);

  // Three-day-old events: older than the stream's day (warn), within the aggregate's week.
  batch(dir, 'b1', [{ id: 'e1', severity: 'low', at: iso(3 * DAY) }, { id: 'e2', severity: 'high', at: iso(3 * DAY) }]);
  expect(mvkit(dir, ['load', ...target], env).code).toBe(0);
  const warned = mvkit(dir, ['refresh', ...target], env);
  expect(warned.code).toBe(0);
  expect(warned.stderr).toContain('warning: assertion events.freshness failed on model events: expected newest event_at at most 1 day old');
  let status = JSON.parse(mvkit(dir, ['status', '--json', ...target], env).stdout) as { assertions: Result[] };
  expect(resultOf(status, 'events.freshness')).toMatchObject({ level: 'warn', status: 'fail', failingRows: 1 });
  expect(resultOf(status, 'events_daily.freshness')).toMatchObject({ level: 'error', status: 'pass' });
  expect(resultOf(status, 'events.unique')).toMatchObject({ status: 'pass' });

  // A fresh event, and e2 once more: the freshness holds again, the uniqueness breaks.
  batch(dir, 'b2', [{ id: 'e3', severity: 'low', at: iso(3_600_000) }, { id: 'e2', severity: 'high', at: iso(3_600_000) }]);
  expect(mvkit(dir, ['load', ...target], env).code).toBe(0);
  const failed = mvkit(dir, ['refresh', ...target], env);
  expect(failed.code).toBe(1);
  expect(failed.stdout).toContain('events_daily: incremental');
  expect(failed.stderr).toContain('error: assertion events.unique failed on model events: expected unique on (tenant_id, event_id); 1 offending row(s)');
  expect(failed.stderr).toContain('{"tenant_id":"t1","event_id":"e2","row_count":2}');
  expect(failed.stderr).not.toContain('events.freshness');
  status = JSON.parse(mvkit(dir, ['status', '--json', ...target], env).stdout) as { assertions: Result[] };
  expect(resultOf(status, 'events.unique')).toMatchObject({ level: 'error', status: 'fail', failingRows: 1, sample: [{ tenant_id: 't1', event_id: 'e2', row_count: 2 }] });
  expect(resultOf(status, 'events.freshness')).toMatchObject({ status: 'pass' });
  // The refresh was committed before the assertions ran: the duplicate is counted.
  const check = mvkit(dir, ['check', '--json', '--select', 'events_daily', ...target], env);
  expect(check.code).toBe(0);
  expect((JSON.parse(check.stdout) as Result[]).map((r) => [r.id, r.status])).toEqual([['events_daily.unique', 'pass'], ['events_daily.freshness', 'pass']]);
  // --no-assert skips them: the refresh exits 0 however the data is.
  expect(mvkit(dir, ['refresh', '--no-assert', ...target], env).code).toBe(0);
  const all = mvkit(dir, ['check', ...target], env);
  expect(all.code).toBe(1);
  expect(all.stdout).toContain('5 assertion(s) on');
  expect(all.stdout).toMatch(/FAIL {2}events\.unique/);
  // mvkit run checks after each batch too: the loop goes on, its exit code says it failed.
  const run = mvkit(dir, ['run', '--batches', '1', '--interval', '0', ...target], env);
  expect(run.stdout).toMatch(/^batch 1: loaded 0 rows/m);
  expect(run.stderr).toContain('error: assertion events.unique failed on model events');
  expect(run.code).toBe(1);
  status = JSON.parse(mvkit(dir, ['status', '--json', ...target], env).stdout) as { assertions: (Result & { command: string })[] };
  expect(resultOf(status, 'events.unique')).toMatchObject({ status: 'fail', command: 'run' });
}

describe('assertions after refresh', () => {
  it('PGlite: a stale load warns (exit 0), a duplicate key fails the refresh (exit 1); both in status --json', { timeout: 900_000 }, async () => {
    await scenario([], {}, 'pglite');
  });

  let pg: PostgresServer;
  beforeAll(async () => { pg = await startPostgres(); }, 120_000);
  afterAll(async () => { await pg?.stop(); });

  it('native Postgres: the same', { timeout: 900_000 }, async () => {
    const url = await pg.createDatabase('alerts');
    await scenario(['--target', 'pg'], { MVKIT_DATABASE_URL: url }, 'postgres');
  });
});
