-- view tenant_health (sql, model tenant_health at models/marts/tenant-health.ts:4)
CREATE VIEW tenant_health AS
SELECT
  d.tenant_id,
  d.tenant_name,
  d.day,
  d.submitted,
  CASE WHEN d.submitted = 0 THEN NULL ELSE CAST(d.failed AS DOUBLE PRECISION) / d.submitted END AS failure_rate,
  CASE WHEN d.sent = 0 THEN NULL ELSE CAST(d.delivered AS DOUBLE PRECISION) / d.sent END AS delivery_rate
FROM (
  SELECT r.tenant_id, tn.tenant_name, r.day, r.submitted, r.sent, r.delivered, r.failed
  FROM tenant_daily AS r
  JOIN tenants AS tn ON tn.tenant_id = r.tenant_id
) AS d;
