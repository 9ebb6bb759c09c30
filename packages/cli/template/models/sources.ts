import { dimension, stream, t } from '@mvkit/compiler';

/** Purchases, appended as customers check out (land as landing/<batch>/purchases.ndjson). */
export const purchases = stream('purchases', {
  columns: {
    shop_id: t.varchar(32),
    purchase_id: t.varchar(64),
    customer_id: t.varchar(64),
    amount_cents: t.bigint(),
    items: t.int(),
    returned: t.boolean(),
    purchased_at: t.timestamp(),
  },
  key: ['shop_id', 'purchase_id'],
  tenant: 'shop_id',
  eventTime: 'purchased_at',
});

/** Each shop's customers, as change data: records carry op insert, update or delete. */
export const customers = dimension('customers', {
  columns: {
    shop_id: t.varchar(32),
    customer_id: t.varchar(64),
    country: t.char(2),
    tier: t.varchar(16),
  },
  key: ['shop_id', 'customer_id'],
  tenant: 'shop_id',
  // Checked after every refresh (and by `mvkit check`): a tier the dashboard does not know, or a
  // customer without a country, is printed as a warning (level 'error', the default, fails the refresh).
  assert: { acceptedValues: { tier: { values: ['basic', 'silver', 'gold'], level: 'warn' } }, notNull: { columns: ['country'], level: 'warn' } },
});
