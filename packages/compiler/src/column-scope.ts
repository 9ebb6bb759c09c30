import { ModelError } from './errors.ts';

/** A callback read a column its scope does not have (a misspelling in a JavaScript model file). */
export class UnknownColumnError extends ModelError {
  constructor(readonly column: string, readonly columns: readonly string[], readonly owner?: string) {
    const near = nearest(column, columns);
    super(`unknown column "${column}"${owner ? ` in "${owner}"` : ''}; columns: ${columns.join(', ')}`, [], {
      hint: near ? `did you mean "${near}"?` : 'use one of the columns listed',
    });
  }
}

/** The closest name within two edits, for "did you mean". */
export function nearest(name: string, names: readonly string[]): string | null {
  let best: [string, number] | null = null;
  for (const n of names) {
    const d = editDistance(name, n);
    if (d <= 2 && (!best || d < best[1])) best = [n, d];
  }
  return best?.[0] ?? null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
