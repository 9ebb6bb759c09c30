import { defineTest, rows } from '@mvkit/compiler';
import { salesDaily, salesDashboard, salesHourly } from './sales.ts';
import { customers, purchases } from './sources.ts';

// `mvkit test` runs this on an in-memory engine: the inputs load in two halves, with an
// incremental refresh after each, then the models' rows are compared with the expected ones.
const purchase = (id: string, customer: string, cents: number, at: string, returned = false) =>
  ({ shop_id: 's1', purchase_id: id, customer_id: customer, amount_cents: cents, items: 1, returned, purchased_at: at });

const given = [
  rows(customers, [{ shop_id: 's1', customer_id: 'c1', country: 'DE', tier: 'gold' }, { shop_id: 's1', customer_id: 'c2', country: 'FR', tier: 'basic' }]),
  rows(purchases, [
    purchase('p1', 'c1', 4200, '2026-01-05T10:15:00Z'),
    purchase('p2', 'c1', 800, '2026-01-05T10:40:00Z', true),
    purchase('p3', 'c2', 1500, '2026-01-05T11:40:00Z'),
  ]),
];

export const hourly = defineTest('sales per hour and customer tier', {
  given,
  expect: [rows(salesHourly, [
    { shop_id: 's1', country: 'DE', tier: 'gold', hour: '2026-01-05T10:00:00Z', purchases: 2, returned_count: 1, revenue_cents: 5000, largest_cents: 4200 },
    { shop_id: 's1', country: 'FR', tier: 'basic', hour: '2026-01-05T11:00:00Z', purchases: 1, returned_count: 0, revenue_cents: 1500, largest_cents: 1500 },
  ])],
});

export const daily = defineTest('the day and the dashboard\'s return rate', {
  given,
  expect: [
    rows(salesDaily, [
      { country: 'DE', day: '2026-01-05T00:00:00Z', purchases: 2, revenue_cents: 5000 },
      { country: 'FR', day: '2026-01-05T00:00:00Z', purchases: 1, revenue_cents: 1500 },
    ]),
    rows(salesDashboard, [{ country: 'DE', return_rate: 0.5 }, { country: 'FR', return_rate: 0 }]),
  ],
});
