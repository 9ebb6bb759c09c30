import { sqlModel, t } from '@mvkit/compiler';

/** Written in SQL, the escape hatch: average basket per shop and day, with the safe_ratio macro of macros/. */
export const basketSize = sqlModel('basket_size', {
  materialized: 'view',
  sql: `
SELECT
  d.shop_id,
  d.day,
  d.purchases,
  {{> safe_ratio num="d.revenue_cents" den="d.purchases"}} AS avg_basket_cents
FROM {{ref "sales_daily"}} AS d
`,
  columns: {
    shop_id: t.varchar(32),
    day: t.timestamp(),
    purchases: t.bigint(),
    avg_basket_cents: t.double(),
  },
  tenant: 'shop_id',
});
