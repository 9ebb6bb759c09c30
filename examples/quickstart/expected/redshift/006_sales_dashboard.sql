-- view sales_dashboard (view, model sales_dashboard at models/orders.ts:49)
CREATE VIEW sales_dashboard AS
SELECT
  tenant_id,
  city,
  day,
  orders,
  revenue_cents,
  CASE WHEN orders = 0 THEN NULL ELSE CAST(refunds AS DOUBLE PRECISION) / orders END AS refund_rate
FROM sales_daily;
