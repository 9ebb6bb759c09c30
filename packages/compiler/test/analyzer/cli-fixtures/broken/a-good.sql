SELECT tenant_id, COUNT(*) AS n FROM receipts GROUP BY tenant_id
