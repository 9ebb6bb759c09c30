// The operational database for the API tests: deployed as `mvkit apply` deploys it (CONTRACT.md in
// packages/runtime/src/serving), its served tables filled with known rows for three tenants. The
// API must return exactly a tenant's rows of these, nothing else.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { compileProject, loadProject, type Manifest } from '@mvkit/compiler';
import { deployOperational, issueTenantToken, type Db } from '@mvkit/runtime';
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

/** The operational database as `mvkit apply` deploys it (deployOperational: tables, RLS, app role, tokens), filled with the fixture's rows instead of a sync. */
export async function buildOperational(db: Db): Promise<{ views: ServedView[]; rows: Map<string, Record<string, unknown>[]> }> {
  const manifest = await rootManifest();
  await deployOperational(db, manifest, APP_ROLE);
  const views = servedViews(manifest, { schema: 'mvkit_serving' });
  const rows = new Map<string, Record<string, unknown>[]>();
  for (const v of views) {
    const data = fixtureRows(v);
    rows.set(v.name, data);
    const names = v.columns.map((c) => c.name);
    for (let i = 0; i < data.length; i += 200) {
      const chunk = data.slice(i, i + 200);
      const params: unknown[] = [];
      const values = chunk.map((r) => `(${names.map((n) => `$${params.push(r[n])}`).join(', ')})`).join(', ');
      await db.query(`INSERT INTO ${v.relation} (${names.map(quoteIdent).join(', ')}) VALUES ${values}`, params);
    }
  }
  return { views, rows };
}

/** A new token for the tenant, as mvkit sync --issue-token makes it. */
export const issueToken = (db: Db, tenant: string): Promise<string> => issueTenantToken(db, tenant);
