import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR } from '../deploy/helpers.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');
const BIN = join(ROOT, 'packages/cli/src/bin.ts');
// Inside the repository (tmp/ is ignored) so that the copy resolves @mvkit/compiler.
mkdirSync(join(ROOT, 'tmp'), { recursive: true });
const work = mkdtempSync(join(ROOT, 'tmp', 'bluegreen-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function mvkit(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, '-p', dir, ...args], { encoding: 'utf8', env: { ...process.env, VITEST: '', MVKIT_FIXTURE_PGLITE: join(dir, 'pglite'), ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mvkit apply --blue-green / rollback / promote / janitor', () => {
  it('upgrade a deployed project, change it, roll back, sweep; bad input is a clear error', { timeout: 600_000 }, () => {
    const dir = join(work, 'shop');
    cpSync(FIXTURE_DIR, dir, { recursive: true, filter: (src) => !src.includes('.mvkit') });
    expect(mvkit(dir, ['apply']).code).toBe(0);
    // The plan of the upgrade says what happens to the unversioned relations.
    const plan = mvkit(dir, ['plan', '--blue-green']);
    expect(plan.stdout).toContain('Switch 5 view(s) of production in ONE transaction');
    expect(plan.stdout).toContain('events_hourly: its unversioned relation (dropped in the switch) → events_hourly__');
    expect(mvkit(dir, ['apply', '--blue-green']).code).toBe(0);
    // Once blue/green, a plain apply stays blue/green.
    const changed = mvkit(dir, ['apply', '--json'], { MVKIT_FIXTURE: 'measure' });
    expect(changed.code).toBe(0);
    const applied = JSON.parse(changed.stdout) as { build: { model: string }[]; switch: { model: string; how: string }[] };
    expect(applied.build.map((b) => b.model)).toEqual(['events_hourly', 'events_daily', 'tenant_daily', 'tenant_daily_view']);
    expect(applied.switch.find((s) => s.model === 'events_hourly')?.how).toBe('recreate');
    // refresh and verify take model names and run on the served versions.
    const refreshed = JSON.parse(mvkit(dir, ['refresh', '--select', 'events_hourly+', '--json'], { MVKIT_FIXTURE: 'measure' }).stdout) as { node: string }[];
    expect(refreshed.map((r) => r.node.replace(/__[0-9a-f]{8}$/, ''))).toEqual(['events_hourly', 'events_daily', 'tenant_daily']);
    expect(mvkit(dir, ['verify', '--select', 'events_hourly'], { MVKIT_FIXTURE: 'measure' }).stdout).toMatch(/^events_hourly__[0-9a-f]{8}: equal/);

    const back = mvkit(dir, ['rollback', '--json']);
    expect(back.code).toBe(0);
    expect((JSON.parse(back.stdout) as { switch: { model: string }[] }).switch.map((s) => s.model)).toEqual(['events_hourly', 'events_daily', 'tenant_daily', 'tenant_daily_view']);
    const sweep = JSON.parse(mvkit(dir, ['janitor', '--dry-run', '--json']).stdout) as { drop: string[] };
    expect(sweep.drop.map((p) => p.replace(/__[0-9a-f]{8}$/, '')).sort()).toEqual(['events_daily', 'events_hourly', 'tenant_daily', 'tenant_daily_view']);

    const promote = mvkit(dir, ['promote', 'nope']);
    expect(promote.code).toBe(1);
    expect(promote.stderr).toContain('environment nope serves nothing');
    expect(promote.stderr).toContain('mvkit apply --env nope builds it');
    expect(promote.stderr).not.toMatch(/\n\s+at /);
    const env = mvkit(dir, ['plan', '--env', 'Bad']);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('environment name "Bad" is not usable as a schema name');
  });
});
