import { dimension, t } from '@mvkit/compiler';

/** Campaigns are renamed and re-categorized through CDC; aggregates follow. */
export const campaigns = dimension('campaigns', {
  columns: {
    tenant_id: t.varchar(32),
    campaign_id: t.varchar(32),
    campaign_name: t.varchar(128),
    category: t.varchar(32),
  },
  key: ['tenant_id', 'campaign_id'],
  tenant: 'tenant_id',
});
