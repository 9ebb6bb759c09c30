// An operational database as CONTRACT.md (packages/runtime/src/serving) describes it, built
// directly for the API tests: the served views' tables in mvkit_serving filled with known rows for
// three tenants, the token table, current_tenant() and (native Postgres) row-level security for
// the application role. The API must return exactly a tenant's rows of these, nothing else.
import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { compileProject, loadProject, type Manifest } from '@mvkit/compiler';
import type { Db } from '@mvkit/runtime';
import { servedViews, type ServedView } from '../../src/index.ts';
import { quoteIdent } from '../../src/views.ts';

export const ROOT = resolve(import.meta.dirname, '../../../..');
export const TENANTS = ['t_alpha', 't_beta', 't_gamma'] as const;
export const DAYS = Array.from({ length: 10 }, (_, i) => `2026-11-${String(20 + i).padStart(2, '0')}`);
const CHANNELS = ['email', 'sms'];
export const APP_ROLE = 'mvkit_app';

let manifest: Promise<Manifest> | undefined;
/** The root project's manifest (compiled once per test file). */
export function rootManifest(): Promise<Manifest> {
  manifest ??= (async () => {
    const r = await compileProject(await loadProject(ROOT), 'postgres');
    if (!r.manifest) throw new Error('the root project does not compile');
    return r.manifest;
  })();
  return manifest;
}

/** A deterministic count from the row's identity: different per tenant, day and group. */
function count(seed: string, base: number): number {
  return base + (createHash('sha256').update(seed).digest().readUInt16BE(0) % base);
}
const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

function measures(seed: string): Record<string, number | null> {
  const submitted = count(seed, 50);
  const sent = submitted - (count(`${seed}/u`, 4) - 4);
  const failed = submitted - sent + count(`${seed}/f`, 3) - 3;
  const delivered = sent - count(`${seed}/d`, 2) + 2;
  const read = Math.floor(delivered * (count(`${seed}/r`, 20) / 40));
  return {
    submitted, sent, delivered, read, failed,
    delivery_rate: ratio(delivered, sent), read_rate: ratio(read, delivered), failure_rate: ratio(failed, submitted),
    avg_latency_s: count(`${seed}/a`, 10) / 2, latency_p50_s: [1, 5, 30][count(`${seed}/p`, 3) - 3]!, latency_p90_s: [30, 60, 300][count(`${seed}/q`, 3) - 3]!,
  };
}

/** The rows of a view for every tenant: one per day and group; campaign rows twice per group when the view has no unique key (as per country). */
export function fixtureRows(view: ServedView): Record<string, unknown>[] {
  const has = (c: string) => view.columns.some((x) => x.name === c);
  const rows: Record<string, unknown>[] = [];
  for (const tenant of TENANTS) {
    const campaigns = has('campaign_id') ? [`${tenant}_c1`, `${tenant}_c2`, null] : [undefined];
    const channels = has('channel_id') ? CHANNELS : [undefined];
    // Per country when the view keeps the country; else twice per group all the same (rows that tie on the view's key).
    const countries = has('recipient_country') ? ['DE', 'US'] : has('campaign_id') ? ['', ''] : [''];
    for (const day of DAYS) for (const channel of channels) for (const campaign of campaigns) for (const [copy, country] of countries.entries()) {
      const seed = `${view.name}/${tenant}/${day}/${channel}/${campaign}/${country}/${copy}`;
      const row: Record<string, unknown> = { ...measures(seed) };
      for (const c of view.columns) {
        if (c.name === view.tenant) row[c.name] = tenant;
        else if (c.name === 'day') row[c.name] = `${day}T00:00:00`;
        else if (c.name === 'channel_id') row[c.name] = channel;
        else if (c.name === 'campaign_id') row[c.name] = campaign;
        else if (c.name === 'category') row[c.name] = campaign === null ? null : campaign!.endsWith('1') ? 'promo' : 'alert';
        else if (c.name === 'recipient_country') row[c.name] = country;
        else if (c.name === 'tenant_name') row[c.name] = `Tenant ${tenant}`;
        else if (!(c.name in row)) row[c.name] = /CHAR/i.test(c.type) ? 'x' : 0;
      }
      rows.push(row);
    }
  }
  return rows;
}

/** Creates mvkit_serving with the served views' tables and rows, the tokens table, current_tenant() and, on native Postgres, RLS for the app role. */
export async function buildOperational(db: Db): Promise<{ views: ServedView[]; rows: Map<string, Record<string, unknown>[]> }> {
  const views = servedViews(await rootManifest(), { schema: 'mvkit_serving' });
  const rows = new Map<string, Record<string, unknown>[]>();
  await db.exec(`CREATE SCHEMA mvkit_serving;
    CREATE TABLE mvkit_serving.tenant_tokens (token_sha256 text PRIMARY KEY, tenant text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    CREATE FUNCTION mvkit_serving.current_tenant() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
      SELECT tenant FROM mvkit_serving.tenant_tokens
      WHERE token_sha256 = encode(sha256(convert_to(coalesce(current_setting('mvkit.token', true), ''), 'UTF8')), 'hex') $$;`);
  const roles = db.kind === 'postgres';
  if (roles) {
    await db.exec(`DO $$ BEGIN CREATE ROLE ${APP_ROLE} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
      GRANT USAGE ON SCHEMA mvkit_serving TO ${APP_ROLE};
      REVOKE ALL ON FUNCTION mvkit_serving.current_tenant() FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION mvkit_serving.current_tenant() TO ${APP_ROLE};`);
  }
  for (const v of views) {
    const cols = v.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
    await db.exec(`CREATE TABLE ${v.relation} (${cols})`);
    const data = fixtureRows(v);
    rows.set(v.name, data);
    const names = v.columns.map((c) => c.name);
    for (let i = 0; i < data.length; i += 200) {
      const chunk = data.slice(i, i + 200);
      const params: unknown[] = [];
      const values = chunk.map((r) => `(${names.map((n) => `$${params.push(r[n])}`).join(', ')})`).join(', ');
      await db.query(`INSERT INTO ${v.relation} (${names.map(quoteIdent).join(', ')}) VALUES ${values}`, params);
    }
    if (roles && v.tenant) {
      await db.exec(`ALTER TABLE ${v.relation} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${v.relation} FORCE ROW LEVEL SECURITY;
        CREATE POLICY tenant_read ON ${v.relation} FOR SELECT TO ${APP_ROLE} USING (${quoteIdent(v.tenant)} = (SELECT mvkit_serving.current_tenant()));
        GRANT SELECT ON ${v.relation} TO ${APP_ROLE};`);
    }
  }
  return { views, rows };
}

/** A new random token for the tenant, stored by its SHA-256 (as issueTenantToken does). */
export async function issueToken(db: Db, tenant: string): Promise<string> {
  const token = randomBytes(18).toString('base64url');
  await db.query('INSERT INTO mvkit_serving.tenant_tokens (token_sha256, tenant) VALUES ($1, $2)', [createHash('sha256').update(token).digest('hex'), tenant]);
  return token;
}
