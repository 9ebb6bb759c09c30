-- mv orders_by_store (enrichment, model orders_by_store at models/shop.ts:42)
CREATE MATERIALIZED VIEW orders_by_store
BACKUP YES
DISTKEY (order_id)
SORTKEY (tenant_id, order_id)
AUTO REFRESH NO
AS
SELECT
  i.tenant_id,
  i.order_id,
  i.store_id,
  i.amount_cents,
  i.placed_at,
  d1.city
FROM orders AS i
JOIN stores AS d1 ON d1.tenant_id = i.tenant_id AND d1.store_id = i.store_id;
