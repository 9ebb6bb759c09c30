import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileProject, loadProject, type Manifest } from '@mvkit/compiler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDeployment } from '../../src/apply/apply.ts';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import type { Engine } from '../../src/engines/engine.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { loadLanding } from '../../src/load/index.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';

/**
 * What docs/reference.md says about landing files and about duplicates, late events and
 * dimension deletes, run on its own example project with its own example files. Expected
 * numbers are counted by hand from the records below.
 */
const REPO = resolve(import.meta.dirname, '../../../..');
const reference = readFileSync(join(REPO, 'docs/reference.md'), 'utf8');
const blocks = (lang: string): string[] => [...reference.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

let dir: string;
let db: Db;
let engine: Engine;
let manifest: Manifest;

const write = (path: string, text: string) => {
  mkdirSync(join(dir, 'landing', path, '..'), { recursive: true });
  writeFileSync(join(dir, 'landing', path), text);
};
async function loadAndRefresh(): Promise<void> {
  const summary = await loadLanding(db, manifest, { landing: join(dir, 'landing') });
  expect(summary.rejects).toEqual([]);
  await refreshDeployment(db, engine, manifest);
}
const rows = (sql: string) => db.query<Record<string, unknown>>(sql);

beforeAll(async () => {
  dir = mkdtempSync(join(REPO, '.reference-check-'));
  mkdirSync(join(dir, 'models'));
  mkdirSync(join(dir, 'macros'));
  writeFileSync(join(dir, 'models/reference.ts'), blocks('ts').join('\n'));
  writeFileSync(join(dir, 'macros/safe_ratio.hbs'), /`macros\/safe_ratio\.hbs`:\s*```sql\n([\s\S]*?)```/.exec(reference)![1]!);
  writeFileSync(join(dir, 'mvkit.config.ts'), "import { defineConfig } from '@mvkit/compiler';\nexport default defineConfig({ name: 'reference' });\n");
  const compiled = await compileProject(await loadProject(dir), 'postgres');
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  manifest = compiled.manifest!;
  db = await openPglite();
  engine = await engineFor(db);
  await applyDeployment(db, engine, manifest);
}, 120_000);
afterAll(async () => {
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('docs/reference.md, run', () => {
  it('loads the example files, counts duplicates and late events as documented, and a dimension delete erases history', async () => {
    const [ndjsonExample] = blocks('ndjson');
    const [csvExample] = blocks('csv');
    write('b1/currencies.ndjson', '{"op":"insert","currency":"EUR","currency_name":"Euro","minor_units":2}\n');
    write('b1/stores.ndjson', ndjsonExample!); // s1 in Oslo; a delete of s9 with only its key
    write('b1/orders.csv', csvExample!); // o1: 1250 cents at 2026-11-26 03:00 (no zone: UTC), shipped_at empty
    write('b1/checkouts.ndjson', '{"tenant_id":"t1","order_id":"o1","store_id":"s1","currency":"EUR","checkout_at":"2026-11-26T03:00:00+01:00"}\n');
    write('b1/payments.ndjson', '{"tenant_id":"t1","order_id":"o1","status":"captured","paid_cents":1250,"event_at":"2026-11-26T02:05:00Z"}\n');
    // The same payment delivered again under a new path; a late order of the day before, delivered
    // twice (orders.again.ndjson is the feed orders: the name up to its first dot).
    write('b2/payments.ndjson', '{"tenant_id":"t1","order_id":"o1","status":"captured","paid_cents":1250,"event_at":"2026-11-26T02:05:00Z"}\n');
    const late = '{"tenant_id":"t1","order_id":"o2","store_id":"s1","currency":"EUR","amount_cents":700,"refunded":false,"placed_at":"2026-11-25T10:00:00Z"}\n';
    write('b2/orders.ndjson', late);
    write('b2/orders.again.ndjson', late);
    await loadAndRefresh();

    // Empty CSV field = NULL; a time without zone is UTC; one with an offset is converted.
    expect(await rows("SELECT order_id, shipped_at IS NULL AS no_ship, to_char(placed_at, 'YYYY-MM-DD HH24:MI') AS placed FROM orders ORDER BY 1, 2")).toEqual([
      { order_id: 'o1', no_ship: true, placed: '2026-11-26 03:00' },
      { order_id: 'o2', no_ship: true, placed: '2026-11-25 10:00' },
      { order_id: 'o2', no_ship: true, placed: '2026-11-25 10:00' },
    ]);
    // Member streams land under their own names in the shared table, tagged with the stream's name.
    expect(await rows("SELECT event_stream, COUNT(*)::int AS n, to_char(MIN(checkout_at), 'HH24:MI') AS t FROM order_events GROUP BY 1 ORDER BY 1")).toEqual([
      { event_stream: 'checkouts', n: 1, t: '02:00' },
      { event_stream: 'payments', n: 2, t: null },
    ]);
    // The pivot counts the payment's deliveries (2) but the order once.
    expect(await rows("SELECT orders::int, captured::int, payment_deliveries::int FROM captured_daily WHERE day = TIMESTAMP '2026-11-26'")).toEqual([
      { orders: 1, captured: 1, payment_deliveries: 2 },
    ]);
    // count() counts the late order's two deliveries, in the day of its event time.
    const daily = "SELECT to_char(day, 'YYYY-MM-DD') AS day, city, orders::int FROM sales_daily ORDER BY 1";
    expect(await rows(daily)).toEqual([
      { day: '2026-11-25', city: 'Oslo', orders: 2 },
      { day: '2026-11-26', city: 'Oslo', orders: 1 },
    ]);

    // Deleting the store removes its orders from every MV on the inner join, for every past day.
    write('b3/stores.ndjson', '{"op":"delete","tenant_id":"t1","store_id":"s1"}\n');
    await loadAndRefresh();
    expect(await rows('SELECT COUNT(*)::int AS n FROM orders_enriched')).toEqual([{ n: 0 }]);
    expect(await rows(daily)).toEqual([]);
    // The orders themselves stay in their stream.
    expect(await rows('SELECT COUNT(*)::int AS n FROM orders')).toEqual([{ n: 3 }]);
  }, 180_000);
});
