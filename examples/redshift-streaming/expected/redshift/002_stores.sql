-- table stores (dimension, model stores at models/shop.ts:29)
CREATE TABLE stores (
  tenant_id VARCHAR(32) NOT NULL,
  store_id VARCHAR(32) NOT NULL,
  city VARCHAR(64),
  PRIMARY KEY (tenant_id, store_id)
)
DISTSTYLE ALL
COMPOUND SORTKEY (tenant_id, store_id)
ENCODE AUTO;
