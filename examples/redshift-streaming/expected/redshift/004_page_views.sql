-- table page_views (stream, model page_views at models/shop.ts:12)
CREATE EXTERNAL SCHEMA IF NOT EXISTS page_views_source
FROM KINESIS
IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-streaming';

CREATE MATERIALIZED VIEW page_views
DISTKEY (view_id)
SORTKEY (tenant_id, view_id)
AUTO REFRESH YES
AS
SELECT
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'tenant_id') AS VARCHAR(32)) AS tenant_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'view_id') AS VARCHAR(64)) AS view_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'store_id') AS VARCHAR(32)) AS store_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'viewed_at') AS TIMESTAMP) AS viewed_at
FROM page_views_source."shop-page-views"
WHERE CAN_JSON_PARSE(kinesis_data);
