import { aggregate, dimension, enrichment, ratio, rollup, servingView, stream, t } from '@mvkit/compiler';

/** Orders, appended as they are placed. */
export const orders = stream('orders', {
  columns: {
    tenant_id: t.varchar(32),
    order_id: t.varchar(64),
    store_id: t.varchar(32),
    amount_cents: t.bigint(),
    refunded: t.boolean(),
    placed_at: t.timestamp(),
  },
  key: ['tenant_id', 'order_id'],
  tenant: 'tenant_id',
  eventTime: 'placed_at',
});

/** Each tenant's stores. */
export const stores = dimension('stores', {
  columns: { tenant_id: t.varchar(32), store_id: t.varchar(32), city: t.varchar(64) },
  key: ['tenant_id', 'store_id'],
  tenant: 'tenant_id',
});

export const ordersByStore = enrichment('orders_by_store', {
  from: orders,
  joins: (join) => [join({ dimension: stores, on: { tenant_id: 'tenant_id', store_id: 'store_id' }, columns: ['city'] })],
});

export const salesHourly = aggregate('sales_hourly', {
  from: ordersByStore,
  groupBy: ['tenant_id', 'city'],
  bucket: { name: 'hour', grain: 'hour', column: 'placed_at' },
  measures: (m, c) => ({
    orders: m.count(),
    refunds: m.countIf(c.refunded.eq(true)),
    revenue_cents: m.sum(c.amount_cents),
    largest_cents: m.max(c.amount_cents),
  }),
});

export const salesDaily = rollup('sales_daily', {
  from: salesHourly,
  groupBy: ['tenant_id', 'city'],
  bucket: { name: 'day', grain: 'day', column: 'hour' },
  measures: ['orders', 'refunds', 'revenue_cents', 'largest_cents'],
});

export const salesDashboard = servingView('sales_dashboard', {
  from: salesDaily,
  select: (c) => ({
    tenant_id: c.tenant_id,
    city: c.city,
    day: c.day,
    orders: c.orders,
    revenue_cents: c.revenue_cents,
    refund_rate: ratio(c.refunds, c.orders),
  }),
});
