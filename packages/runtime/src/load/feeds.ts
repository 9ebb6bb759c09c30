import type { Manifest, ManifestColumn, ManifestStream } from '@mvkit/compiler';
import type { LoadColumn } from './coerce-value.ts';

/** Where the records of one feed go: a stream's landing table (plus discriminator), or a dimension table by key. */
export type FeedRoute =
  | { readonly kind: 'stream'; readonly name: string; readonly table: string; readonly columns: readonly LoadColumn[]; readonly discriminator: { readonly column: string; readonly value: string } | null; readonly eventTime: string }
  | { readonly kind: 'dimension'; readonly name: string; readonly table: string; readonly columns: readonly ManifestColumn[]; readonly key: readonly string[]; readonly softDelete: string | null };

export function feedRoutes(manifest: Manifest): Map<string, FeedRoute> {
  const routes = new Map<string, FeedRoute>();
  for (const s of manifest.streams) {
    routes.set(s.name, { kind: 'stream', name: s.name, table: s.table, columns: streamColumns(s), discriminator: s.discriminator, eventTime: s.eventTime });
  }
  for (const n of manifest.nodes) {
    if (n.role !== 'dimension' || !n.key) continue;
    // Key columns are required even where the table would take a NULL.
    const columns = n.columns.map((c) => (n.key!.includes(c.name) ? { ...c, nullable: false } : c));
    routes.set(n.name, { kind: 'dimension', name: n.name, table: n.name, columns, key: n.key, softDelete: n.softDelete ?? null });
  }
  return routes;
}

/**
 * The event time is required even where the table would take a NULL: an event without one is counted under
 * no day and no hour, so every per-day view misses it. The model can declare it optional.
 */
function streamColumns(s: ManifestStream): LoadColumn[] {
  if (s.eventTimeOptional) return [...s.columns];
  const requiredBecause = `the event time of stream ${s.name}; an event without one falls out of every per-day view. Fill it at the source, or declare eventTimeOptional: true in stream('${s.name}', …)`;
  return s.columns.map((c) => (c.name === s.eventTime ? { ...c, requiredBecause } : c));
}

/** `dir/delivery_receipts.ndjson`, `x/campaigns.part-2.csv` → the feed name: the file name up to its first dot. */
export function feedOfFile(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.slice(0, base.indexOf('.') < 0 ? base.length : base.indexOf('.'));
}

export const q = (ident: string): string => `"${ident.replace(/"/g, '""')}"`;
