-- table stores (dimension, model stores at models/shop.ts:30)
CREATE EXTERNAL SCHEMA IF NOT EXISTS stores_source
FROM POSTGRES DATABASE 'shop' SCHEMA 'catalog'
URI 'shop.cluster-abc123.eu-west-1.rds.amazonaws.com' PORT 5432
IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-federated'
SECRET_ARN 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-reader';

CREATE MATERIALIZED VIEW stores
DISTSTYLE ALL
SORTKEY (tenant_id, store_id)
AUTO REFRESH NO
AS
SELECT tenant_id, store_id, city
FROM stores_source."stores";
