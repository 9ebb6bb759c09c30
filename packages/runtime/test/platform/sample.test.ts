import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNEL_PROFILES, generateSample, writeSample, type CdcRecord } from '../../../../scripts/platform/index.ts';
import { parseCsv } from '../../src/load/parse-records.ts';
import { tempDir } from './helpers.ts';

const all = (batches: ReturnType<typeof generateSample>, feed: string) =>
  batches.flatMap((b, i) => (b.feeds.get(feed as never) ?? []).map((r) => ({ batch: i, r })));

describe('sample generator', () => {
  it('is deterministic: the same seed writes the same bytes, another seed other traffic', () => {
    const a = tempDir('sample-a');
    const b = tempDir('sample-b');
    writeSample(a, generateSample({ seed: 3, tenants: 3, events: 800, batches: 5 }));
    writeSample(b, generateSample({ seed: 3, tenants: 3, events: 800, batches: 5 }));
    const files = (d: string) => readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(d.length)).sort();
    expect(files(a)).toEqual(files(b));
    for (const f of files(a)) expect(readFileSync(join(a, f), 'utf8')).toBe(readFileSync(join(b, f), 'utf8'));
    const other = generateSample({ seed: 4, tenants: 3, events: 800, batches: 5 });
    expect(JSON.stringify([...other[2]!.feeds])).not.toBe(JSON.stringify([...generateSample({ seed: 3, tenants: 3, events: 800, batches: 5 })[2]!.feeds]));
  });

  it('names batch folders by time so they sort in order, one file per feed, CSV and NDJSON', () => {
    const landing = tempDir('sample');
    const s = writeSample(landing, generateSample({ seed: 1, tenants: 2, events: 300, batches: 3, start: new Date('2026-11-27T10:00:00Z'), hours: 3 }));
    expect(readdirSync(landing)).toEqual(['2026-11-27T11-00-00Z_0001', '2026-11-27T12-00-00Z_0002', '2026-11-27T13-00-00Z_0003']);
    expect(s.files).toContain('2026-11-27T11-00-00Z_0001/message_submissions.csv');
    expect(s.files).toContain('2026-11-27T11-00-00Z_0001/delivery_receipts.ndjson');
    const csv = parseCsv(readFileSync(join(landing, '2026-11-27T11-00-00Z_0001/tenants.csv'), 'utf8'));
    expect(csv.header).toEqual(['op', 'changed_at', 'tenant_id', 'tenant_name', 'plan', 'region']);
    expect(s.records.message_submissions).toBe(300);
  });

  it('has the shapes of real traffic', () => {
    const batches = generateSample({ seed: 5, tenants: 5, events: 6000, batches: 8 });
    const subs = all(batches, 'message_submissions');
    const receipts = all(batches, 'delivery_receipts');
    const submittedIn = new Map(subs.map(({ batch, r }) => [r.message_id, { batch, r }]));
    const channelOf = (r: CdcRecord) => submittedIn.get(r.message_id!)!.r.channel_id!;
    // Receipts that arrive (in an earlier batch) before their submission.
    expect(receipts.filter(({ batch, r }) => batch < submittedIn.get(r.message_id!)!.batch).length).toBeGreaterThan(10);
    // Duplicate receipts.
    const keys = receipts.map(({ r }) => `${r.message_id}/${r.status}/${r.event_at}`);
    expect(keys.length - new Set(keys).size).toBeGreaterThan(10);
    // Reads on WhatsApp and RCS only; every failure has an error code.
    expect(new Set(receipts.filter(({ r }) => r.status === 'read').map(({ r }) => channelOf(r)))).toEqual(new Set(['whatsapp', 'rcs']));
    expect(receipts.filter(({ r }) => r.status === 'failed').every(({ r }) => !!r.error_code)).toBe(true);
    // Channels differ in delivery speed: SMS is slower than WhatsApp at the median.
    const median = (ch: string) => {
      const lat = receipts.filter(({ r }) => r.status === 'delivered' && channelOf(r) === ch)
        .map(({ r }) => Date.parse(r.event_at!) - Date.parse(submittedIn.get(r.message_id!)!.r.submitted_at!)).sort((x, y) => x - y);
      return lat[Math.floor(lat.length / 2)]!;
    };
    expect(median('sms')).toBeGreaterThan(2 * median('whatsapp'));
    expect(CHANNEL_PROFILES.sms.read).toBe(0);
    // Master data changes: campaigns renamed and moved, a draft deleted.
    const campaignOps = all(batches, 'campaigns').map(({ r }) => r.op);
    expect(campaignOps).toContain('update');
    expect(campaignOps).toContain('delete');
    // No submission references a campaign unknown at that time.
    const known = new Set(all(batches, 'campaigns').filter(({ r }) => r.op !== 'delete').map(({ r }) => `${r.tenant_id}/${r.campaign_id}`));
    expect(subs.every(({ r }) => known.has(`${r.tenant_id}/${r.campaign_id}`))).toBe(true);
  });
});
