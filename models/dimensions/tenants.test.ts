import { defineTest, rows } from '@mvkit/compiler';
import { tenants } from './tenants.ts';

/** dimension: CDC upserts by key and deletes; the table holds the last state of each key. */
export const tenantChanges = defineTest('a tenant updated, another deleted: the last state of each key', {
  steps: [
    { load: [rows(tenants, [{ tenant_id: 't1', tenant_name: 'Acme', plan: 'free', region: 'eu' }, { tenant_id: 't2', tenant_name: 'Globex', plan: 'pro', region: 'us' }])] },
    { load: [rows(tenants, [{ tenant_id: 't1', tenant_name: 'Acme', plan: 'pro', region: 'eu' }])], delete: [rows(tenants, [{ tenant_id: 't2' }])] },
  ],
  expect: [rows(tenants, [{ tenant_id: 't1', plan: 'pro', region: 'eu' }])],
});
