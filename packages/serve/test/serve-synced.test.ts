// End to end with the sync side: the platform deployed on the local engine, a few batches loaded
// and refreshed, `syncServed` into an operational database that `deployOperational` created (its
// tables, row-level security and app role), tokens from `issueTenantToken`. The API must give each
// tenant exactly its rows of the warehouse's served views.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DEFAULT_APP_ROLE, deployOperational, issueTenantToken, openPglite, openPostgres, syncServed, type Db } from '@mvkit/runtime';
import { runDemo } from '../../../scripts/platform/index.ts';
import { startPostgres, type PostgresServer } from '../../runtime/test/support/postgres-server.ts';
import { buildServeApp, generateTokens, openOperationalSource, openWarehouseSource, servedViews } from '../src/index.ts';
import { quoteIdent } from '../src/views.ts';
import { rootManifest } from './support/operational-fixture.ts';

const dirs: string[] = [];
let server: PostgresServer | undefined;
afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function endToEnd(local: Db, op: Db, role: string | null): Promise<void> {
  const manifest = await rootManifest();
  const dir = mkdtempSync(join(tmpdir(), 'mvkit-serve-'));
  dirs.push(dir);
  await runDemo(local, manifest, { dir, tenants: 3, events: 800, batches: 2, seed: 5, hours: 72 });
  await deployOperational(op, manifest, DEFAULT_APP_ROLE);
  await syncServed(local, op, manifest);
  const views = servedViews(manifest, { schema: 'mvkit_serving' });
  expect(views.map((v) => v.name).sort()).toEqual(['campaign_daily_metrics', 'tenant_channel_metrics', 'tenant_daily_metrics']);
  const tenants = (await local.query<{ t: string }>('SELECT DISTINCT tenant_id AS t FROM tenant_daily_metrics ORDER BY 1')).map((r) => r.t);
  expect(tenants.length).toBe(3);
  const tokens = new Map<string, string>();
  for (const t of tenants) tokens.set(t, await issueTenantToken(op, t));
  const source = await openOperationalSource(op, { role, connections: 2 });
  const app = await buildServeApp({ source, views });
  try {
    if (role) {
      // The database alone keeps a tenant in: a SELECT with no tenant in its WHERE, run as the source runs reads, sees one tenant.
      const seen = await source.withTenant(tokens.get(tenants[0]!)!, (tx) => tx.query<{ t: string }>('SELECT DISTINCT tenant_id AS t FROM mvkit_serving.campaign_daily_metrics'));
      expect(seen?.value.map((r) => r.t)).toEqual([tenants[0]]);
    }
    for (const v of views) {
      const cols = v.columns.map((c) => (/^TIMESTAMP/i.test(c.type) ? `to_char(${quoteIdent(c.name)}, 'YYYY-MM-DD"T"HH24:MI:SS') AS ${quoteIdent(c.name)}` : /^(BIGINT|DOUBLE)/i.test(c.type) ? `${quoteIdent(c.name)}::float8 AS ${quoteIdent(c.name)}` : quoteIdent(c.name)));
      for (const t of tenants) {
        const want = await local.query(`SELECT ${cols.join(', ')} FROM ${quoteIdent(v.name)} WHERE tenant_id = $1`, [t]);
        const got: Record<string, unknown>[] = [];
        let cursor: string | null = null;
        do {
          const res = await app.inject({ url: `/api/v1/${v.name}?limit=40${cursor ? `&cursor=${cursor}` : ''}`, headers: { authorization: `Bearer ${tokens.get(t)}` } });
          expect(res.statusCode, res.body).toBe(200);
          const body = res.json() as { rows: Record<string, unknown>[]; next_cursor: string | null };
          got.push(...body.rows);
          cursor = body.next_cursor;
        } while (cursor);
        const key = (r: Record<string, unknown>) => JSON.stringify(v.columns.map((c) => r[c.name]));
        expect(want.length).toBeGreaterThan(0);
        expect(got.map(key).sort()).toEqual(want.map(key).sort());
      }
    }
  } finally {
    await app.close();
    await source.close();
  }
  // mvkit serve --from warehouse: the same rows from the served views on the local engine, tokens mapped in the server.
  const whTokens = generateTokens(tenants);
  const whSource = await openWarehouseSource(local, whTokens);
  const wh = await buildServeApp({ source: whSource, views: servedViews(manifest) });
  try {
    for (const [token, t] of whTokens) {
      const res = await wh.inject({ url: '/api/v1/tenant_channel_metrics?limit=1000', headers: { authorization: `Bearer ${token}` } });
      const body = res.json() as { rows: Record<string, unknown>[] };
      const want = await local.query<{ n: number }>('SELECT count(*)::int AS n FROM tenant_channel_metrics WHERE tenant_id = $1', [t]);
      expect(body.rows.length).toBe(want[0]!.n);
      expect(new Set(body.rows.map((r) => r.tenant_id))).toEqual(new Set([t]));
    }
    // A token of the operational database means nothing here, and the reverse.
    const res = await wh.inject({ url: '/api/v1/tenant_daily_metrics', headers: { authorization: `Bearer ${tokens.get(tenants[0]!)}` } });
    expect(res.statusCode).toBe(401);
  } finally {
    await wh.close();
    await whSource.close();
  }
}

describe('the API over an operational database that mvkit sync filled', () => {
  test('PGlite: every tenant reads exactly its rows of the served views', async () => {
    const local = await openPglite();
    const op = await openPglite();
    try {
      await endToEnd(local, op, null);
    } finally {
      await local.close();
      await op.close();
    }
  }, 600_000);

  test('native Postgres, as the app role under row-level security: every tenant reads exactly its rows', async () => {
    server = await startPostgres();
    const local = await openPostgres(await server.createDatabase('serve_e2e_local'));
    const op = await openPostgres(await server.createDatabase('serve_e2e_op'));
    try {
      await endToEnd(local, op, DEFAULT_APP_ROLE);
    } finally {
      await local.close();
      await op.close();
    }
  }, 600_000);
});
