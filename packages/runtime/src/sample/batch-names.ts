import { MvkitError } from '@mvkit/compiler';

/** Writing a sample failed (a batch folder exists already, a bad option). */
export class SampleError extends MvkitError {}

/** A batch folder's name: `<batch time, colons as dashes>Z_<seq>`, so that names sort by time (the loader's order). */
export function batchName(at: Date, seq: number): string {
  return `${at.toISOString().slice(0, 19).replace(/:/g, '-')}Z_${String(seq).padStart(4, '0')}`;
}
