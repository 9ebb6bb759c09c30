import { aggregate, dimension, enrichment, ratio, rollup, servingView, stream, streamJoin, t } from '@mvkit/compiler';
import type { Row } from './evaluate-models.ts';
import { Dec, Ts } from './sql-values.ts';

/** A small shop project and data whose every model's rows are worked out by hand in reference-evaluator.test.ts. */
export const ms = (h: number) => new Ts(Date.UTC(2026, 2, 1, h));
export const clicks = stream('clicks', { columns: { tenant_id: t.varchar(8), k: t.varchar(8), shop: t.varchar(8), cents: t.int(), at: t.timestamp() }, key: ['tenant_id', 'k'], tenant: 'tenant_id', eventTime: 'at' });
export const buys = stream('buys', { columns: { tenant_id: t.varchar(8), k: t.varchar(8), amount: t.numeric(12, 2), at: t.timestamp() }, key: ['tenant_id', 'k'], tenant: 'tenant_id', eventTime: 'at' });
export const shops = dimension('shops', { columns: { tenant_id: t.varchar(8), shop: t.varchar(8), region: t.varchar(8) }, key: ['tenant_id', 'shop'], tenant: 'tenant_id' });
export const visits = streamJoin('visits', {
  streams: { click: clicks, buy: buys }, key: ['tenant_id', 'k'], tenant: 'tenant_id',
  pivot: ({ click, buy }) => ({ first_click: click.min('at'), shop: click.max('shop'), big_buys: buy.count((b) => b.amount.gt(10)), top_amount: buy.max('amount') }),
});
export const clicksByShop = enrichment('clicks_by_shop', {
  from: clicks,
  joins: (join) => [join({ dimension: shops, on: { tenant_id: 'tenant_id', shop: 'shop' }, columns: ['region'] })],
  derive: (x) => ({ euros: x.cents.div(100) }),
  where: (x) => x.region.ne('x'),
});
export const hourly = aggregate('clicks_hourly', {
  from: clicks, groupBy: ['tenant_id', 'shop'], bucket: { name: 'hour', grain: 'hour', column: 'at' },
  measures: (m, x) => ({ n: m.count(), cents: m.sum(x.cents), big: m.countIf(x.cents.gte(100)), big_cents: m.sumIf(x.cents, x.cents.gte(100)), avg_cents: m.avg(x.cents), last: m.max(x.at) }),
});
export const daily = rollup('clicks_daily', { from: hourly, groupBy: ['tenant_id'], bucket: { name: 'day', grain: 'day', column: 'hour' }, measures: ['n', 'cents', 'big_cents', 'last'] });
export const dailyView = servingView('clicks_daily_view', {
  from: daily,
  select: (c) => ({ tenant_id: c.tenant_id, day: c.day, cents_per_click: ratio(c.cents, c.n), next: c.n.plus(1) }),
  where: (c) => c.day.isNotNull(),
});
export const buyTotals = aggregate('buy_totals', { from: buys, groupBy: ['tenant_id'], measures: (m, x) => ({ n: m.count(), total: m.sum(x.amount) }) });

export const clickRows: Row[] = [
  { tenant_id: 't1', k: 'v1', shop: 's1', cents: 150n, at: ms(1) },
  { tenant_id: 't1', k: 'v1', shop: 's2', cents: null, at: ms(1) },
  { tenant_id: 't1', k: 'v2', shop: 's1', cents: 50n, at: ms(2) },
  { tenant_id: 't1', k: 'v3', shop: null, cents: 250n, at: null },
];
export const buyRows: Row[] = [
  { tenant_id: 't1', k: 'v2', amount: new Dec(1250n, 2), at: ms(3) },
  { tenant_id: 't1', k: 'v2', amount: new Dec(500n, 2), at: ms(3) },
  { tenant_id: 't1', k: 'v9', amount: null, at: ms(4) },
];
export const shopRows: Row[] = [{ tenant_id: 't1', shop: 's1', region: 'eu' }, { tenant_id: 't2', shop: 's2', region: 'us' }];

