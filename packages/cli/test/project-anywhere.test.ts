import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initProject } from '../src/commands/init.ts';

const ROOT = join(import.meta.dirname, '../../..');
let tmp: string;

/** The CLI from the repository's sources, run in a folder outside it. */
const mvkit = (args: string[]) => spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'packages/cli/src/bin.ts'), ...args], { cwd: tmp, encoding: 'utf8', timeout: 120_000 });

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mvkit-anywhere-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('a project outside the repository, with no node_modules, loads: @mvkit/compiler is the running compiler', () => {
  initProject(join(tmp, 'shop'));
  const r = mvkit(['validate', '-p', 'shop']);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/7 models: 0 error\(s\), 0 warning\(s\)/);
  expect(r.status).toBe(0);
});

it('a syntax error in the config is reported at its line and column', () => {
  initProject(join(tmp, 'broken'));
  writeFileSync(join(tmp, 'broken/mvkit.config.ts'), "import { defineConfig } from '@mvkit/compiler';\nconst x: number = ;\nexport default defineConfig({ name: 'x' });\n");
  const r = mvkit(['validate', '-p', 'broken']);
  expect(r.status).toBe(1);
  // Line 2, the ';' after '= ' is column 19.
  expect(r.stderr).toMatch(/^mvkit: mvkit\.config\.ts:2:19: the project config does not load: Unexpected ";"/);
});

