import { beforeAll, describe, expect, it } from 'vitest';
import { aggregate, buildGraph, dimension, enrichment, initAnalyzer, sqlExpr, sqlModel, stream, t, type Model } from '@mvkit/compiler';
import { functionInfo, functionsOf, supports } from '../src/emit/functions.ts';
import { functionCalls, functionsPass, functionTargets } from '../src/passes/functions.ts';
import { renderSqlModels } from '../src/passes/sql-models.ts';
import { sqlTenantPass } from '../src/passes/sql-tenant.ts';
import { tenantPass } from '../src/passes/tenant.ts';

beforeAll(async () => { await initAnalyzer(); });

const orders = stream('orders', {
  columns: { tenant_id: t.varchar(32), order_id: t.varchar(64), store_id: t.varchar(32), amount: t.bigint(), placed_at: t.timestamp() },
  key: ['tenant_id', 'order_id'],
  tenant: 'tenant_id',
  eventTime: 'placed_at',
});
const stores = dimension('stores', {
  columns: { tenant_id: t.varchar(32), store_id: t.varchar(32), city: t.varchar(64) },
  key: ['tenant_id', 'store_id'],
  tenant: 'tenant_id',
});
const regions = dimension('regions', {
  columns: { city: t.varchar(64), region: t.varchar(64) },
  key: ['city'],
  tenant: { global: 'geography, the same for every tenant' },
});

function run(models: Model[], targets = functionTargets(null)) {
  const graph = buildGraph(models);
  const { sql } = renderSqlModels(graph, { dir: 'macros', exists: false });
  return { functions: functionsPass(graph, sql, targets), tenant: sqlTenantPass(graph, sql) };
}
const sqlMv = (name: string, sql: string, columns: Record<string, ReturnType<typeof t.varchar>>, extra: { tenant?: string; tenantIsolation?: { optOut: string } } = {}) =>
  sqlModel(name, { materialized: 'mv', sql, columns, ...extra });

describe('the function table', () => {
  it('has a clean API for the dialects: functionsOf, supports, functionInfo', () => {
    expect(functionsOf('redshift').has('convert_timezone')).toBe(true);
    expect(functionsOf('postgres').has('convert_timezone')).toBe(false);
    for (const fn of ['CONVERT_TIMEZONE', 'DATEDIFF', 'DATEADD', 'GETDATE']) expect([fn, supports('redshift', fn), supports('postgres', fn)]).toEqual([fn, true, false]);
    for (const fn of ['STRING_AGG', 'GENERATE_SERIES', 'WIDTH_BUCKET']) expect([fn, supports('redshift', fn), supports('postgres', fn)]).toEqual([fn, false, true]);
    // Functions the table does not know are not judged: they may be user-defined.
    expect(supports('redshift', 'my_udf')).toBe(true);
    expect(functionInfo('nvl')?.portable).toBe('COALESCE(a, b)');
  });

  it('finds calls in SQL, leaving out syntax forms and schema-qualified functions', () => {
    const calls = functionCalls("SELECT EXTRACT(epoch FROM a), x AT TIME ZONE 'UTC', TRIM(b), lower(c), pg_catalog.upper(d), util.f(e), COUNT(*) FROM t");
    expect(calls.map((c) => c.name)).toEqual(['lower', 'upper', 'count']);
  });
});

describe('functions a target lacks', () => {
  it('a Redshift-only function in a sqlExpr is an error for the local engine, with the portable form', () => {
    const e = enrichment('local_times', { from: orders, joins: () => [], derive: () => ({ at_paris: sqlExpr("CONVERT_TIMEZONE('UTC', 'Europe/Paris', i.placed_at)", 'timestamp') }) });
    const { functions } = run([orders, e]);
    expect(functions).toHaveLength(1);
    expect(functions[0]).toMatchObject({ code: 'unsupported-function', severity: 'error', model: 'local_times' });
    expect(functions[0]!.message).toMatch(/^CONVERT_TIMEZONE\(\) \(sqlExpr\(.*\)\) is a Redshift function: the local engine \(Postgres\) does not have it/);
    expect(functions[0]!.hint).toBe("write (ts AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Paris' instead (both targets have that form)");
  });

  it('a Postgres-only function in a SQL model is an error when the project deploys to Redshift (or declares no target), not otherwise', () => {
    const s = sqlMv('channels', 'SELECT o.tenant_id, STRING_AGG(o.store_id, \',\') AS stores, WIDTH_BUCKET(1, 0, 10, 5) AS b FROM {{ref "orders"}} AS o GROUP BY o.tenant_id', { tenant_id: t.varchar(32), stores: t.varchar(1024), b: t.varchar(8) }, { tenant: 'tenant_id' });
    expect(run([orders, s], functionTargets(['pglite', 'redshift'])).functions.map((d) => d.message.split(' (')[0])).toEqual(['STRING_AGG()', 'WIDTH_BUCKET()']);
    expect(run([orders, s], functionTargets(null)).functions).toHaveLength(2);
    expect(run([orders, s], functionTargets(['pglite', 'postgres'])).functions).toEqual([]);
  });

  it('functions of every kind of model expression are read, and a fragment that does not parse is reported', () => {
    const a = aggregate('a', { from: orders, groupBy: ['tenant_id'], measures: (m) => ({ n: m.sum(sqlExpr('DATEDIFF(day, placed_at, GETDATE())', 'number')) }) });
    const bad = aggregate('b', { from: orders, groupBy: ['tenant_id'], measures: (m) => ({ n: m.sum(sqlExpr('amount +', 'number')) }) });
    const { functions } = run([orders, a, bad]);
    expect(functions.map((d) => `${d.model}: ${d.code}: ${d.message.split(' (')[0]}`)).toEqual(['a: unsupported-function: DATEDIFF()', 'a: unsupported-function: GETDATE()', 'b: sql-expr-syntax: sqlExpr("amount +") in "b" does not parse as a SQL expression: syntax error at end of input']);
    expect(functions[0]!.hint).toMatch(/secondsBetween\(from, to\) in the DSL/);
  });
});

describe('tenant isolation of SQL models', () => {
  it('joins on the tenant, directly, through WHERE or through a third relation, and global dimensions without it, pass', () => {
    const ok = [
      sqlMv('a', 'SELECT o.tenant_id, s.city, COUNT(*) AS n FROM {{ref "orders"}} o JOIN {{ref "stores"}} s ON s.store_id = o.store_id AND s.tenant_id = o.tenant_id GROUP BY 1, 2', { tenant_id: t.varchar(32), city: t.varchar(8), n: t.varchar(8) }, { tenant: 'tenant_id' }),
      sqlMv('b', 'SELECT o.tenant_id, r.region, COUNT(*) AS n FROM {{ref "orders"}} o, {{ref "stores"}} s, {{ref "regions"}} r WHERE o.tenant_id = s.tenant_id AND o.store_id = s.store_id AND r.city = s.city GROUP BY o.tenant_id, r.region', { tenant_id: t.varchar(32), region: t.varchar(8), n: t.varchar(8) }, { tenant: 'tenant_id' }),
      sqlMv('c', 'WITH x AS (SELECT o.tenant_id, SUM(o.amount) AS total FROM {{ref "orders"}} o GROUP BY o.tenant_id) SELECT x.tenant_id AS tenant, x.total FROM x', { tenant: t.varchar(32), total: t.varchar(8) }, { tenant: 'tenant' }),
      sqlMv('d', 'SELECT d.tenant_id, d.n FROM (SELECT o.tenant_id, COUNT(*) AS n FROM {{ref "orders"}} o GROUP BY o.tenant_id) AS d', { tenant_id: t.varchar(32), n: t.varchar(8) }, { tenant: 'tenant_id' }),
      sqlMv('e', 'SELECT region, COUNT(*) AS n FROM {{ref "regions"}} GROUP BY region', { region: t.varchar(8), n: t.varchar(8) }),
      sqlMv('f', 'SELECT COUNT(*) AS n FROM {{ref "orders"}}', { n: t.varchar(8) }, { tenantIsolation: { optOut: 'platform-wide volume for capacity planning' } }),
    ];
    expect(run([orders, stores, regions, ...ok]).tenant).toEqual([]);
  });

  it('an aggregate across tenants, a join without the tenant key, an undeclared tenant, a wrong tenant column: errors', () => {
    const bad = [
      sqlMv('by_store', 'SELECT o.tenant_id, o.store_id, n FROM (SELECT o.tenant_id, o.store_id, COUNT(*) AS n FROM {{ref "orders"}} o GROUP BY o.store_id, o.tenant_id) o', { tenant_id: t.varchar(32), store_id: t.varchar(8), n: t.varchar(8) }, { tenant: 'tenant_id' }),
      sqlMv('across', 'SELECT o.store_id, SUM(o.amount) AS total FROM {{ref "orders"}} o GROUP BY o.store_id', { store_id: t.varchar(8), total: t.varchar(8) }, { tenant: 'store_id' }),
      sqlMv('joined', 'SELECT o.tenant_id, s.city FROM {{ref "orders"}} o JOIN {{ref "stores"}} s ON s.store_id = o.store_id OR s.tenant_id = o.tenant_id', { tenant_id: t.varchar(32), city: t.varchar(8) }, { tenant: 'tenant_id' }),
      sqlMv('undeclared', 'SELECT o.tenant_id, o.order_id FROM {{ref "orders"}} o', { tenant_id: t.varchar(32), order_id: t.varchar(8) }),
    ];
    const got = run([orders, stores, ...bad]).tenant.map((d) => `${d.model}: ${d.code}`);
    expect(got).toEqual(['across: tenant-group', 'across: tenant-column', 'joined: tenant-join', 'undeclared: tenant-undeclared']);
  });

  it('a global dimension needs a reason, like an opt-out', () => {
    const g = (reason: string) => dimension('countries', { columns: { code: t.char(2) }, key: ['code'], tenant: { global: reason } });
    expect(tenantPass(buildGraph([g('  ')])).map((d) => d.code)).toEqual(['tenant-global-reason']);
    expect(tenantPass(buildGraph([g('')])).map((d) => d.code)).toEqual(['tenant-global-reason']);
    expect(tenantPass(buildGraph([g('ISO 3166 countries')]))).toEqual([]);
  });
});
