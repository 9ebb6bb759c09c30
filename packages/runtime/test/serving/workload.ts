import type { Manifest } from '@mvkit/compiler';
import { applyDeployment } from '../../src/apply/apply.ts';
import type { Db } from '../../src/db/db.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';

/** A small seeded PRNG (mulberry32): the same seed, the same batches. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TENANTS = ['t1', 't2', 't3'];
const CAMPAIGNS = ['c1', 'c2', 'c3'];
const CATEGORIES = ['promo', 'otp', 'alerts'];
const CHANNELS = ['sms', 'whatsapp'];
const COUNTRIES = ['US', 'DE', 'BR'];
const BASE = Date.parse('2026-11-01T00:00:00Z');

const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** Deploys the platform locally and fills its dimensions. */
export async function deployPlatform(db: Db, manifest: Manifest): Promise<void> {
  await applyDeployment(db, await engineFor(db), manifest);
  await db.exec(`INSERT INTO channels (channel_id, channel_name, provider) VALUES ('sms', 'SMS', 'carrier'), ('whatsapp', 'WhatsApp', 'meta')`);
  for (const t of TENANTS) {
    await db.query('INSERT INTO tenants (tenant_id, tenant_name, plan, region) VALUES ($1, $2, $3, $4)', [t, `Tenant ${t}`, 'pro', 'eu']);
    for (const [i, c] of CAMPAIGNS.entries()) await db.query('INSERT INTO campaigns (tenant_id, campaign_id, campaign_name, category) VALUES ($1, $2, $3, $4)', [t, c, `Campaign ${c}`, CATEGORIES[i]]);
  }
}

export interface WorkloadState {
  readonly rand: () => number;
  /** Messages submitted so far: [tenant, id, submitted ms]. */
  readonly messages: [string, string, number][];
  next: number;
}

export const workload = (seed: number): WorkloadState => ({ rand: rng(seed), messages: [], next: 0 });

/**
 * One random batch: new submissions with receipts, late events (receipts for old messages and
 * submissions days in the past), and dimension changes that move metrics between groups
 * (a campaign re-categorized, a campaign deleted and re-created). Then a refresh.
 */
export async function runBatch(db: Db, manifest: Manifest, w: WorkloadState, size = 40): Promise<void> {
  const r = w.rand;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const rows: string[] = [];
  const q = (v: string | null) => (v === null ? 'NULL' : `'${v}'`);
  const submit = (tenant: string, id: string, at: number) => {
    rows.push(`(${q(tenant)}, ${q(id)}, 'message_submissions', ${q(pick(CAMPAIGNS))}, ${q(pick(CHANNELS))}, ${q(r() < 0.1 ? null : pick(COUNTRIES))}, ${q(ts(at))}, NULL, NULL, NULL)`);
  };
  const receipt = (tenant: string, id: string, at: number) => {
    const status = pick(['sent', 'delivered', 'delivered', 'read', 'failed']);
    rows.push(`(${q(tenant)}, ${q(id)}, 'delivery_receipts', NULL, NULL, NULL, NULL, ${q(status)}, ${q(status === 'failed' ? 'E42' : null)}, ${q(ts(at + Math.floor(r() * 400_000)))})`);
  };
  for (let i = 0; i < size; i++) {
    const tenant = pick(TENANTS);
    const id = `m${w.next++}`;
    // Late: a tenth are submitted up to three days before the others.
    const at = BASE + Math.floor(r() * 2 * 86_400_000) - (r() < 0.1 ? Math.floor(r() * 3 * 86_400_000) : 0);
    w.messages.push([tenant, id, at]);
    if (r() < 0.15) receipt(tenant, id, at); // the receipt first
    submit(tenant, id, at);
    if (r() < 0.7) receipt(tenant, id, at);
  }
  // Late receipts for earlier messages.
  for (let i = 0; i < size / 4 && w.messages.length; i++) {
    const [tenant, id, at] = pick(w.messages);
    receipt(tenant, id, at);
  }
  if (rows.length) await db.exec(`INSERT INTO message_events (tenant_id, message_id, event_stream, campaign_id, channel_id, recipient_country, submitted_at, status, error_code, event_at) VALUES ${rows.join(',\n')}`);
  // Dimension changes: metrics move from one category group to another, or leave and come back.
  if (r() < 0.7) await db.query('UPDATE campaigns SET category = $3 WHERE tenant_id = $1 AND campaign_id = $2', [pick(TENANTS), pick(CAMPAIGNS), pick(CATEGORIES)]);
  if (r() < 0.3) {
    const [t, c] = [pick(TENANTS), pick(CAMPAIGNS)];
    await db.query('DELETE FROM campaigns WHERE tenant_id = $1 AND campaign_id = $2', [t, c]);
    if (r() < 0.5) await db.query('INSERT INTO campaigns (tenant_id, campaign_id, campaign_name, category) VALUES ($1, $2, $3, $4)', [t, c, `Campaign ${c} again`, pick(CATEGORIES)]);
  }
  await refreshDeployment(db, await engineFor(db), manifest);
}

/** A relation's rows as sorted JSON texts: comparable across two databases. */
export async function rowsOf(db: Db, relation: string, columns: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ j: string }>(`SELECT row_to_json(r)::text AS j FROM (SELECT ${columns.join(', ')} FROM ${relation}) r`);
  return rows.map((x) => x.j).sort();
}
