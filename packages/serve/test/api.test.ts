import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openPglite, openPostgres, type Db } from '@mvkit/runtime';
import { startPostgres, type PostgresServer } from '../../runtime/test/support/postgres-server.ts';
import { buildServeApp, openOperationalSource, type ServedView, type TenantSource } from '../src/index.ts';
import { APP_ROLE, buildOperational, issueToken, TENANTS } from './support/operational-fixture.ts';

type Row = Record<string, unknown>;
interface Ctx { source: TenantSource; rls: boolean; app: FastifyInstance; views: ServedView[]; rows: Map<string, Row[]>; tokens: Record<string, string> }

/** A row as the view's columns, in order: the API's rows carry exactly these. */
const byKey = (v: ServedView) => (r: Row) => JSON.stringify(v.columns.map((c) => r[c.name]));

function suite(name: string, open: () => Promise<{ db: Db; role: string | null; stop: () => Promise<void> }>) {
  describe(`the API on ${name}`, () => {
    const ctx = {} as Ctx;
    let stop: () => Promise<void> = async () => undefined;
    beforeAll(async () => {
      const o = await open();
      stop = o.stop;
      const built = await buildOperational(o.db);
      ctx.views = built.views;
      ctx.rows = built.rows;
      ctx.tokens = {};
      for (const t of TENANTS) ctx.tokens[t] = await issueToken(o.db, t);
      const source = await openOperationalSource(o.db, { role: o.role, connections: 3 });
      ctx.app = await buildServeApp({ source, views: built.views });
      ctx.source = source;
      ctx.rls = o.role !== null;
      const close = stop;
      stop = async () => { await ctx.app.close(); await source.close(); await close(); };
    });
    afterAll(() => stop());

    const get = async (tenant: string | null, url: string) => {
      const res = await ctx.app.inject({ method: 'GET', url, headers: tenant ? { authorization: `Bearer ${ctx.tokens[tenant]}` } : {} });
      return { status: res.statusCode, body: res.json() as { rows: Row[]; next_cursor: string | null; error?: string; hint?: string; tenant?: string } };
    };
    /** Every page, following next_cursor. */
    const all = async (tenant: string, view: string, query = '', limit = 1000) => {
      const rows: Row[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await get(tenant, `/api/v1/${view}?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        rows.push(...r.body.rows);
        cursor = r.body.next_cursor;
        pages++;
      } while (cursor && pages < 1000);
      return { rows, pages };
    };

    test('a token reads exactly its tenant\'s rows of every served view, and none of another tenant', async () => {
      expect(ctx.views.map((v) => v.name)).toEqual(expect.arrayContaining(['tenant_daily_metrics', 'tenant_channel_metrics', 'campaign_daily_metrics']));
      for (const v of ctx.views) {
        for (const tenant of TENANTS) {
          const { rows } = await all(tenant, v.name);
          const expected = ctx.rows.get(v.name)!.filter((r) => r[v.tenant!] === tenant);
          expect(rows.length).toBeGreaterThan(0);
          expect(rows.map(byKey(v)).sort()).toEqual(expected.map(byKey(v)).sort());
          expect(new Set(rows.map((r) => r[v.tenant!]))).toEqual(new Set([tenant]));
        }
      }
    });

    test('crafted filters, ids, cursors and paths never reach another tenant', async () => {
      const [a, b] = [TENANTS[0], TENANTS[1]];
      // Naming a tenant in the query is refused outright.
      for (const q of [`tenant=${b}`, `tenant_id=${b}`]) {
        const r = await get(a, `/api/v1/tenant_daily_metrics?${q}`);
        expect(r.status).toBe(400);
        expect(r.body.hint).toMatch(/from the bearer token/);
      }
      // Another tenant's campaign id filters A's rows to nothing.
      expect((await get(a, `/api/v1/campaign_daily_metrics?campaign=${b}_c1`)).body.rows).toEqual([]);
      // SQL in a filter is not an id.
      for (const q of [`channel=${encodeURIComponent("sms' OR '1'='1")}`, `campaign=${encodeURIComponent(`x') OR tenant_id='${b}`)}`]) {
        expect((await get(a, `/api/v1/campaign_daily_metrics?${q}`)).status).toBe(400);
      }
      // B's own cursor (the key of one of B's rows), presented with A's token, still pages through A's rows only.
      const cursor = (await get(b, `/api/v1/campaign_daily_metrics?limit=1&campaign=${b}_c1`)).body.next_cursor;
      expect(cursor).toBeTruthy();
      const r = await get(a, `/api/v1/campaign_daily_metrics?cursor=${cursor}`);
      expect(r.status).toBe(200);
      expect(r.body.rows.length).toBeGreaterThan(0);
      expect(new Set(r.body.rows.map((x) => x.tenant_id))).toEqual(new Set([a]));
      // Relations that are not served views are not reachable by name.
      for (const path of ['tenant_tokens', 'mvkit_serving.tenant_tokens', 'pg_roles', '..%2Fhealthz']) {
        expect((await get(a, `/api/v1/${path}`)).status).toBe(404);
      }
      // No token, an unknown token, a tenant name as the token: 401.
      expect((await get(null, '/api/v1/tenant_daily_metrics')).status).toBe(401);
      for (const bad of ['not-a-token-0123456789', b]) {
        const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/tenant_daily_metrics', headers: { authorization: `Bearer ${bad}` } });
        expect(res.statusCode).toBe(401);
      }
      expect((await get(b, '/api/v1/me')).body.tenant).toBe(b);
    });

    test('a read runs as the token\'s tenant in the database: with row-level security, even SQL without the tenant in its WHERE sees one tenant', async () => {
      const sql = 'SELECT DISTINCT tenant_id FROM mvkit_serving.tenant_channel_metrics ORDER BY 1';
      const seen = await ctx.source.withTenant(ctx.tokens[TENANTS[1]]!, async (tx, tenant) => ({ tenant, rows: await tx.query<{ tenant_id: string }>(sql) }));
      expect(seen?.tenant).toBe(TENANTS[1]);
      // PGlite has no roles: its policies are not enforced, which is why the API filters by tenant itself.
      expect(seen?.value.rows.map((r) => r.tenant_id)).toEqual(ctx.rls ? [TENANTS[1]] : [...TENANTS]);
      expect(await ctx.source.withTenant('unknown-token-0123456789', async () => 1)).toBeNull();
    });

    test('keyset pagination returns every row once, in key order, with and without filters', async () => {
      const tenant = TENANTS[2];
      const full = await all(tenant, 'campaign_daily_metrics');
      for (const limit of [1, 7, 50]) {
        const paged = await all(tenant, 'campaign_daily_metrics', '', limit);
        expect(paged.rows).toEqual(full.rows);
        expect(paged.pages).toBeGreaterThanOrEqual(Math.ceil(full.rows.length / limit));
      }
      const days = full.rows.map((r) => String(r.day));
      expect(days).toEqual([...days].sort());
      const filtered = await all(tenant, 'campaign_daily_metrics', `&from=2026-11-22&to=2026-11-24&channel=sms&campaign=${tenant}_c2`, 2);
      const expected = full.rows.filter((r) => String(r.day) >= '2026-11-22' && String(r.day) < '2026-11-25' && r.channel_id === 'sms' && r.campaign_id === `${tenant}_c2`);
      expect(filtered.rows).toEqual(expected);
      expect(expected.length).toBe(3 * 2); // three days, two rows (countries) each
    });

    test('bad input is a 400 that says what is wrong', async () => {
      const cases: [string, RegExp][] = [
        ['tenant_daily_metrics?limit=0', /limit="0" is not a whole number from 1 to 1000/],
        ['tenant_daily_metrics?limit=abc', /limit="abc"/],
        ['tenant_daily_metrics?limit=5000', /limit="5000"/],
        ['tenant_daily_metrics?from=2026-02-30', /from="2026-02-30" is not a date/],
        ['tenant_daily_metrics?from=yesterday', /is not a date/],
        ['tenant_daily_metrics?from=2026-11-25&to=2026-11-21', /is after to/],
        ['tenant_daily_metrics?channel=sms', /tenant_daily_metrics has no channel column/],
        ['tenant_daily_metrics?cursor=garbage', /cursor is not one this API returned/],
        ['tenant_daily_metrics?limit=1&limit=2', /given more than once/],
        ['tenant_daily_metrics?order=day', /unknown parameter "order"/],
      ];
      for (const [url, message] of cases) {
        const r = await get(TENANTS[0], `/api/v1/${url}`);
        expect(r.status, url).toBe(400);
        expect(r.body.error, url).toMatch(message);
        expect(r.body.hint, url).toBeTruthy();
      }
    });
  });
}

suite('PGlite (no roles: the tenant in the WHERE)', async () => {
  const db = await openPglite();
  return { db, role: null, stop: () => db.close() };
});

let server: PostgresServer | undefined;
suite('native Postgres (row-level security as the app role)', async () => {
  server = await startPostgres();
  const db = await openPostgres(await server.createDatabase('serve_api'));
  return { db, role: APP_ROLE, stop: async () => { await db.close(); await server!.stop(); } };
});
