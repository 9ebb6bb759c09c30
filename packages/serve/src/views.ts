import type { Manifest, ManifestColumn, ManifestNode } from '@mvkit/compiler';

/**
 * What the API serves of one relation. Everything a request may name (columns, filters, the order)
 * comes from here, never from the request: the SQL is built from these names only.
 */
export interface ServedView {
  /** The path segment (/api/v1/<name>) and the relation's name. */
  readonly name: string;
  /** The relation, quoted (and schema-qualified on the operational database). */
  readonly relation: string;
  readonly columns: readonly ManifestColumn[];
  /** The tenant column: every query is restricted to the token's tenant on it; null: a model every tenant may read. */
  readonly tenant: string | null;
  /** The order of the rows and the pagination key (the dimension columns, time first, without the tenant). */
  readonly key: readonly string[];
  /** The column `from` and `to` filter on, when the view has one. */
  readonly time: string | null;
  /** Filter parameter → column, for the filters the view has. */
  readonly filters: Readonly<Partial<Record<'channel' | 'campaign', string>>>;
}

const MEASURE = /^(BIGINT|INTEGER|INT|SMALLINT|DOUBLE PRECISION|REAL|NUMERIC|DECIMAL|BOOLEAN)/i;
export const isMeasure = (c: ManifestColumn) => MEASURE.test(c.type);
export const isTime = (c: ManifestColumn) => /^(TIMESTAMP|DATE)/i.test(c.type);
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The tenant column of a node: its own, else the nearest ancestor's when the node keeps that column. */
function tenantOf(node: ManifestNode, byName: ReadonlyMap<string, ManifestNode>): string | null {
  const has = (c: string) => node.columns.some((x) => x.name === c);
  const seen = new Set<string>();
  const queue: ManifestNode[] = [node];
  while (queue.length) {
    const n = queue.shift()!;
    if (seen.has(n.name)) continue;
    seen.add(n.name);
    if (n.tenant && has(n.tenant)) return n.tenant;
    for (const d of n.dependsOn) {
      const p = byName.get(d);
      if (p) queue.push(p);
    }
  }
  return null;
}

/** What the sync side puts on a served model's manifest node (CONTRACT.md); read loosely, as older manifests lack it. */
interface ServedSpec {
  readonly key: readonly string[];
  readonly tenant: string | null;
}
const servedSpec = (n: ManifestNode): ServedSpec | undefined => (n as ManifestNode & { served?: ServedSpec }).served;

export interface ServedViewsOptions {
  /** The schema the relations are in (`mvkit_serving` on the operational database); none: the search path. */
  readonly schema?: string | null;
  /** Which nodes to serve; default: the models marked `served`, or, in a project that marks none, every view with a tenant column. */
  readonly include?: (node: ManifestNode) => boolean;
}

/** The manifest's views that carry a tenant column, as the API serves them. */
export function servedViews(manifest: Manifest, options: ServedViewsOptions = {}): ServedView[] {
  const byName = new Map(manifest.nodes.map((n) => [n.name, n]));
  const anyServed = manifest.nodes.some((n) => servedSpec(n));
  const include = options.include ?? ((n: ManifestNode) => (anyServed ? !!servedSpec(n) : n.kind === 'view'));
  const out: ServedView[] = [];
  for (const node of manifest.nodes) {
    if (!include(node)) continue;
    const spec = servedSpec(node);
    const tenant = spec ? spec.tenant : tenantOf(node, byName);
    if (!spec && !tenant) continue;
    const time = node.columns.find((c) => c.name === 'day' && isTime(c)) ?? node.columns.find((c) => c.name === 'hour' && isTime(c)) ?? node.columns.find(isTime);
    // A served model's primary key when it has one; else the dimension columns (rows may tie: the cursor counts ties).
    const dims = (spec ? spec.key.filter((c) => c !== tenant) : node.columns.filter((c) => c.name !== tenant && !isMeasure(c)).map((c) => c.name));
    const key = time ? [time.name, ...dims.filter((c) => c !== time.name)] : dims;
    const has = (c: string) => node.columns.some((x) => x.name === c);
    const filters: Partial<Record<'channel' | 'campaign', string>> = {};
    if (has('channel_id')) filters.channel = 'channel_id';
    if (has('campaign_id')) filters.campaign = 'campaign_id';
    out.push({
      name: node.name,
      relation: options.schema ? `${quoteIdent(options.schema)}.${quoteIdent(node.name)}` : quoteIdent(node.name),
      columns: node.columns, tenant, key, time: time?.name ?? null, filters,
    });
  }
  return out;
}
