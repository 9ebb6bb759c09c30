-- table orders (stream, model orders at models/shop.ts:21)
CREATE EXTERNAL SCHEMA IF NOT EXISTS orders_source
FROM MSK
IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-streaming'
AUTHENTICATION iam
URI 'b-1.shop.kafka.eu-west-1.amazonaws.com:9098,b-2.shop.kafka.eu-west-1.amazonaws.com:9098';

CREATE MATERIALIZED VIEW orders
DISTKEY (order_id)
SORTKEY (tenant_id, order_id)
AUTO REFRESH YES
AS
SELECT
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kafka_value, 'utf-8'), 'tenant_id') AS VARCHAR(32)) AS tenant_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kafka_value, 'utf-8'), 'order_id') AS VARCHAR(64)) AS order_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kafka_value, 'utf-8'), 'store_id') AS VARCHAR(32)) AS store_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kafka_value, 'utf-8'), 'amount_cents') AS BIGINT) AS amount_cents,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kafka_value, 'utf-8'), 'placed_at') AS TIMESTAMP) AS placed_at
FROM orders_source."shop.orders"
WHERE CAN_JSON_PARSE(kafka_value);
