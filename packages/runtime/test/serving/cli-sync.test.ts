import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SERVING_SCHEMA } from '@mvkit/compiler';
import { openPglite } from '../../src/db/pglite.ts';
import { REPO } from '../platform/helpers.ts';

mkdirSync(join(REPO, 'tmp'), { recursive: true });
const dir = mkdtempSync(join(REPO, 'tmp', 'cli-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { ...process.env };
delete env.MVKIT_OPERATIONAL_URL;

function mvkit(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'packages/cli/src/bin.ts'), ...args], { cwd: dir, encoding: 'utf8', env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

it('mvkit sync on the platform: sets up the embedded operational database, copies, a second sync changes nothing; plan shows it once it exists; --emit-types and --issue-token', () => {
  for (const p of ['mvkit.config.ts', 'models', 'macros']) cpSync(join(REPO, p), join(dir, p), { recursive: true });
  expect(mvkit('generate', '--tenants', '2', '--events', '300', '--batches', '2', '--seed', '5').code).toBe(0);
  const apply = mvkit('apply');
  expect(apply.code, apply.err).toBe(0);
  // Nothing served is set up before the first sync: apply does not touch an operational database that does not exist.
  expect(apply.out).not.toMatch(/operational/);
  expect(existsSync(join(dir, '.mvkit/operational'))).toBe(false);
  expect(mvkit('load').code).toBe(0);
  expect(mvkit('refresh').code).toBe(0);
  const first = mvkit('sync', '--json');
  expect(first.code, first.err).toBe(0);
  const r1 = JSON.parse(first.out) as { model: string; mode: string; upserted: number }[];
  expect(r1.map((r) => r.mode)).toEqual(['full', 'full', 'full']);
  expect(r1.every((r) => r.upserted > 0)).toBe(true);
  const again = mvkit('sync');
  expect(again.code, again.err).toBe(0);
  expect(again.out).toMatch(/tenant_daily_metrics: unchanged/);
  // Now that it exists, plan shows it.
  const plan = mvkit('plan');
  expect(plan.out).toMatch(/Operational database \(PGlite .*\): matches the served models/);
  const types = mvkit('sync', '--emit-types', 'src/db.ts');
  expect(types.code).toBe(0);
  expect(readFileSync(join(dir, 'src/db.ts'), 'utf8')).toMatch(/'mvkit_serving\.tenant_channel_metrics': TenantChannelMetrics;/);
  const token = mvkit('sync', '--issue-token', 't1');
  expect(token.out.trim()).toMatch(/^[A-Za-z0-9_-]{32}$/);
}, 900_000);

it('the synced rows are the served relation\'s', async () => {
  const local = await openPglite(join(dir, '.mvkit/pglite'));
  const op = await openPglite(join(dir, '.mvkit/operational'));
  try {
    const q = (t: string) => `SELECT row_to_json(r)::text AS j FROM (SELECT * FROM ${t}) r ORDER BY 1`;
    const a = await local.query<{ j: string }>(q('tenant_daily_metrics'));
    expect(a.length).toBeGreaterThan(0);
    expect(await op.query(q(`${SERVING_SCHEMA}.tenant_daily_metrics`))).toEqual(a);
  } finally {
    await local.close();
    await op.close();
  }
}, 120_000);
