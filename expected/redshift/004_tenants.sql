-- table tenants (dimension, model tenants at models/dimensions/tenants.ts:3)
CREATE TABLE tenants (
  tenant_id VARCHAR(32) NOT NULL,
  tenant_name VARCHAR(128),
  plan VARCHAR(16),
  region VARCHAR(16),
  PRIMARY KEY (tenant_id)
)
DISTSTYLE ALL
COMPOUND SORTKEY (tenant_id)
ENCODE AUTO;
