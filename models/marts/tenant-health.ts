import { sqlModel, t } from '@mvkit/compiler';

/** Written in SQL: the escape hatch, with the safe_ratio macro from macros/. */
export const tenantHealth = sqlModel('tenant_health', {
  materialized: 'view',
  sql: `
SELECT
  d.tenant_id,
  d.tenant_name,
  d.day,
  d.submitted,
  {{> safe_ratio num="d.failed" den="d.submitted"}} AS failure_rate,
  {{> safe_ratio num="d.delivered" den="d.sent"}} AS delivery_rate
FROM (
  SELECT r.tenant_id, tn.tenant_name, r.day, r.submitted, r.sent, r.delivered, r.failed
  FROM {{ref "tenant_daily"}} AS r
  JOIN {{ref "tenants"}} AS tn ON tn.tenant_id = r.tenant_id
) AS d
`,
  columns: {
    tenant_id: t.varchar(32),
    tenant_name: t.varchar(128),
    day: t.timestamp(),
    submitted: t.bigint(),
    failure_rate: t.double(),
    delivery_rate: t.double(),
  },
  tenant: 'tenant_id',
});
