import { aggregate, dimension, enrichment, stream, t } from '@mvkit/compiler';

/*
 * Redshift platform features as model options. On Redshift the two streams are read by streaming
 * ingestion (an external schema and a streaming MV each, AUTO REFRESH YES) instead of landing tables
 * loaded by COPY, and the stores dimension by federated query from Aurora PostgreSQL (an external
 * schema and an MV copying it); on the local engines all three are fed from landing files, and the
 * rest of the chain is the same. See docs/reference.md, options `source` of stream and dimension.
 */

/** Page views, from a Kinesis data stream. */
export const pageViews = stream('page_views', {
  columns: { tenant_id: t.varchar(32), view_id: t.varchar(64), store_id: t.varchar(32), viewed_at: t.timestamp() },
  key: ['tenant_id', 'view_id'],
  tenant: 'tenant_id',
  eventTime: 'viewed_at',
  source: { kinesis: { stream: 'shop-page-views', iamRole: 'arn:aws:iam::123456789012:role/redshift-streaming' } },
});

/** Orders, from an MSK topic read with IAM authentication. */
export const orders = stream('orders', {
  columns: { tenant_id: t.varchar(32), order_id: t.varchar(64), store_id: t.varchar(32), amount_cents: t.bigint(), placed_at: t.timestamp() },
  key: ['tenant_id', 'order_id'],
  tenant: 'tenant_id',
  eventTime: 'placed_at',
  source: { kafka: { topic: 'shop.orders', brokers: 'b-1.shop.kafka.eu-west-1.amazonaws.com:9098,b-2.shop.kafka.eu-west-1.amazonaws.com:9098', authentication: 'iam', iamRole: 'arn:aws:iam::123456789012:role/redshift-streaming' } },
});

/** Each tenant's stores, mastered in the shop's Aurora PostgreSQL database and read by federated query. */
export const stores = dimension('stores', {
  columns: { tenant_id: t.varchar(32), store_id: t.varchar(32), city: t.varchar(64) },
  key: ['tenant_id', 'store_id'],
  tenant: 'tenant_id',
  source: {
    postgres: {
      database: 'shop', schema: 'catalog', table: 'stores', uri: 'shop.cluster-abc123.eu-west-1.rds.amazonaws.com',
      iamRole: 'arn:aws:iam::123456789012:role/redshift-federated', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-reader',
    },
  },
});

export const ordersByStore = enrichment('orders_by_store', {
  from: orders,
  joins: (join) => [join({ dimension: stores, on: { tenant_id: 'tenant_id', store_id: 'store_id' }, columns: ['city'] })],
});

export const salesHourly = aggregate('sales_hourly', {
  from: ordersByStore,
  groupBy: ['tenant_id', 'city'],
  bucket: { name: 'hour', grain: 'hour', column: 'placed_at' },
  measures: (m, c) => ({ orders: m.count(), revenue_cents: m.sum(c.amount_cents) }),
});

export const viewsHourly = aggregate('views_hourly', {
  from: pageViews,
  groupBy: ['tenant_id', 'store_id'],
  bucket: { name: 'hour', grain: 'hour', column: 'viewed_at' },
  measures: (m) => ({ views: m.count() }),
});
