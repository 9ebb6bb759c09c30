import { diurnalWeight } from './catalog.ts';
import { batchName, SampleError, writeBatch, type CdcBatch, type SampleFormat } from './cdc-files.ts';
import { SampleGenerator, type Feed } from './sample-generator.ts';

export interface GenerateSampleOptions {
  readonly seed?: number;
  readonly tenants?: number;
  /** Message submissions over the whole period; receipts come on top (about 2.5 per message). */
  readonly events?: number;
  readonly batches?: number;
  readonly start?: Date;
  /** Length of the period, in hours (a day by default). */
  readonly hours?: number;
}

export interface SampleSummary {
  readonly batches: number;
  readonly files: string[];
  readonly records: Record<Feed, number>;
}

export const SAMPLE_DEFAULTS = { seed: 42, tenants: 5, events: 20_000, batches: 8, hours: 24, start: new Date('2026-11-26T00:00:00Z') } as const;

/** Splits `total` by weights, largest remainder: the parts sum to exactly `total`. */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (total * w) / sum);
  const parts = raw.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) if (left-- > 0) parts[i] = (parts[i] as number) + 1;
  return parts;
}

/**
 * A period of traffic as CDC batches, deterministically from the seed. Batch i is dropped at the end of
 * its window and holds what arrived by then; the last batch also holds every straggler.
 */
export function generateSample(options: GenerateSampleOptions = {}): CdcBatch[] {
  const o = { ...SAMPLE_DEFAULTS, ...options };
  if (!(o.batches >= 1 && o.tenants >= 1 && o.events >= 0 && o.hours > 0) || Number.isNaN(o.start.getTime())) {
    throw new SampleError('invalid sample options', { hint: '--batches and --tenants at least 1, --events at least 0, --start an ISO time such as 2026-11-26T00:00:00Z' });
  }
  const start = o.start.getTime();
  const windowMs = (o.hours * 3600_000) / o.batches;
  const gen = new SampleGenerator({ seed: o.seed, tenants: o.tenants, start: o.start, lateSubmissionS: windowMs / 1000 });
  const weights = Array.from({ length: o.batches }, (_, i) => diurnalWeight(new Date(start + (i + 0.5) * windowMs).getUTCHours() + new Date(start + (i + 0.5) * windowMs).getUTCMinutes() / 60));
  const counts = apportion(o.events, weights);
  const batches: CdcBatch[] = [];
  for (let i = 0; i < o.batches; i++) {
    const from = start + i * windowMs;
    const to = from + windowMs;
    if (i > 0) gen.changeDimensions(from + windowMs * 0.01);
    gen.submit(counts[i] as number, from + windowMs * 0.02, to);
    batches.push({ name: batchName(new Date(to), i + 1), at: new Date(to), feeds: gen.drain(i === o.batches - 1 ? Infinity : to) });
  }
  return batches;
}

export function writeSample(landing: string, batches: readonly CdcBatch[], format: SampleFormat = 'mixed'): SampleSummary {
  const records = { tenants: 0, channels: 0, campaigns: 0, message_submissions: 0, delivery_receipts: 0 };
  const files: string[] = [];
  for (const b of batches) {
    files.push(...writeBatch(landing, b, format));
    for (const [feed, rs] of b.feeds) records[feed] += rs.length;
  }
  return { batches: batches.length, files, records };
}
