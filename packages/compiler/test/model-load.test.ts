import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanModule } from '../src/model-scan.ts';

// The loader of model files as one script of one function per file (model-bundle.ts): the
// rewrite of each file's module syntax, and the file:line:column of every model it loads,
// against the esbuild bundle and against the text of the files.

const lines = (s: string) => s.split('\n').map((l) => l.length);

describe('scanModule', () => {
  it('rewrites imports and exports in place: same length, same lines', () => {
    const src = [
      "import {\n  stream,\n  t as types,\n  type Columns,\n} from '@mvkit/compiler';",
      "import * as dims from './dims.ts';",
      "import type { Shape } from '@mvkit/compiler';",
      "import { type ExprNode } from '@mvkit/compiler';",
      '// a comment that ends with a dot.',
      "export const s = stream('s', { a: `x ${dims.d} import { y } from 'z'` });",
      'export function helper(a: number, b: number) { return a / b; }',
      'export type Row = { a: string, b: number };',
      'export interface Other { c: Columns<{ n: number }> }',
    ].join('\n');
    const s = scanModule(src)!;
    expect(s).toBeDefined();
    expect(s.code.length).toBe(src.length);
    expect(lines(s.code).length).toBe(lines(src).length);
    expect(s.imports).toEqual([{ spec: '@mvkit/compiler', names: ['stream', 't'] }, { spec: './dims.ts', names: [] }]);
    expect(s.exports).toEqual(['helper', 's']);
    expect(s.code).toContain("const  {\n  stream,\n  t :  types,\n");
    expect(s.code).toMatch(/^const +dims = __mvr\(1\) +;$/m);
    expect(s.code).not.toMatch(/\bexport\b|\bimport type\b|type Columns|ExprNode/);
    // Code and strings other than the module syntax are untouched, column for column.
    expect(scanModule(src.replaceAll('\n', '\r\n'))?.code).toBe(s.code.replaceAll('\n', '\r\n'));
    expect(s.code.split('\n')[9]).toBe("       const s = stream('s', { a: `x ${dims.d} import { y } from 'z'` });");
  });

  it('tells files that are JavaScript as they are from files with TypeScript syntax', () => {
    const plain = (src: string) => scanModule(`import { stream, t } from '@mvkit/compiler';\n${src}`)!.plain;
    // As most model files are: calls, object literals, arrow functions, conditionals.
    for (const src of [
      "export const s = stream('s', { columns: { a: t.bigint() }, key: ['a'] });",
      'const f = (m, c) => ({ n: m.count(), big: c.a ? c.b : c.d, x: c?.y ?? 1, [`k${1}`]: 2 });',
      'export function f(a, b) { return a > b ? { a: 1 } : [b, a]; }',
      'const type = 1;\nconst kind = { type: 2, as: 3 };\nconst o = kind.as;',
      "const q = a?.5:b;",
    ]) expect(plain(src), src).toBe(true);
    // What JavaScript would refuse or read otherwise: these are transformed.
    for (const src of [
      'const f = stream<Row>(1);',
      'const n = f(a, b) < 3;',
      'const x = y as const;',
      'const x = y satisfies Z;',
      'type Row = { a: number };',
      'interface Row { a: number }',
      'export type Row = { a: number };',
      'export enum E { A }',
      'declare const x: number;',
      'const f = (c: Row) => c.a;',
      'function f(a, b?: number) { return a; }',
      'const g = [(x: number) => x];',
    ]) expect(plain(src), src).toBe(false);
  });

  it('skips strings, templates and comments as JavaScript reads them', () => {
    const src = [
      "export const a = 'it\\'s export const x = 1, y';",
      'export const b = "say \\"import\\" /";',
      'export const c = `n ${`inner ${1 + 2} export const z` + "}"} \\` ${a} end` / 2;',
      '/* export const w = 1, v */ export const d = 1; // export const u = 1, t',
    ].join('\n');
    const s = scanModule(src)!;
    expect(s.exports).toEqual(['a', 'b', 'c', 'd']);
    expect(s.code.replaceAll('export', '      ')).toBe(src.replaceAll('export', '      '));
    for (const bad of [
      "const a = 'one\nline';",
      'const a = "open;',
      'const a = `open ${1}',
      'const a = `ends in a backslash \\',
      'const a = `${ { } `;',
    ]) expect(scanModule(bad), bad).toBeUndefined();
  });

  it('refuses what the one-script loader does not handle', () => {
    for (const src of [
      "import x from './x.ts';",
      "export default 1;",
      "export { a } from './a.ts';",
      'const a = 1;\nexport { a };',
      "export * from './a.ts';",
      'export let a = 1;',
      'export const a = 1, b = 2;',
      'export class A {}',
      "const m = await import('./a.ts');",
      'const u = import.meta.url;',
      "const a = 1;\nimport { b } from './b.ts';",
      'const r = /a"b/;',
      "import { x } from './x.ts' with { type: 'json' };",
      'const __mvr = 1;',
      'const a = 1;\rexport const b = 2;',
      'const a = "\u2028";',
    ]) expect(scanModule(src), src).toBeUndefined();
  });
});

describe('loading a project through the one script (outside vitest, as the CLI does)', () => {
  const site = join(import.meta.dirname, 'support/load-sites.ts');
  const tmp = mkdtempSync(join(tmpdir(), 'mvkit-model-load-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  type Site = { file: string; exported: string; name?: string; loc?: { file: string; line: number; column: number } };
  type Loaded = { viaScript: boolean; scanThread: boolean; scripts: number; transformed: number; script: { sites: Site[]; diagnostics: unknown[] }; bundle: { sites: Site[]; diagnostics: unknown[] } };
  const load = (dir: string, chunkChars?: number, env: Record<string, string> = {}): Loaded => {
    const r = spawnSync('npx', ['tsx', site, dir, ...(chunkChars ? [String(chunkChars)] : [])], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as Loaded;
  };
  /** Independently of either loader: the model's declaration call starts at its file:line:column. */
  const declaredAt = (s: Site) => {
    const text = readFileSync(s.loc!.file, 'utf8').split('\n')[s.loc!.line - 1] ?? '';
    return new RegExp(`^\\w+\\(\\s*['"\`]${s.name}['"\`]`).test(text.slice(s.loc!.column - 1));
  };

  const generated = join(tmp, 'generated');
  mkdirSync(join(generated, 'models', 'dims'), { recursive: true });
  mkdirSync(join(generated, 'node_modules', '@mvkit'), { recursive: true });
  symlinkSync(join(import.meta.dirname, '..'), join(generated, 'node_modules', '@mvkit', 'compiler'));
  writeFileSync(join(generated, 'models', 'dims', 'stores.ts'), [
    "import { dimension, t } from '@mvkit/compiler';",
    '',
    '/** Stores. A comment that ends with a dot. */',
    "export const stores = dimension('stores', {",
    '  columns: { tenant_id: t.varchar(32), store_id: t.varchar(32), city: t.varchar(64) },',
    "  key: ['tenant_id', 'store_id'], tenant: 'tenant_id',",
    '});',
    '',
  ].join('\n'));
  writeFileSync(join(generated, 'models', 'orders.ts'), [
    'import {',
    '  aggregate,',
    '  enrichment, rollup as rollUp,',
    '  stream, t,',
    '  type Columns,',
    "} from '@mvkit/compiler';",
    "import * as dims from './dims/stores.ts';",
    '',
    'type Row = Columns<{ amount_cents: number }>;',
    'const cents = (c: Row) => c.amount_cents;',
    '',
    "export const orders = stream('orders', {",
    '  columns: { tenant_id: t.varchar(32), order_id: t.varchar(64), store_id: t.varchar(32), amount_cents: t.bigint(), placed_at: t.timestamp() },',
    "  key: ['tenant_id', 'order_id'], tenant: 'tenant_id', eventTime: 'placed_at',",
    '});',
    "export const byStore = enrichment('orders_by_store', { from: orders, joins: (join) => [join({ dimension: dims.stores, on: { tenant_id: 'tenant_id', store_id: 'store_id' }, columns: ['city'] })] });",
    '',
    '    export const hourly =',
    "      aggregate('sales_hourly', {",
    '        from: byStore,',
    "        groupBy: ['tenant_id', 'city'],",
    "        bucket: { name: 'hour', grain: 'hour', column: 'placed_at' },",
    '        measures: (m, c) => ({ orders: m.count(), revenue_cents: m.sum(cents(c as unknown as Row) as never) }),',
    '      });',
    "export const daily = rollUp('sales_daily', { from: hourly, groupBy: ['tenant_id'], bucket: { name: 'day', grain: 'day', column: 'hour' }, measures: ['orders', 'revenue_cents'] });",
    '',
  ].join('\n'));

  // No `<`, `as` or parameter annotation: the scanner reads it as JavaScript; V8 refuses its
  // return type annotation, and its chunk is transformed after all.
  writeFileSync(join(generated, 'models', 'refunds.ts'), [
    "import { stream, t } from '@mvkit/compiler';",
    '',
    'function keyOf(): string[] { return [\'tenant_id\', \'refund_id\']; }',
    '',
    "export const refunds = stream('refunds', {",
    '  columns: { tenant_id: t.varchar(32), refund_id: t.varchar(64), at: t.timestamp() },',
    "  key: keyOf(), tenant: 'tenant_id', eventTime: 'at',",
    '});',
    '',
  ].join('\n'));

  it('transforms only the files that need it: a script per file, the plain one as it is', () => {
    const r = load(generated, 1);
    expect(r.viaScript).toBe(true);
    // orders.ts has type syntax, refunds.ts a return type V8 refuses; dims/stores.ts is JavaScript.
    expect(r.scripts).toBe(3);
    expect(r.transformed).toBe(2);
  }, 120_000);

  it.each([
    ['a project with varied import and export syntax', generated, 1],
    ['the root project', join(import.meta.dirname, '../../..'), 2000],
  ])('%s, read and scanned in the scan thread: the same models at the same places', (_, dir, chunkChars) => {
    const inThread = load(dir, chunkChars, { MVKIT_SCAN_THREAD: '1' });
    expect(inThread.scanThread).toBe(true);
    expect(inThread.viaScript).toBe(true);
    const here = load(dir, chunkChars, { MVKIT_SCAN_THREAD: '0' });
    expect(here.scanThread).toBe(false);
    expect(inThread.script).toEqual(here.script);
    expect(inThread.script.sites).toEqual(inThread.bundle.sites);
    expect([inThread.scripts, inThread.transformed]).toEqual([here.scripts, here.transformed]);
  }, 120_000);

  it.each([
    ['a project with varied import and export syntax', generated, undefined],
    ['the same, a script per file', generated, 1],
    ['the root project', join(import.meta.dirname, '../../..'), undefined],
    ['the root project, a script per file or two', join(import.meta.dirname, '../../..'), 2000],
    ['the quickstart', join(import.meta.dirname, '../../../examples/quickstart'), undefined],
  ])('%s: every model at the same file:line:column as through the esbuild bundle, and at its declaration', (_, dir, chunkChars) => {
    const r = load(dir, chunkChars);
    expect(r.viaScript).toBe(true);
    expect(r.script.diagnostics).toEqual([]);
    expect(r.script.sites).toEqual(r.bundle.sites);
    const models = r.script.sites.filter((s) => s.loc);
    expect(models.length).toBeGreaterThan(3);
    for (const s of models) {
      expect(s.loc!.file).toBe(s.file);
      expect(declaredAt(s), `${s.name} at ${s.loc!.file}:${s.loc!.line}:${s.loc!.column}`).toBe(true);
    }
  }, 120_000);

  it('a file that throws at import is reported through the bundle, at its line', () => {
    const dir = join(tmp, 'throws');
    mkdirSync(join(dir, 'models'), { recursive: true });
    writeFileSync(join(dir, 'models', 'a.ts'), "export const x = 1;\n\nthrow new Error('no such table');\n");
    const r = load(dir);
    expect(r.viaScript).toBe(false);
    expect(r.script.diagnostics).toEqual(r.bundle.diagnostics);
    expect(r.script.diagnostics).toMatchObject([{ code: 'load-error', file: join(dir, 'models', 'a.ts'), line: 3 }]);
  }, 120_000);
});
