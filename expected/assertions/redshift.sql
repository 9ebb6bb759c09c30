-- project messaging-analytics

-- delivery_receipts.acceptedValues.status (warn): status in ('sent', 'delivered', 'read', 'failed')
SELECT status, COUNT(*) AS row_count FROM (SELECT * FROM message_events WHERE event_stream = 'delivery_receipts') AS r WHERE status IS NOT NULL AND status NOT IN ('sent', 'delivered', 'read', 'failed') GROUP BY status;

-- messages.unique (error): unique on (tenant_id, message_id)
SELECT tenant_id, message_id, COUNT(*) AS row_count FROM messages GROUP BY tenant_id, message_id HAVING COUNT(*) > 1;

-- messages.notNull (error): no NULL in tenant_id, message_id
SELECT * FROM messages WHERE tenant_id IS NULL OR message_id IS NULL;

-- tenants.unique (error): unique on (tenant_id)
SELECT tenant_id, COUNT(*) AS row_count FROM tenants GROUP BY tenant_id HAVING COUNT(*) > 1;

-- tenants.notNull (warn): no NULL in tenant_name
SELECT * FROM tenants WHERE tenant_name IS NULL;

-- delivery_hourly.unique (error): unique on (tenant_id, campaign_id, category, channel_id, recipient_country, hour)
SELECT tenant_id, campaign_id, category, channel_id, recipient_country, hour, COUNT(*) AS row_count FROM delivery_hourly GROUP BY tenant_id, campaign_id, category, channel_id, recipient_country, hour HAVING COUNT(*) > 1;

-- tenant_daily.unique (error): unique on (tenant_id, day)
SELECT tenant_id, day, COUNT(*) AS row_count FROM tenant_daily GROUP BY tenant_id, day HAVING COUNT(*) > 1;

-- tenant_daily.equalTotals (error): totals of submitted, delivered, failed equal those of tenant_channel_daily
SELECT 'submitted' AS column_name, t.total AS model_total, s.total AS source_total FROM (SELECT SUM(submitted) AS total FROM tenant_daily) AS t CROSS JOIN (SELECT SUM(submitted) AS total FROM tenant_channel_daily) AS s WHERE ABS(COALESCE(t.total, 0) - COALESCE(s.total, 0)) > 0
UNION ALL
SELECT 'delivered' AS column_name, t.total AS model_total, s.total AS source_total FROM (SELECT SUM(delivered) AS total FROM tenant_daily) AS t CROSS JOIN (SELECT SUM(delivered) AS total FROM tenant_channel_daily) AS s WHERE ABS(COALESCE(t.total, 0) - COALESCE(s.total, 0)) > 0
UNION ALL
SELECT 'failed' AS column_name, t.total AS model_total, s.total AS source_total FROM (SELECT SUM(failed) AS total FROM tenant_daily) AS t CROSS JOIN (SELECT SUM(failed) AS total FROM tenant_channel_daily) AS s WHERE ABS(COALESCE(t.total, 0) - COALESCE(s.total, 0)) > 0;

-- project alerts

-- events.unique (error): unique on (tenant_id, event_id)
SELECT tenant_id, event_id, COUNT(*) AS row_count FROM events GROUP BY tenant_id, event_id HAVING COUNT(*) > 1;

-- events.acceptedValues.severity (error): severity in ('low', 'high')
SELECT severity, COUNT(*) AS row_count FROM events WHERE severity IS NOT NULL AND severity NOT IN ('low', 'high') GROUP BY severity;

-- events.freshness (warn): newest event_at at most 1 day old
SELECT MAX(event_at) AS newest, GETDATE() AS checked_at FROM events HAVING MAX(event_at) IS NULL OR MAX(event_at) < DATEADD(day, -1, GETDATE());

-- events_daily.unique (error): unique on (tenant_id, severity, day)
SELECT tenant_id, severity, day, COUNT(*) AS row_count FROM events_daily GROUP BY tenant_id, severity, day HAVING COUNT(*) > 1;

-- events_daily.freshness (error): newest last_event_at at most 7 days old
SELECT MAX(last_event_at) AS newest, GETDATE() AS checked_at FROM events_daily HAVING MAX(last_event_at) IS NULL OR MAX(last_event_at) < DATEADD(day, -7, GETDATE());

