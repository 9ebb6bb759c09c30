import { resolve } from 'node:path';
import { aggregate, compileProject, dimension, enrichment, rollup, servingView, stream, t, type Manifest, type Model, type Project } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';

/**
 * A chain for the blue/green tests: events → events_enriched → events_hourly → events_daily →
 * tenant_daily → tenant_daily_view. `v2` changes the logic of the mid-chain events_hourly: only
 * events with amount >= 10 count, and it gains a measure (its column list changes; those of
 * the models downstream do not). `v4` only adds that measure (the numbers stay: non-breaking).
 */
export type Variant = 'v1' | 'v2' | 'v3' | 'v4';

export function models(variant: Variant): Model[] {
  const events = stream('events', {
    columns: { tenant_id: t.varchar(32), event_id: t.varchar(64), kind: t.varchar(16), amount: t.int(), at: t.timestamp() },
    key: ['tenant_id', 'event_id'], tenant: 'tenant_id', eventTime: 'at',
  });
  const kinds = dimension('kinds', { columns: { kind: t.varchar(16), label: t.varchar(64) }, key: ['kind'], tenant: { global: 'the same for every tenant' } });
  const enriched = enrichment('events_enriched', { from: events, joins: (join) => [join({ dimension: kinds, on: { kind: 'kind' }, columns: ['label'] })] });
  const hourly = aggregate('events_hourly', {
    from: enriched,
    groupBy: ['tenant_id', 'label'],
    bucket: { name: 'hour', grain: 'hour', column: 'at' },
    // v1 keeps every event: `amount >= 0` holds for all of them (amounts are never negative here).
    where: (c) => c.amount.gte(variant === 'v2' ? 10 : 0),
    measures: (m, c) => ({ n: m.count(), amount: m.sum(c.amount), ...((variant === 'v2' || variant === 'v4' ? { max_amount: m.max(c.amount) } : {}) as {}) }),
  });
  const daily = rollup('events_daily', { from: hourly, groupBy: ['tenant_id', 'label'], bucket: { name: 'day', grain: 'day', column: 'hour' }, measures: ['n', 'amount'] });
  // v3 changes only the end of the chain: a model of its own for the environment test.
  const tenantDaily = rollup('tenant_daily', { from: daily, groupBy: (variant === 'v3' ? ['tenant_id'] : ['tenant_id', 'day']) as ['tenant_id'], measures: ['n', 'amount'] });
  const view = servingView('tenant_daily_view', { from: tenantDaily, select: (c) => ({ tenant_id: c.tenant_id, n: c.n, amount: c.amount }) });
  return [events, kinds, enriched, hourly, daily, tenantDaily, view];
}

export async function compileVariant(variant: Variant, target: 'postgres' | 'redshift' = 'postgres'): Promise<Manifest> {
  const project: Project = { dir: resolve(import.meta.dirname), config: { name: 'chain' }, models: models(variant), macros: {}, loadDiagnostics: [] };
  const result = await compileProject(project, target);
  if (!result.ok || !result.manifest) throw new Error(`fixture does not compile: ${JSON.stringify(result.diagnostics)}`);
  return result.manifest;
}

/** Deterministic events: amount i % 20 (half of them below 10), three tenants, two kinds. */
export function eventRows(from: number, count: number): { tenant: string; id: string; kind: string; amount: number; at: string }[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return { tenant: `t${i % 3}`, id: `e${i}`, kind: i % 4 === 0 ? 'buy' : 'view', amount: i % 20, at: `2026-11-0${1 + (i % 5)} ${String(i % 24).padStart(2, '0')}:15:00` };
  });
}

export async function loadEvents(db: Db, from: number, count: number): Promise<void> {
  const rows = eventRows(from, count);
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((r) => `('${r.tenant}', '${r.id}', '${r.kind}', ${r.amount}, TIMESTAMP '${r.at}')`);
    await db.exec(`INSERT INTO events (tenant_id, event_id, kind, amount, at) VALUES ${values.join(', ')}`);
  }
}

export async function loadKinds(db: Db): Promise<void> {
  await db.exec(`INSERT INTO kinds (kind, label) VALUES ('buy', 'Purchase'), ('view', 'Page view')`);
}

/** Totals of the events loaded so far, computed here in TypeScript: under v1 all amounts, under v2 those >= 10. */
export function expectedTotals(count: number): { v1: { n: number; amount: number }; v2: { n: number; amount: number } } {
  const rows = eventRows(0, count);
  const kept = rows.filter((r) => r.amount >= 10);
  return { v1: { n: rows.length, amount: rows.reduce((a, r) => a + r.amount, 0) }, v2: { n: kept.length, amount: kept.reduce((a, r) => a + r.amount, 0) } };
}

/** One read of the whole chain in one statement (one snapshot): what a dashboard would see. */
export const CHAIN_READ = `SELECT
  (SELECT COALESCE(SUM(n), 0) FROM events_hourly)::bigint AS hourly_n, (SELECT COALESCE(SUM(amount), 0) FROM events_hourly)::bigint AS hourly_amount,
  (SELECT COALESCE(SUM(n), 0) FROM events_daily)::bigint AS daily_n, (SELECT COALESCE(SUM(amount), 0) FROM events_daily)::bigint AS daily_amount,
  (SELECT COALESCE(SUM(n), 0) FROM tenant_daily_view)::bigint AS view_n, (SELECT COALESCE(SUM(amount), 0) FROM tenant_daily_view)::bigint AS view_amount`;

/**
 * events_hourly under the v2 logic, written by hand over the landing tables (not from the
 * compiler's select): the reference the switched chain is compared with.
 */
export const HOURLY_V2 = `SELECT e.tenant_id, k.label, date_trunc('hour', e.at) AS hour, COUNT(*)::bigint AS n, SUM(e.amount)::bigint AS amount, MAX(e.amount) AS max_amount
  FROM events e JOIN kinds k ON k.kind = e.kind WHERE e.amount >= 10 GROUP BY 1, 2, 3`;
export const DAILY_V2 = `SELECT tenant_id, label, date_trunc('day', hour) AS day, SUM(n)::bigint AS n, SUM(amount)::bigint AS amount FROM (${HOURLY_V2}) h GROUP BY 1, 2, 3`;
