-- table orders (stream, model orders at models/orders.ts:4)
CREATE TABLE orders (
  tenant_id VARCHAR(32) NOT NULL,
  order_id VARCHAR(64) NOT NULL,
  store_id VARCHAR(32),
  amount_cents BIGINT,
  refunded BOOLEAN,
  placed_at TIMESTAMP
)
DISTSTYLE KEY
DISTKEY (order_id)
COMPOUND SORTKEY (tenant_id, order_id)
ENCODE AUTO;
