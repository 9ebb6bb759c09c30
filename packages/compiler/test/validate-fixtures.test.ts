import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/src/main.ts';

// One folder per broken project; expected.txt lists `file:line:col: code`, sqlc-style.
const root = join(import.meta.dirname, 'fixtures/projects');
const cases = readdirSync(root).sort();

async function run(args: string[]): Promise<{ out: string; code: number }> {
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  const before = process.exitCode;
  try {
    await main(['node', 'mvkit', ...args]);
    return { out, code: Number(process.exitCode ?? 0) };
  } finally {
    write.mockRestore();
    process.exitCode = before;
  }
}

describe.each(cases)('mvkit validate on fixture %s', (name) => {
  const dir = join(root, name);
  const expected = readFileSync(join(dir, 'expected.txt'), 'utf8').trim().split('\n');
  beforeEach(() => { process.exitCode = undefined; });
  afterEach(() => { process.exitCode = undefined; });

  it('reports each problem at its file:line and exits 1', async () => {
    const { out, code } = await run(['--project', dir, 'validate']);
    expect(code).toBe(1);
    for (const e of expected) {
      const [where, what] = e.split(': ');
      expect(out).toContain(`${where}: error ${what} `);
    }
    expect(out).toMatch(/hint: /);
  });

  it('--json gives the same diagnostics as data', async () => {
    const { out, code } = await run(['--project', dir, 'validate', '--json']);
    expect(code).toBe(1);
    const ds = JSON.parse(out) as { code: string; file: string; line: number; column: number; severity: string; message: string; hint: string; model: string }[];
    const errors = ds.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line}:${d.column}: ${d.code}`);
    expect(errors).toEqual(expected);
    for (const d of ds) {
      expect(d.message.length).toBeGreaterThan(10);
      expect(d.hint.length).toBeGreaterThan(10);
      expect(d.model).toBeTruthy();
    }
  });
});

it('validate passes on the root project and the quickstart, exit 0', async () => {
  for (const p of [join(root, '../../../../..'), join(root, '../../../../../examples/quickstart')]) {
    const { out, code } = await run(['--project', p, 'validate']);
    expect(out).toMatch(/0 error\(s\)/);
    expect(code).toBe(0);
  }
});

describe('the mvkit binary (models bundled with esbuild, as outside tests)', () => {
  const bin = join(import.meta.dirname, '../../cli/src/bin.ts');
  const runBin = (args: string[]) => spawnSync('npx', ['tsx', bin, ...args], { encoding: 'utf8' });

  it('reports the same file:line:col as in-process, exit 1', () => {
    const dir = join(root, 'non-additive-rollup');
    const r = runBin(['-p', dir, 'validate', '--json']);
    expect(r.status).toBe(1);
    const ds = JSON.parse(r.stdout) as { file: string; line: number; column: number; code: string; severity: string }[];
    expect(ds.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line}:${d.column}: ${d.code}`)).toEqual(readFileSync(join(dir, 'expected.txt'), 'utf8').trim().split('\n'));
  }, 60_000);

  it('a syntax error and a model that throws are reported at their line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mvkit-broken-'));
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'broken.ts'), "import { t } from '@mvkit/compiler';\n\nexport const x = {\n  a: t.varchar(,\n};\n");
    let r = runBin(['-p', dir, 'validate']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/models\/broken\.ts:4:\d+: error syntax-error/);
    writeFileSync(join(dir, 'models', 'broken.ts'), "export const x = 1;\n\nthrow new Error('no such table');\n");
    r = runBin(['-p', dir, 'validate']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/models\/broken\.ts:3:\d+: error load-error: model file does not load: no such table/);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('a missing project directory is one line with a hint, exit 1', () => {
    const r = runBin(['-p', '/nonexistent/project', 'validate']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mvkit: project directory \/nonexistent\/project does not exist\n  hint: /);
  }, 60_000);
});

it('--format github prints workflow annotations on the files', async () => {
  const { out, code } = await run(['--project', join(root, 'tenant-join'), 'validate', '--format', 'github']);
  expect(code).toBe(1);
  expect(out).toMatch(/^::error file=models\/orders\.ts,line=17,col=30,title=tenant-join::\[orders_by_store\] the join of "orders" with "stores" does not constrain the tenant key .*\(hint: add tenant_id/m);
});
