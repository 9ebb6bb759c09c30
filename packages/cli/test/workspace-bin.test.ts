import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

it('the workspace bin runs the sources from a working directory outside the checkout', () => {
  const r = spawnSync(join(ROOT, 'node_modules/.bin/mvkit'), ['--help'], { cwd: tmpdir(), encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^Usage: mvkit /);
});
