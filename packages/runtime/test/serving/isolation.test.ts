import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedNodes, servedTableDdl, SERVING_SCHEMA, type Manifest, type ManifestNode } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { deployOperational } from '../../src/serving/operational-plan.ts';
import { syncServed } from '../../src/serving/sync.ts';
import { issueTenantToken } from '../../src/serving/tokens.ts';
import { platformManifest } from '../platform/helpers.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { deployPlatform, runBatch, workload } from './workload.ts';

/**
 * Tenant isolation in the operational database, on a real Postgres (PGlite has no roles), as the
 * application: a login role granted mvkit_app, running any SQL it likes.
 */
let server: PostgresServer;
let manifest: Manifest;
let local: Db;
let op: Db;
let app: pg.Client;
let tokenT1: string;
let tokenT2: string;
const notices: string[] = [];
const TABLES = () => servedNodes(manifest).map((n) => `${SERVING_SCHEMA}.${n.node.name}`);

beforeAll(async () => {
  [server, manifest] = await Promise.all([startPostgres(), platformManifest()]);
  local = await openPostgres(await server.createDatabase('iso_local'));
  const opUrl = await server.createDatabase('iso_op');
  op = await openPostgres(opUrl);
  await deployPlatform(local, manifest);
  await runBatch(local, manifest, workload(3), 60);
  await deployOperational(op, manifest, 'mvkit_app');
  await syncServed(local, op, manifest);
  tokenT1 = await issueTenantToken(op, 't1');
  tokenT2 = await issueTenantToken(op, 't2');
  await op.exec(`DROP ROLE IF EXISTS dashboard_app; CREATE ROLE dashboard_app LOGIN PASSWORD 'app' NOSUPERUSER NOBYPASSRLS; GRANT mvkit_app TO dashboard_app;`);
  const u = new URL(opUrl);
  u.username = 'dashboard_app';
  u.password = 'app';
  app = new pg.Client({ connectionString: u.toString() });
  app.on('notice', (n) => notices.push(String(n.message)));
  await app.connect();
}, 300_000);
afterAll(async () => {
  await app?.end().catch(() => undefined);
  await local?.close();
  await op?.close();
  await server?.stop();
});

/** The tenants whose rows the app sees in a table, in its current session/transaction. */
async function tenantsSeen(table: string, where = 'true'): Promise<string[]> {
  const r = await app.query<{ tenant_id: string }>(`SELECT DISTINCT tenant_id FROM ${table} WHERE ${where} ORDER BY 1`);
  return r.rows.map((x) => x.tenant_id);
}

async function asTenant<T>(token: string, fn: () => Promise<T>): Promise<T> {
  await app.query('BEGIN');
  try {
    await app.query(`SELECT set_config('mvkit.token', $1, true)`, [token]);
    return await fn();
  } finally {
    await app.query('ROLLBACK');
  }
}

describe('tenant isolation on native Postgres, as the application role', () => {
  it('the operational tables hold several tenants (seen by the owner)', async () => {
    for (const t of TABLES()) {
      const r = await op.query<{ n: number }>(`SELECT count(DISTINCT tenant_id)::int AS n FROM ${t}`);
      expect(r[0]!.n, t).toBeGreaterThan(1);
    }
  });

  it('no token set: no rows', async () => {
    for (const t of TABLES()) expect(await tenantsSeen(t), t).toEqual([]);
  });

  it("a tenant's token shows its rows, all of them, and no other tenant's, whatever the filter", async () => {
    for (const t of TABLES()) {
      const own = await op.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE tenant_id = 't1'`);
      await asTenant(tokenT1, async () => {
        expect(await tenantsSeen(t), t).toEqual(['t1']);
        expect(await tenantsSeen(t, `tenant_id = 't2' OR true`)).toEqual(['t1']);
        expect((await app.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n).toBe(own[0]!.n);
      });
      await asTenant(tokenT2, async () => expect(await tenantsSeen(t), t).toEqual(['t2']));
    }
  });

  it('SET, set_config and RESET of the settings name no tenant: only a valid token does', async () => {
    const t = TABLES()[0]!;
    for (const stmt of [`SET mvkit.tenant = 't2'`, `SELECT set_config('mvkit.tenant', 't2', false)`, `SET mvkit.token = 't2'`, `SET mvkit.token = ''`, `RESET mvkit.token`, 'RESET ALL']) {
      await app.query(stmt);
      expect(await tenantsSeen(t), stmt).toEqual([]);
    }
    // A token set for the session (not the transaction) is still only that tenant's.
    await app.query(`SELECT set_config('mvkit.token', $1, false)`, [tokenT1]);
    await app.query(`SET mvkit.tenant = 't2'`);
    expect(await tenantsSeen(t)).toEqual(['t1']);
    await app.query('RESET ALL');
    expect(await tenantsSeen(t)).toEqual([]);
  });

  it('cannot turn the policy off, become another role, or read the tokens', async () => {
    const t = TABLES()[0]!;
    const refused = async (sql: string, pattern: RegExp) => {
      await expect(app.query(sql), sql).rejects.toThrow(pattern);
    };
    await refused(`ALTER TABLE ${t} DISABLE ROW LEVEL SECURITY`, /must be owner/);
    await refused(`ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY`, /must be owner/);
    await refused(`DROP POLICY tenant_read ON ${t}`, /must be owner/);
    await refused(`SET ROLE mvkit`, /permission denied/);
    await refused(`SET SESSION AUTHORIZATION mvkit`, /permission denied/);
    await refused(`ALTER ROLE dashboard_app BYPASSRLS`, /permission denied/);
    await refused(`SELECT * FROM ${SERVING_SCHEMA}.tenant_tokens`, /permission denied/);
    await refused(`SELECT * FROM ${SERVING_SCHEMA}.sync_state`, /permission denied/);
    await refused(`INSERT INTO ${t} (tenant_id) VALUES ('t1')`, /permission denied/);
    await refused(`CREATE FUNCTION ${SERVING_SCHEMA}.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'`, /permission denied/);
    // row_security = off does not bypass: a query the policy would filter is an error instead.
    await app.query('SET row_security = off');
    await refused(`SELECT * FROM ${t}`, /row-level security/);
    await app.query('RESET row_security');
  });

  it('functions: its own (even SECURITY DEFINER, or leaking what they see) run under the policy; current_tenant() gives only its token\'s tenant', async () => {
    const t = TABLES()[0]!;
    await app.query(`CREATE FUNCTION pg_temp.all_tenants() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER AS 'SELECT DISTINCT tenant_id::text FROM ${t}'`);
    await app.query(`CREATE FUNCTION pg_temp.leak(x text) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS 'BEGIN RAISE NOTICE ''seen %'', x; RETURN true; END'`);
    await asTenant(tokenT1, async () => {
      expect((await app.query('SELECT * FROM pg_temp.all_tenants()')).rows.map((r) => r.all_tenants)).toEqual(['t1']);
      notices.length = 0;
      // A cheap, non-leakproof function in the WHERE clause runs after the policy's filter, never on other tenants' rows.
      await app.query(`SELECT 1 FROM ${t} WHERE pg_temp.leak(tenant_id::text)`);
      expect(notices.length).toBeGreaterThan(0);
      expect(notices.filter((n) => !n.includes('t1'))).toEqual([]);
      expect((await app.query(`SELECT ${SERVING_SCHEMA}.current_tenant() AS t`)).rows[0].t).toBe('t1');
    });
    expect((await app.query(`SELECT ${SERVING_SCHEMA}.current_tenant() AS t`)).rows[0].t).toBeNull();
  });

  it('a served model without a tenant column (global) is readable with any valid token, and without one not at all', async () => {
    const node = { name: 'kinds_served', columns: [{ name: 'kind', type: 'VARCHAR(16)', nullable: false }, { name: 'n', type: 'BIGINT', nullable: true }] } as unknown as ManifestNode;
    for (const q of servedTableDdl(node, { key: ['kind'], tenant: null, source: 'kinds' }, 'mvkit_app')) await op.exec(q);
    await op.exec(`INSERT INTO ${SERVING_SCHEMA}.kinds_served VALUES ('sms', 1), ('rcs', 2)`);
    const count = async () => Number((await app.query(`SELECT count(*)::int AS n FROM ${SERVING_SCHEMA}.kinds_served`)).rows[0].n);
    expect(await count()).toBe(0);
    expect(await asTenant(tokenT1, count)).toBe(2);
    expect(await asTenant(tokenT2, count)).toBe(2);
    expect(await asTenant('not-a-token', count)).toBe(0);
  });
});
