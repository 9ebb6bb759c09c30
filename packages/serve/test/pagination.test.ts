// Keyset pagination over rows that tie on the view's key (a view without a unique key) and with
// NULLs in key columns: every row comes exactly once, whatever the page size.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openPglite, type Db } from '@mvkit/runtime';
import { pageSql, parsePageRequest, toPage, type ServedView } from '../src/index.ts';

let db: Db;
const view: ServedView = {
  name: 'ties', relation: '"ties"', tenant: 'tenant_id', key: ['day', 'channel_id'], time: 'day', filters: { channel: 'channel_id' },
  columns: [
    { name: 'tenant_id', type: 'VARCHAR(32)', nullable: false }, { name: 'day', type: 'TIMESTAMP', nullable: false },
    { name: 'channel_id', type: 'VARCHAR(16)', nullable: true }, { name: 'n', type: 'BIGINT', nullable: false },
  ],
};

beforeAll(async () => {
  db = await openPglite();
  await db.exec('CREATE TABLE ties (tenant_id varchar(32), day timestamp, channel_id varchar(16), n bigint)');
  // Per day: 3 sms rows, two of them identical; 2 rows without a channel; 1 email row; and the other tenant's rows interleaved.
  const rows: string[] = [];
  for (let d = 1; d <= 4; d++) {
    for (const t of ['a', 'b']) {
      rows.push(`('${t}', '2026-11-0${d}', 'sms', 1)`, `('${t}', '2026-11-0${d}', 'sms', 1)`, `('${t}', '2026-11-0${d}', 'sms', 2)`);
      rows.push(`('${t}', '2026-11-0${d}', NULL, 3)`, `('${t}', '2026-11-0${d}', NULL, 4)`, `('${t}', '2026-11-0${d}', 'email', 5)`);
    }
  }
  await db.exec(`INSERT INTO ties VALUES ${rows.join(', ')}`);
});
afterAll(() => db.close());

async function pages(limit: number, query: Record<string, string> = {}) {
  const out: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let n = 0;
  do {
    const r = parsePageRequest(view, { ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const { sql, params } = pageSql(view, 'a', r);
    const page = toPage(view, r, await db.query(sql, params));
    out.push(...page.rows);
    cursor = page.next_cursor;
  } while (cursor && ++n < 100);
  return out;
}

test('pages of any size return each of the tenant\'s rows once, also rows that tie on the key and rows with NULL in it', async () => {
  const all = await pages(1000);
  expect(all.length).toBe(24);
  expect(new Set(all.map((r) => r.tenant_id))).toEqual(new Set(['a']));
  const sig = (rows: Record<string, unknown>[]) => rows.map((r) => `${r.day}|${r.channel_id}|${r.n}`);
  for (const limit of [1, 2, 3, 5]) expect(sig(await pages(limit))).toEqual(sig(all));
  // Per day: no channel first (NULL sorts lowest), then email, then sms.
  expect(sig(all.slice(0, 6))).toEqual(['2026-11-01T00:00:00|null|3', '2026-11-01T00:00:00|null|4', '2026-11-01T00:00:00|email|5', '2026-11-01T00:00:00|sms|1', '2026-11-01T00:00:00|sms|1', '2026-11-01T00:00:00|sms|2']);
  expect(sig(await pages(2, { channel: 'sms', from: '2026-11-02', to: '2026-11-03' }))).toEqual(['2026-11-02T00:00:00|sms|1', '2026-11-02T00:00:00|sms|1', '2026-11-02T00:00:00|sms|2', '2026-11-03T00:00:00|sms|1', '2026-11-03T00:00:00|sms|1', '2026-11-03T00:00:00|sms|2']);
});
