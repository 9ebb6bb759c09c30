CREATE MATERIALIZED VIEW per_active AS SELECT a.tenant_id, COUNT(*) AS n FROM active_tenants a JOIN messages m ON m.tenant_id = a.tenant_id GROUP BY a.tenant_id;
