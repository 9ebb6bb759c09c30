CREATE MATERIALIZED VIEW per_click AS SELECT tenant_id, COUNT(*) AS n FROM recent_clicks GROUP BY tenant_id;
