CREATE MATERIALIZED VIEW pivot AS
SELECT s.message_id, r.event_at
FROM submissions s
LEFT JOIN receipts r ON r.message_id = s.message_id
