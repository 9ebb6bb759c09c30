import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const PACKAGES = ['compiler', 'runtime', 'cli'];

let tmp: string;
let app: string;
/** dist/ folders this test built (pnpm pack builds them); the ones that were there stay. */
const builtHere: string[] = [];

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) console.error(`${cmd} ${args.join(' ')} in ${cwd} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Each call is a fresh process (npm's npx, then the CLI on PGlite): minutes on a loaded machine. */
const mvkit = (args: string[], cwd: string) => run('npx', ['mvkit', ...args], cwd);

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mvkit-install-'));
  const tarballs = join(tmp, 'tarballs');
  for (const p of PACKAGES) {
    const dir = join(ROOT, 'packages', p);
    if (!existsSync(join(dir, 'dist'))) builtHere.push(join(dir, 'dist'));
    // pnpm pack runs the package's prepack (the build) and rewrites workspace:* to versions.
    const r = run('npx', ['-y', 'pnpm@12.4.2', 'pack', '--pack-destination', tarballs], dir);
    expect(r.status, `pnpm pack in packages/${p}`).toBe(0);
  }
  app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-analytics', private: true }));
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  expect(files).toHaveLength(3);
  const r = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...files], app);
  expect(r.status, 'npm install of the tarballs').toBe(0);
}, 600_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  for (const d of builtHere) rmSync(d, { recursive: true, force: true });
});

describe('packed packages installed with npm outside the repository', () => {
  it('run as JavaScript: the installed bin is the built file on node, not tsx', () => {
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/@mvkit/cli/package.json'), 'utf8')) as { bin: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.bin.mvkit).toBe('./dist/bin.js');
    expect(pkg.dependencies['@mvkit/compiler']).toBe('0.1.0');
    expect(readFileSync(join(app, 'node_modules/@mvkit/cli/dist/bin.js'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    // From a working directory that is neither the repository nor the project.
    const help = run(join(app, 'node_modules/.bin/mvkit'), ['--help'], tmpdir());
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^\s+init \[dir\]\s+Create a new project/m);
  });

  it('--help and <cmd> --help import no command dependency: they work with the drivers and the compiler\'s dependencies gone', () => {
    // Moved aside for this test only: what the runtime's and the compiler's entry modules import
    // at their top, so neither entry can have loaded when the help still prints.
    const heavy = ['@electric-sql/pglite', 'pg', 'libpg-query', 'esbuild', 'handlebars', 'chokidar'];
    const moved = heavy.filter((p) => existsSync(join(app, 'node_modules', p)));
    expect(moved).toEqual(expect.arrayContaining(['@electric-sql/pglite', 'pg', 'esbuild']));
    for (const p of moved) renameSync(join(app, 'node_modules', p), join(app, 'node_modules', `${p}.aside`));
    try {
      const bin = join(app, 'node_modules/.bin/mvkit');
      const help = run(bin, ['--help'], tmpdir());
      expect(help.status, help.stderr).toBe(0);
      for (const name of ['init', 'apply', 'refresh', 'generate', 'load', 'demo']) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
      for (const [cmd, option] of [['apply', '--allow-destructive'], ['generate', '--seed <n>'], ['analyze', '--require-incremental'], ['load', '--redshift-copy'], ['dev', '--apply']] as const) {
        const r = run(bin, [cmd, '--help'], tmpdir());
        expect(r.status, `${cmd} --help: ${r.stderr}`).toBe(0);
        expect(r.stdout).toContain(`Usage: mvkit ${cmd}`);
        expect(r.stdout).toContain(option);
      }
      // Running a command does need them: the same bin fails now, so the help above really ran without.
      expect(run(bin, ['validate', '-p', tmpdir()], tmpdir()).status).not.toBe(0);
    } finally {
      for (const p of moved) renameSync(join(app, 'node_modules', `${p}.aside`), join(app, 'node_modules', p));
    }
  });

  it('init makes a project that validates, applies, loads, refreshes and verifies; a second apply has no changes', () => {
    const init = mvkit(['init', 'shop'], app);
    expect(init.status).toBe(0);
    const shop = join(app, 'shop');
    for (const f of ['.gitignore', 'README.md', 'tsconfig.json', 'mvkit.config.ts', 'macros/safe_ratio.hbs', 'models/sources.ts']) expect(existsSync(join(shop, f)), f).toBe(true);

    const validate = mvkit(['validate'], shop);
    expect(validate.status).toBe(0);
    expect(validate.stdout).toMatch(/7 models: 0 error\(s\)/);
    expect(mvkit(['apply'], shop).status).toBe(0);

    // Two customers and two purchases, one of each per customer: 4 rows, none rejected.
    mkdirSync(join(shop, 'landing/batch-0001'), { recursive: true });
    writeFileSync(join(shop, 'landing/batch-0001/customers.ndjson'), [
      { op: 'insert', shop_id: 's1', customer_id: 'c1', country: 'DE', tier: 'gold' },
      { op: 'insert', shop_id: 's1', customer_id: 'c2', country: 'FR', tier: 'basic' },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(shop, 'landing/batch-0001/purchases.csv'), [
      'shop_id,purchase_id,customer_id,amount_cents,items,returned,purchased_at',
      's1,p1,c1,4200,2,false,2026-01-05T10:15:00Z',
      's1,p2,c2,1500,1,true,2026-01-05 11:40:00',
    ].join('\n') + '\n');
    const load = mvkit(['load'], shop);
    expect(load.status).toBe(0);
    expect(load.stdout).toMatch(/loaded 2 file\(s\), 4 row\(s\); 0 row\(s\) rejected/);

    // Synthetic data from the project's own models: every record of every feed loads.
    const generate = mvkit(['generate', '--events', '200', '--batches', '2', '--tenants', '2', '--seed', '1'], shop);
    expect(generate.status, generate.stderr).toBe(0);
    expect(generate.stdout).toMatch(/wrote 2 batches, \d+ files into /);
    const loadGenerated = mvkit(['load'], shop);
    expect(loadGenerated.status, loadGenerated.stderr).toBe(0);
    expect(loadGenerated.stdout).toMatch(/loaded [1-9]\d* file\(s\), [1-9]\d* row\(s\); 0 row\(s\) rejected/);

    const refresh = mvkit(['refresh'], shop);
    expect(refresh.status).toBe(0);
    expect(refresh.stdout).toMatch(/refreshed 3 MV\(s\)/);
    const verify = mvkit(['verify'], shop);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/all 3 MV\(s\) equal/);

    const again = mvkit(['apply'], shop);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/no changes/);
  }, 600_000);

  it('the project loads with no node_modules above it: @mvkit/compiler is the running CLI\'s', () => {
    const bare = mkdtempSync(join(tmpdir(), 'mvkit-bare-'));
    try {
      const bin = join(app, 'node_modules/.bin/mvkit');
      expect(run(bin, ['init', 'p'], bare).status).toBe(0);
      const validate = run(bin, ['validate', '-p', join(bare, 'p')], tmpdir());
      expect(validate.status).toBe(0);
      expect(validate.stdout).toMatch(/7 models: 0 error\(s\)/);
      // As from a global install: the models type-check with the running CLI's own declarations.
      const tsconfig = JSON.parse(readFileSync(join(bare, 'p/tsconfig.json'), 'utf8')) as { compilerOptions: { paths?: Record<string, string[]> } };
      expect(tsconfig.compilerOptions.paths).toEqual({ '@mvkit/compiler': [join(app, 'node_modules/@mvkit/compiler/dist/index.d.ts')] });
      const tsc = run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(bare, 'p/tsconfig.json')], join(bare, 'p'));
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
      writeFileSync(join(bare, 'p/models/broken.ts'), "import { stream, t } from '@mvkit/compiler';\nexport const s = stream('broken_feed', { columns: { a: t.int() }, key: ['missing_column'] });\n");
      const broken = run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(bare, 'p/tsconfig.json')], join(bare, 'p'));
      expect(broken.status).not.toBe(0);
      expect(broken.stdout).toMatch(/broken\.ts/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('the models type-check under the project\'s tsconfig.json with the installed types', () => {
    // mvkit installed with the project: its own node_modules resolves the types, no path is written.
    expect(JSON.parse(readFileSync(join(app, 'shop/tsconfig.json'), 'utf8')).compilerOptions.paths).toBeUndefined();
    const tsc = run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(app, 'shop/tsconfig.json')], join(app, 'shop'));
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    // A type error in a model is found, so the check above checked something.
    writeFileSync(join(app, 'shop/models/broken.ts'), "import { stream, t } from '@mvkit/compiler';\nexport const s = stream('broken_feed', { columns: { a: t.int() }, key: ['missing_column'] });\n");
    const broken = run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(app, 'shop/tsconfig.json')], join(app, 'shop'));
    expect(broken.status).not.toBe(0);
    expect(broken.stdout).toMatch(/broken\.ts/);
    rmSync(join(app, 'shop/models/broken.ts'));
  });

  it('init refuses a non-empty directory: exit 1, nothing overwritten', () => {
    const before = readFileSync(join(app, 'shop/mvkit.config.ts'), 'utf8');
    const again = mvkit(['init', 'shop'], app);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/is not empty/);
    expect(again.stderr).toMatch(/hint:/);
    expect(readFileSync(join(app, 'shop/mvkit.config.ts'), 'utf8')).toBe(before);
  });
});
