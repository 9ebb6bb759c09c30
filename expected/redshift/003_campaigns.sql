-- table campaigns (dimension, model campaigns at models/dimensions/campaigns.ts:4)
CREATE TABLE campaigns (
  tenant_id VARCHAR(32) NOT NULL,
  campaign_id VARCHAR(32) NOT NULL,
  campaign_name VARCHAR(128),
  category VARCHAR(32),
  PRIMARY KEY (tenant_id, campaign_id)
)
DISTSTYLE ALL
COMPOUND SORTKEY (tenant_id, campaign_id)
ENCODE AUTO;
