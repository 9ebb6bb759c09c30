import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { openPglite, type Db } from '@mvkit/runtime';
import { launchBrowser } from '../../runtime/test/support/browser.ts';
import { buildServeApp, openOperationalSource, type TenantSource } from '../src/index.ts';
import { buildOperational, issueToken, ROOT, TENANTS } from './support/operational-fixture.ts';

type Row = Record<string, number | string | null>;
let db: Db;
let source: TenantSource;
let app: FastifyInstance;
let browser: Browser;
let base: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  db = await openPglite();
  const { views } = await buildOperational(db);
  for (const t of TENANTS) tokens[t] = await issueToken(db, t);
  source = await openOperationalSource(db);
  app = await buildServeApp({ source, views });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await source?.close();
});

async function api(tenant: string, view: string): Promise<Row[]> {
  const res = await fetch(`${base}/api/v1/${view}?limit=1000`, { headers: { authorization: `Bearer ${tokens[tenant]}` } });
  const body = (await res.json()) as { rows: Row[]; next_cursor: string | null };
  expect(body.next_cursor).toBeNull();
  return body.rows;
}

test('the page renders one tenant\'s charts and campaign table with the numbers the API returns, and nothing of other tenants', async () => {
  const tenant = TENANTS[1];
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/#token=${tokens[tenant]}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  expect(errors).toEqual([]);
  // The token left the address bar (it was only in the fragment, which the browser never sends).
  expect(new URL(page.url()).hash).toBe('');
  expect(await page.textContent('#tenant')).toContain(tenant);

  const daily = await api(tenant, 'tenant_daily_metrics');
  const charts = await page.evaluate(() => {
    const d = (globalThis as unknown as { mvkitDashboard: { charts: Record<string, { data: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] } }> } }).mvkitDashboard;
    return Object.fromEntries(Object.entries(d.charts).map(([k, c]) => [k, { labels: c.data.labels, datasets: c.data.datasets.map((s) => ({ label: s.label, data: s.data })) }]));
  });
  expect(charts.rates!.labels).toEqual(daily.map((r) => String(r.day).slice(0, 10)));
  expect(charts.rates!.datasets).toEqual([
    { label: 'delivery rate', data: daily.map((r) => r.delivery_rate) },
    { label: 'read rate', data: daily.map((r) => r.read_rate) },
    { label: 'failure rate', data: daily.map((r) => r.failure_rate) },
  ]);
  expect(charts.latency!.datasets.map((s) => s.data)).toEqual([daily.map((r) => r.latency_p50_s), daily.map((r) => r.latency_p90_s), daily.map((r) => r.avg_latency_s)]);
  // The canvases were drawn on (not blank).
  const painted = await page.$$eval('canvas', (cs) => cs.map((c) => (c as unknown as { toDataURL(): string }).toDataURL().length));
  expect(painted.every((n) => n > 5000)).toBe(true);

  // The table: the API's campaign rows summed per campaign, rates of the sums.
  const sums = new Map<string, { submitted: number; sent: number; delivered: number; read: number; failed: number }>();
  for (const r of await api(tenant, 'campaign_daily_metrics')) {
    const k = String(r.campaign_id ?? '(none)');
    const s = sums.get(k) ?? { submitted: 0, sent: 0, delivered: 0, read: 0, failed: 0 };
    for (const m of ['submitted', 'sent', 'delivered', 'read', 'failed'] as const) s[m] += Number(r[m]);
    sums.set(k, s);
  }
  const pct = (n: number, d: number) => (d > 0 ? `${((n / d) * 100).toFixed(1)}%` : '–');
  const expected = [...sums].map(([k, s]) => [k, String(s.submitted), String(s.delivered), String(s.read), String(s.failed), pct(s.delivered, s.sent), pct(s.read, s.delivered), pct(s.failed, s.submitted)]);
  const table = await page.$$eval('#campaigns tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  expect(table.map(([c, , ...rest]) => [c, ...rest]).sort()).toEqual(expected.sort());
  expect(table.length).toBe(3); // two campaigns and the rows without one

  const text = await page.textContent('body');
  for (const other of TENANTS.filter((t) => t !== tenant)) expect(text).not.toContain(other);

  const dir = join(ROOT, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const shot = join(dir, 'serve-dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  process.stdout.write(`dashboard screenshot: ${shot}\n`);
  await page.close();
});

test('without a token the page asks for one, and a wrong one is refused', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#token', 'wrong-token-0123456789');
  await page.click('#login button');
  // A selector, not waitForFunction with a string: the page's CSP forbids the eval it needs.
  await page.waitForSelector('#login-error:not(:empty)');
  expect(await page.textContent('#login-error')).toContain('not valid');
  expect(await page.isHidden('#dash')).toBe(true);
  await page.close();
});
