import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregate, compileProject, loadProject, sqlModel, stream, t, type Project } from '@mvkit/compiler';

const leftJoin = join(import.meta.dirname, 'fixtures/require-incremental/left-join');

describe('Redshift eligibility inside validate', () => {
  it('a LEFT JOIN model is a warning by default and an error with requireIncremental, naming the model, its declaration and the hint', async () => {
    const project = await loadProject(leftJoin);
    const lenient = await compileProject(project, 'redshift');
    expect(lenient.ok).toBe(true);
    expect(lenient.diagnostics.map((d) => `${d.severity} ${d.code} ${d.model} ${d.file}:${d.line}`)).toEqual(['warning outer-join orders_by_city models/orders.ts:17']);
    const strict = await compileProject(project, 'redshift', { requireIncremental: true });
    expect(strict.ok).toBe(false);
    const [d] = strict.diagnostics;
    expect(d).toMatchObject({ severity: 'error', code: 'outer-join', model: 'orders_by_city', file: 'models/orders.ts', line: 17 });
    expect(d!.message).toContain('LEFT JOIN');
    expect(d!.hint).toMatch(/stream-join pattern/);
  });

  it('the root project passes with requireIncremental', async () => {
    const result = await compileProject(await loadProject(join(import.meta.dirname, '../../..')), 'redshift', { requireIncremental: true });
    expect(result.diagnostics).toEqual([]);
  });

  it('chain rule: an MV built on one that recomputes fully is flagged, and a countDistinct measure makes its MV full', async () => {
    const events = stream('events', {
      columns: { tenant_id: t.varchar(32), id: t.varchar(64), user_id: t.varchar(64), at: t.timestamp() },
      key: ['tenant_id', 'id'], tenant: 'tenant_id', eventTime: 'at',
    });
    const users = aggregate('users_hourly', {
      from: events, groupBy: ['tenant_id'], bucket: { name: 'hour', grain: 'hour', column: 'at' },
      measures: (m, c) => ({ users: m.countDistinct(c.user_id) }),
    });
    const top = sqlModel('users_top', {
      materialized: 'mv', sql: 'SELECT tenant_id, MAX(users) AS peak FROM {{ref "users_hourly"}} GROUP BY tenant_id',
      columns: { tenant_id: t.varchar(32), peak: t.bigint() }, tenant: 'tenant_id',
    });
    const project: Project = { dir: '/', config: { name: 'chain' }, models: [events, users, top], macros: {}, loadDiagnostics: [] };
    const result = await compileProject(project, 'redshift');
    expect(result.diagnostics.map((d) => `${d.model}:${d.code}`).sort()).toEqual(['users_hourly:distinct-aggregate', 'users_top:chain-on-full-mv']);
  });
});

describe('mvkit validate --require-incremental', () => {
  it('exits 1 on the LEFT JOIN fixture, printing file:line, model and hint; exits 0 without the flag', async () => {
    const { main } = await import('../../cli/src/main.ts');
    const { vi } = await import('vitest');
    const run = async (args: string[]) => {
      let out = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
      process.exitCode = undefined;
      try { await main(['node', 'mvkit', '-p', leftJoin, 'validate', ...args]); } finally { spy.mockRestore(); }
      const code = Number(process.exitCode ?? 0);
      process.exitCode = undefined;
      return { out, code };
    };
    const strict = await run(['--require-incremental']);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/^models\/orders\.ts:17:29: error outer-join \[orders_by_city\]: .*LEFT JOIN/m);
    expect(strict.out).toMatch(/hint: use the stream-join pattern/);
    const lenient = await run([]);
    expect(lenient.code).toBe(0);
    expect(lenient.out).toContain('0 error(s), 1 warning(s)');
  });
});
