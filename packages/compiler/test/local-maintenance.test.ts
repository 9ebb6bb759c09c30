import { describe, expect, it } from 'vitest';
import { compileProject, sqlModel, stream, t, type Model } from '@mvkit/compiler';

const events = stream('events', {
  columns: { tenant_id: t.varchar(32), kind: t.varchar(16), at: t.timestamp() },
  key: ['tenant_id', 'kind'], tenant: 'tenant_id', eventTime: 'at',
});
const columns = { tenant_id: t.varchar(32), kind: t.varchar(16), n: t.bigint() };
const validate = (...models: Model[]) => compileProject({ dir: '/', config: { name: 'p' }, models: [events, ...models], macros: {}, loadDiagnostics: [] }, 'redshift');

describe('MVs the local engine recomputes in full are reported by validate', () => {
  it('a SQL MV with HAVING: a warning at its declaration, naming HAVING', async () => {
    const busy = sqlModel('busy_kinds', {
      materialized: 'mv', columns, tenant: 'tenant_id',
      sql: 'SELECT tenant_id, kind, COUNT(*) AS n FROM {{ref "events"}} GROUP BY tenant_id, kind HAVING COUNT(*) > 1',
    });
    const r = await validate(busy);
    const d = r.diagnostics.filter((x) => x.code === 'local-full-recompute');
    expect(d).toEqual([expect.objectContaining({
      severity: 'warning', model: 'busy_kinds', line: busy.loc.line,
      message: 'the local engine recomputes this MV in full on every refresh: HAVING is not maintained incrementally',
    })]);
    expect(d[0]!.file).toMatch(/local-maintenance\.test\.ts$/);
    expect(d[0]!.hint).toMatch(/view on top/);
  });

  it('the same MV without HAVING: no such warning', async () => {
    const r = await validate(sqlModel('kinds', {
      materialized: 'mv', columns, tenant: 'tenant_id',
      sql: 'SELECT tenant_id, kind, COUNT(*) AS n FROM {{ref "events"}} GROUP BY tenant_id, kind',
    }));
    expect(r.diagnostics.filter((x) => x.code === 'local-full-recompute')).toEqual([]);
  });
});
