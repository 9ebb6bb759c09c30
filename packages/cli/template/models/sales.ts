import { aggregate, enrichment, ratio, rollup, servingView } from '@mvkit/compiler';
import { customers, purchases } from './sources.ts';

/** Every purchase with its customer's country and tier. */
export const purchasesByCustomer = enrichment('purchases_by_customer', {
  from: purchases,
  joins: (join) => [join({ dimension: customers, on: { shop_id: 'shop_id', customer_id: 'customer_id' }, columns: ['country', 'tier'] })],
});

/** Sales per shop, country and tier by the hour, refreshed incrementally. */
export const salesHourly = aggregate('sales_hourly', {
  from: purchasesByCustomer,
  groupBy: ['shop_id', 'country', 'tier'],
  bucket: { name: 'hour', grain: 'hour', column: 'purchased_at' },
  measures: (m, c) => ({
    purchases: m.count(),
    returned_count: m.countIf(c.returned.eq(true)),
    revenue_cents: m.sum(c.amount_cents),
    items_sold: m.sum(c.items),
    largest_cents: m.max(c.amount_cents),
  }),
});

/** The same measures by the day, rolled up from the hours. */
export const salesDaily = rollup('sales_daily', {
  from: salesHourly,
  groupBy: ['shop_id', 'country', 'tier'],
  bucket: { name: 'day', grain: 'day', column: 'hour' },
  measures: ['purchases', 'returned_count', 'revenue_cents', 'items_sold', 'largest_cents'],
  // The days hold every purchase of the hours, and one row per shop, country, tier and day.
  assert: { unique: ['shop_id', 'country', 'tier', 'day'], equalTotals: ['purchases', 'revenue_cents'] },
});

/** What a dashboard reads: one row per shop, country, tier and day. */
export const salesDashboard = servingView('sales_dashboard', {
  from: salesDaily,
  select: (c) => ({
    shop_id: c.shop_id,
    country: c.country,
    tier: c.tier,
    day: c.day,
    purchases: c.purchases,
    revenue_cents: c.revenue_cents,
    return_rate: ratio(c.returned_count, c.purchases),
  }),
});
