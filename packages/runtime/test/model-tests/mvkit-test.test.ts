import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileProject, loadProject } from '@mvkit/compiler';
import type { ModelTestRun } from '../../src/model-tests/run-model-tests.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');
const BIN = join(ROOT, 'packages/cli/src/bin.ts');
mkdirSync(join(ROOT, 'tmp'), { recursive: true });
const work = mkdtempSync(join(ROOT, 'tmp', 'model-tests-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A separate process, as a user runs it: test files bundled with esbuild, file:line from its source maps.
function mvkit(dir: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, '-p', dir, ...args], { encoding: 'utf8', env: { ...process.env, VITEST: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mvkit test', () => {
  it('a wrong expected row fails with the diff and the test\'s file:line, exit 1; the right test passes', { timeout: 600_000 }, () => {
    const dir = join(work, 'broken');
    // The test file is .mts (mvkit test reads .test.ts, .mts, .js, .mjs) so that vitest, which runs packages/*/test/**/*.test.ts, leaves it alone.
    cpSync(join(import.meta.dirname, 'fixtures/broken'), dir, { recursive: true, filter: (s) => !s.includes('.mvkit') });
    const r = mvkit(dir, ['test']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ok {3}two days of orders \(models\/orders\.test\.mts:6, 2 step\(s\), \d+ ms\)$/m);
    // The line of defineTest('a wrong expected count', ...) in the fixture.
    expect(r.stdout).toMatch(/^FAIL a wrong expected count \(models\/orders\.test\.mts:15, 2 step\(s\), \d+ ms\)$/m);
    expect(r.stdout).toContain('    orders_daily: 1 expected row(s) not found, 1 row(s) not expected\n'
      + '      - expected {"tenant_id":"t1","day":"2026-01-01T00:00:00.000Z","orders":3,"revenue":14.75}\n'
      + '      + actual   {"tenant_id":"t1","day":"2026-01-01T00:00:00.000Z","orders":2,"revenue":14.75}\n'
      + '        orders: expected 3, actual 2\n');
    expect(r.stdout).toMatch(/2 test\(s\): 1 passed, 1 failed in \d+\.\d s/);
    // --select by model or file: the right one alone passes.
    const selected = mvkit(dir, ['test', '--select', 'two days', '--json']);
    expect(selected.code).toBe(0);
    expect((JSON.parse(selected.stdout) as ModelTestRun).results.map((t) => [t.name, t.status])).toEqual([['two days of orders', 'pass']]);
  });

  it('the root project: every test passes, at least one per model kind, through more than one refresh', { timeout: 600_000 }, async () => {
    const r = mvkit(ROOT, ['test', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as ModelTestRun;
    expect(run.results.length).toBeGreaterThanOrEqual(8);
    for (const t of run.results) {
      expect(t, t.name).toMatchObject({ status: 'pass', problems: [], diffs: [] });
      expect(t.steps).toBeGreaterThanOrEqual(2);
      expect(t.file).toMatch(/^models\/.+\.test\.ts$/);
    }
    const graph = (await compileProject(await loadProject(ROOT), 'postgres')).graph;
    const kinds = new Set(run.results.flatMap((t) => t.models.map((m) => graph.models.get(m)!.kind)));
    expect([...kinds].sort()).toEqual(['aggregate', 'dimension', 'enrichment', 'rollup', 'sql', 'stream', 'streamJoin', 'view']);
  });

  it('a project made by mvkit init ships with tests that pass', { timeout: 600_000 }, () => {
    const dir = join(work, 'shop');
    expect(mvkit(work, ['init', dir]).code).toBe(0);
    const r = mvkit(dir, ['test', '--json']);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as ModelTestRun;
    expect(run.results.length).toBeGreaterThanOrEqual(2);
    expect(run.results.every((t) => t.status === 'pass' && t.file === 'models/sales.test.ts')).toBe(true);
  });
});
