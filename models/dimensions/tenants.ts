import { dimension, t } from '@mvkit/compiler';

export const tenants = dimension('tenants', {
  columns: {
    tenant_id: t.varchar(32),
    tenant_name: t.varchar(128),
    plan: t.varchar(16),
    region: t.varchar(16),
  },
  key: ['tenant_id'],
  tenant: 'tenant_id',
  assert: { unique: ['tenant_id'], notNull: { columns: ['tenant_name'], level: 'warn' } },
});
