import fc from 'fast-check';
import { expect } from 'vitest';
import { compileProject, ddlOf, loadProject, opaque, relationsOf, renderQuery, postgresDialect, sqlSelectParts, type Manifest, type ManifestColumn, type ManifestNode, type Model, type QueryNode } from '@mvkit/compiler';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { createNode, dropNode, installEngine, refreshAll, verify } from '../../src/ivm/index.ts';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The root project's real manifest, plus small fixture MVs covering what the platform does not. */
export async function platformManifest(withFixtures = true): Promise<Manifest> {
  const project = await loadProject(repoRoot);
  const result = await compileProject(project, 'postgres');
  if (!result.manifest) throw new Error(`the root project does not compile: ${JSON.stringify(result.diagnostics)}`);
  const m = result.manifest;
  return withFixtures ? { ...m, nodes: [...m.nodes, ...fixtureNodes()] } : m;
}

/** A small project of `models`, compiled for Postgres, every node created on a fresh in-memory PGlite. */
export async function pgliteProject(name: string, models: readonly Model[]): Promise<{ db: Db; manifest: Manifest }> {
  const result = await compileProject({ dir: '/', config: { name }, models: [...models], macros: {}, loadDiagnostics: [] }, 'postgres');
  if (!result.manifest) throw new Error(`does not compile: ${JSON.stringify(result.diagnostics)}`);
  const db = await openPglite();
  await installEngine(db);
  for (const n of result.manifest.nodes) await createNode(db, result.manifest, n.name);
  return { db, manifest: result.manifest };
}

const col = (name: string, type: string): ManifestColumn => ({ name, type, nullable: true });

/** A fixture MV: its select tree read from `sql` (the parser is loaded by compileProject), or opaque when `full`. */
function mv(name: string, columns: ManifestColumn[], key: string[] | null, sql: string, options: { full?: string; dependsOn?: string[] } = {}): ManifestNode {
  const tree = sqlSelectParts(sql);
  const select: QueryNode = options.full ? opaque(sql, options.full) : tree ?? (() => { throw new Error(`fixture ${name} does not parse into a select tree`); })();
  const draft = {
    name, kind: 'mv' as const, role: (options.full ? 'sql' : 'aggregate') as ManifestNode['role'], model: name, file: 'test', line: 1, columns,
    dependsOn: options.dependsOn ?? (select.kind === 'select' ? relationsOf(select).map((r) => r.name) : []), fingerprint: name, key, tenant: null, eventTime: null, appendOnly: false,
    physical: { distStyle: null, distKey: null, sortKey: [], autoRefresh: false, backup: true }, sql: renderQuery(select, postgresDialect), select,
  };
  return { ...draft, ddl: ddlOf(draft, 'postgres') };
}

/**
 * - x_distinct: COUNT(DISTINCT) → full recompute.
 * - x_join_agg: an aggregate over a join with a WHERE, a nullable SUM and MIN/MAX on both sides.
 * - x_rows_where: keyed rows filtered from an MV.
 * - x_sql: a raw SQL MV (full recompute) ... and x_on_sql, an incremental MV fed by its log.
 * - x_keyless: rows without a unique key (a multiset) joining the events with a dimension, many
 *   rows repeated; x_keyless_of_mv the same over an MV whose rows are deleted; x_keyless_counts
 *   an aggregate fed by x_keyless's log.
 */
function fixtureNodes(): ManifestNode[] {
  return [
    mv('x_distinct', [col('tenant_id', 'VARCHAR(32)'), col('messages', 'BIGINT')], ['tenant_id'], 'SELECT tenant_id, COUNT(DISTINCT message_id) AS messages FROM message_events GROUP BY tenant_id'),
    mv('x_join_agg', [col('category', 'VARCHAR(32)'), col('channel_id', 'VARCHAR(16)'), col('n', 'BIGINT'), col('receipts', 'BIGINT'), col('failed', 'BIGINT'), col('first_delivered', 'TIMESTAMP'), col('max_name', 'VARCHAR(128)')], ['category', 'channel_id'],
      `SELECT c.category, i.channel_id, COUNT(*) AS n, SUM(i.receipt_count) AS receipts, SUM(CASE WHEN i.failed_at IS NOT NULL THEN 1 END) AS failed,
         MIN(i.delivered_at) AS first_delivered, MAX(c.campaign_name) AS max_name
       FROM messages i JOIN campaigns c ON c.tenant_id = i.tenant_id AND c.campaign_id = i.campaign_id
       WHERE i.submitted_at IS NOT NULL
       GROUP BY c.category, i.channel_id`),
    mv('x_rows_where', [col('tenant_id', 'VARCHAR(32)'), col('message_id', 'VARCHAR(64)'), col('category', 'VARCHAR(32)'), col('latency', 'BIGINT')], ['tenant_id', 'message_id'],
      "SELECT tenant_id, message_id, category, delivery_latency_s AS latency FROM messages_enriched WHERE channel_id = 'sms'"),
    mv('x_sql', [col('tenant_id', 'VARCHAR(32)'), col('n', 'BIGINT')], ['tenant_id'], 'SELECT tenant_id, COUNT(*) AS n FROM messages_enriched GROUP BY tenant_id', { full: 'a fixture recomputed in full', dependsOn: ['messages_enriched'] }),
    mv('x_on_sql', [col('big', 'BOOLEAN'), col('tenants', 'BIGINT'), col('total', 'BIGINT'), col('smallest', 'BIGINT')], ['big'], 'SELECT n > 1 AS big, COUNT(*) AS tenants, SUM(n) AS total, MIN(n) AS smallest FROM x_sql GROUP BY n > 1'),
    mv('x_keyless', [col('tenant_id', 'VARCHAR(32)'), col('channel_id', 'VARCHAR(16)'), col('category', 'VARCHAR(32)'), col('country', 'VARCHAR(2)')], null,
      'SELECT e.tenant_id, e.channel_id, c.category, e.recipient_country AS country FROM message_events e JOIN campaigns c ON c.tenant_id = e.tenant_id AND c.campaign_id = e.campaign_id'),
    mv('x_keyless_of_mv', [col('tenant_id', 'VARCHAR(32)'), col('category', 'VARCHAR(32)')], null, 'SELECT tenant_id, category FROM x_rows_where'),
    mv('x_keyless_counts', [col('category', 'VARCHAR(32)'), col('n', 'BIGINT'), col('last_country', 'VARCHAR(2)')], ['category'], 'SELECT category, COUNT(*) AS n, MAX(country) AS last_country FROM x_keyless GROUP BY category'),
  ];
}

// ---- the workload ----------------------------------------------------------------------

const TENANTS = ['t1', 't2'];
const CAMPAIGNS = ['c1', 'c2', 'c3'];
const CHANNELS = ['sms', 'wa', 'rcs'];
const STATUSES = ['sent', 'delivered', 'read', 'failed'];

export type Op =
  | { op: 'submit'; rows: { t: number; m: number; c: number; ch: number; country: string | null; at: number }[] }
  | { op: 'receipt'; rows: { t: number; m: number; status: number; error: string | null; at: number }[] }
  | { op: 'campaign'; t: number; c: number; name: number; category: string | null }
  | { op: 'moveCampaign'; c: number; category: string | null }
  | { op: 'deleteCampaign'; t: number; c: number }
  | { op: 'tenant'; t: number; plan: string }
  | { op: 'deleteTenant'; t: number }
  | { op: 'channel'; ch: number; name: number }
  | { op: 'deleteChannel'; ch: number }
  | { op: 'refresh'; select: string[] };

const at = fc.tuple(fc.constantFrom(0, 1, 2, 24, 25), fc.constantFrom(0, 1, 4, 20, 59, 70, 400)).map(([h, s]) => h * 3600 + s);
const ti = fc.integer({ min: 0, max: TENANTS.length - 1 });
const mi = fc.integer({ min: 0, max: 5 });
const ci = fc.integer({ min: 0, max: CAMPAIGNS.length - 1 });
const chi = fc.integer({ min: 0, max: CHANNELS.length - 1 });
const category = fc.constantFrom('promo', 'otp', null);

export function opArb(mvNames: readonly string[]): fc.Arbitrary<Op> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('submit' as const), rows: fc.array(fc.record({ t: ti, m: mi, c: ci, ch: chi, country: fc.constantFrom('DE', 'FR', null), at }), { minLength: 1, maxLength: 3 }) }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('receipt' as const), rows: fc.array(fc.record({ t: ti, m: mi, status: fc.integer({ min: 0, max: 3 }), error: fc.constantFrom(null, 'E1', 'E2'), at }), { minLength: 1, maxLength: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('campaign' as const), t: ti, c: ci, name: fc.integer({ min: 0, max: 2 }), category }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('moveCampaign' as const), c: ci, category }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteCampaign' as const), t: ti, c: ci }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('tenant' as const), t: ti, plan: fc.constantFrom('free', 'pro') }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteTenant' as const), t: ti }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('channel' as const), ch: chi, name: fc.integer({ min: 0, max: 1 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteChannel' as const), ch: chi }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('refresh' as const), select: fc.subarray([...mvNames], { minLength: 1 }) }) },
  );
}

const ts = (sec: number) => new Date(Date.UTC(2026, 2, 1) + sec * 1000).toISOString().replace('T', ' ').slice(0, 19);

/** Plain DML, as the CDC loader issues it. */
export async function applyOp(db: Db, o: Op): Promise<void> {
  switch (o.op) {
    case 'submit':
      for (const r of o.rows) {
        await db.query('INSERT INTO message_events (tenant_id, message_id, event_stream, campaign_id, channel_id, recipient_country, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [TENANTS[r.t], `m${r.m}`, 'message_submissions', CAMPAIGNS[r.c], CHANNELS[r.ch], r.country, ts(r.at)]);
      }
      return;
    case 'receipt':
      for (const r of o.rows) {
        await db.query('INSERT INTO message_events (tenant_id, message_id, event_stream, status, error_code, event_at) VALUES ($1, $2, $3, $4, $5, $6)',
          [TENANTS[r.t], `m${r.m}`, 'delivery_receipts', STATUSES[r.status], r.error, ts(r.at)]);
      }
      return;
    case 'campaign':
      await db.query('INSERT INTO campaigns VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET campaign_name = EXCLUDED.campaign_name, category = EXCLUDED.category',
        [TENANTS[o.t], CAMPAIGNS[o.c], `name${o.name}`, o.category]);
      return;
    case 'moveCampaign':
      await db.query('UPDATE campaigns SET category = $2 WHERE campaign_id = $1', [CAMPAIGNS[o.c], o.category]);
      return;
    case 'deleteCampaign':
      await db.query('DELETE FROM campaigns WHERE tenant_id = $1 AND campaign_id = $2', [TENANTS[o.t], CAMPAIGNS[o.c]]);
      return;
    case 'tenant':
      await db.query("INSERT INTO tenants VALUES ($1, $3, $2, 'eu') ON CONFLICT (tenant_id) DO UPDATE SET plan = EXCLUDED.plan", [TENANTS[o.t], o.plan, `${TENANTS[o.t]} Inc`]);
      return;
    case 'deleteTenant':
      await db.query('DELETE FROM tenants WHERE tenant_id = $1', [TENANTS[o.t]]);
      return;
    case 'channel':
      await db.query("INSERT INTO channels VALUES ($1, $2, 'p') ON CONFLICT (channel_id) DO UPDATE SET channel_name = EXCLUDED.channel_name", [CHANNELS[o.ch], `ch${o.name}`]);
      return;
    case 'deleteChannel':
      await db.query('DELETE FROM channels WHERE channel_id = $1', [CHANNELS[o.ch]]);
      return;
    case 'refresh':
      return;
  }
}

/** Drops everything the engine created (from its own records), then creates the tables. */
export async function resetTables(db: Db, m: Manifest): Promise<void> {
  await installEngine(db);
  for (const n of [...m.nodes].reverse()) await dropNode(db, n.name);
  for (const n of m.nodes) if (n.kind === 'table') await createNode(db, m, n.name);
}

export async function createViews(db: Db, m: Manifest): Promise<void> {
  for (const n of m.nodes) if (n.kind !== 'table') await createNode(db, m, n.name);
}

export function mvNames(m: Manifest): string[] {
  return m.nodes.filter((n) => n.kind === 'mv').map((n) => n.name);
}

/** Throws with the first differing rows when a verified MV differs from its recomputation. */
export async function expectVerified(db: Db, m: Manifest, select?: string[]): Promise<void> {
  const bad = (await verify(db, m, select ? { select } : {})).filter((r) => !r.equal);
  if (bad.length) throw new Error(`MVs differ from their recomputation:\n${JSON.stringify(bad.map((b) => ({ node: b.node, missing: b.missing.slice(0, 3), extra: b.extra.slice(0, 3) })), null, 1)}`);
}

/** One run: ops before the MVs exist (initial population), then ops with refreshes of random subsets (`concurrency`: see refreshAll). */
export async function runScenario(db: Db, m: Manifest, before: Op[], ops: Op[], options: { concurrency?: number } = {}): Promise<void> {
  await resetTables(db, m);
  // Every dimension row exists at first (ops then change and delete them): otherwise the inner joins drop most messages.
  for (let t = 0; t < TENANTS.length; t++) {
    await applyOp(db, { op: 'tenant', t, plan: 'free' });
    for (let c = 0; c < CAMPAIGNS.length; c++) await applyOp(db, { op: 'campaign', t, c, name: 0, category: c === 2 ? null : 'promo' });
  }
  for (let ch = 0; ch < CHANNELS.length; ch++) await applyOp(db, { op: 'channel', ch, name: 0 });
  for (const o of before) await applyOp(db, o);
  await createViews(db, m);
  await expectVerified(db, m);
  for (const o of ops) {
    if (o.op === 'refresh') {
      await refreshAll(db, m, { select: o.select, ...options });
      await expectVerified(db, m, o.select);
    } else {
      await applyOp(db, o);
    }
  }
  await refreshAll(db, m, options);
  await expectVerified(db, m);
  // Every consumer has now passed every change (nothing writes meanwhile): every log is trimmed empty.
  expect(await logEntries(db)).toEqual({});
}

/** The change logs holding entries, with their counts. */
export async function logEntries(db: Db): Promise<Record<string, number>> {
  const logs = await db.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'mvkit' AND table_name LIKE 'ivm\\_log\\_%' ORDER BY 1");
  const out: Record<string, number> = {};
  for (const { t } of logs) {
    const [r] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mvkit.${t}`);
    if (r && r.n > 0) out[t] = r.n;
  }
  return out;
}
