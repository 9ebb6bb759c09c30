import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchName, SampleError } from '@mvkit/runtime/sample/index.ts';
import { FEEDS, type CdcRecord, type Feed } from './sample-generator.ts';

export { batchName, SampleError };

export type FileFormat = 'ndjson' | 'csv';
/** `mixed`: submissions, tenants and channels as CSV; receipts and campaigns as NDJSON (both readers get exercised). */
export type SampleFormat = FileFormat | 'mixed';

export interface CdcBatch {
  /** Folder name: `<batch time, colons as dashes>Z_<seq>`, so names sort by time. */
  readonly name: string;
  readonly at: Date;
  readonly feeds: ReadonlyMap<Feed, readonly CdcRecord[]>;
}

export function formatFor(feed: Feed, format: SampleFormat): FileFormat {
  if (format !== 'mixed') return format;
  return feed === 'message_submissions' || feed === 'tenants' || feed === 'channels' ? 'csv' : 'ndjson';
}

export function toNdjson(records: readonly CdcRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

function csvField(v: string | null): string {
  if (v === null) return '';
  return v === '' || /[",\n\r]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** RFC 4180 with a header; an empty unquoted field is NULL, `""` is the empty string. */
export function toCsv(records: readonly CdcRecord[]): string {
  const first = records[0];
  if (!first) return '';
  const cols = Object.keys(first);
  return [cols.join(','), ...records.map((r) => cols.map((c) => csvField(r[c] ?? null)).join(','))].join('\n') + '\n';
}

/**
 * Writes one batch folder under `landing`, atomically: files go to a hidden temporary folder that is
 * renamed into place, so a loader running meanwhile never sees half a batch.
 */
export function writeBatch(landing: string, batch: CdcBatch, format: SampleFormat): string[] {
  const dir = join(landing, batch.name);
  if (existsSync(dir)) throw new SampleError(`landing batch ${dir} exists already`, { hint: 'use another --start or --seed, or an empty --landing directory' });
  const tmp = join(landing, `.${batch.name}.tmp`);
  mkdirSync(tmp, { recursive: true });
  const files: string[] = [];
  for (const feed of FEEDS) {
    const records = batch.feeds.get(feed);
    if (!records?.length) continue;
    const f = formatFor(feed, format);
    const file = `${feed}.${f}`;
    writeFileSync(join(tmp, file), f === 'csv' ? toCsv(records) : toNdjson(records));
    files.push(join(batch.name, file));
  }
  renameSync(tmp, dir);
  return files;
}
