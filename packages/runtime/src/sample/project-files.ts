import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SampleError } from './batch-names.ts';
import type { ProjectBatch } from './project-sample.ts';

export interface ProjectSampleSummary {
  readonly batches: number;
  /** Relative to the landing directory: `<batch>/<feed>.ndjson`. */
  readonly files: readonly string[];
  /** Feed → records written (dimension changes, or stream events with their duplicates). */
  readonly records: Readonly<Record<string, number>>;
}

/**
 * Writes each batch as a folder of `<feed>.ndjson` files, atomically: a hidden temporary folder renamed into
 * place, so a loader running meanwhile never sees half a batch (it skips hidden entries).
 */
export function writeProjectBatches(landing: string, batches: readonly ProjectBatch[]): ProjectSampleSummary {
  for (const b of batches) {
    if (existsSync(join(landing, b.name))) throw new SampleError(`landing batch ${join(landing, b.name)} exists already`, { hint: 'use another --start or --seed, or an empty --out directory' });
  }
  const files: string[] = [];
  const records: Record<string, number> = {};
  for (const b of batches) {
    const tmp = join(landing, `.${b.name}.tmp`);
    mkdirSync(tmp, { recursive: true });
    for (const [feed, rs] of b.feeds) {
      writeFileSync(join(tmp, `${feed}.ndjson`), rs.map((r) => JSON.stringify(r)).join('\n') + '\n');
      files.push(`${b.name}/${feed}.ndjson`);
      records[feed] = (records[feed] ?? 0) + rs.length;
    }
    renameSync(tmp, join(landing, b.name));
  }
  return { batches: batches.length, files, records };
}
