import type { Manifest, ManifestColumn } from '@mvkit/compiler';
import { feedOfFile, feedRoutes, q, type FeedRoute } from './feeds.ts';

/** A landing file uploaded to S3 under `prefix`, at its landing-relative path. */
export interface RedshiftCopyFile {
  readonly path: string;
  readonly sha256: string;
  /** CSV files: the column names of the header line (COPY maps CSV fields by position). */
  readonly header?: readonly string[];
}

export interface RedshiftCopyInput {
  readonly manifest: Manifest;
  readonly files: readonly RedshiftCopyFile[];
  readonly bucket: string;
  /** S3 key prefix of the landing files, without a trailing slash. */
  readonly prefix: string;
  readonly iamRole: string;
  /** Names this load: its COPY manifests go to <prefix>/_copy/<load>/. */
  readonly load: string;
}

export interface RedshiftCopyPlan {
  /** COPY manifests to upload before running the statements: S3 key and JSON content. */
  readonly manifests: readonly { readonly key: string; readonly content: string }[];
  /** The bookkeeping table, then one transaction: every file of the load commits with its mvkit.loaded_files row, or none does. */
  readonly statements: readonly string[];
  /** Files whose name is no stream or dimension of the project (not loaded). */
  readonly unknown: readonly string[];
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const DIM_EXTRA: readonly ManifestColumn[] = [
  { name: 'op', type: 'VARCHAR(8)', nullable: true },
  { name: 'changed_at', type: 'TIMESTAMP', nullable: true },
];

/** The staging table's columns: the file's own columns (CSV: the header order), typed as the target's. */
function stageColumns(route: FeedRoute, header: readonly string[] | undefined): ManifestColumn[] {
  const known = [...route.columns, ...(route.kind === 'dimension' ? DIM_EXTRA : [])];
  if (!header) return known;
  return header.map((h) => known.find((c) => c.name === h) ?? { name: h, type: 'VARCHAR(256)', nullable: true });
}

/**
 * Redshift loads from S3, not through a connection: per feed and format one COPY manifest and one
 * COPY into a temporary staging table, then plain INSERT (streams, with their discriminator) or DELETE +
 * INSERT of the newest record per key (dimensions), so that the MVs built on them stay incrementally
 * refreshable. Redshift does not enforce primary keys: the LOCK serializes loaders, and the caller leaves
 * out the files mvkit.loaded_files already lists. Pure: no S3, no connection.
 */
export function redshiftCopyPlan(input: RedshiftCopyInput): RedshiftCopyPlan {
  const routes = feedRoutes(input.manifest);
  const groups = new Map<string, { route: FeedRoute; format: 'json' | 'csv'; header?: readonly string[]; files: RedshiftCopyFile[] }>();
  const unknown: string[] = [];
  for (const f of [...input.files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const route = routes.get(feedOfFile(f.path));
    if (!route) { unknown.push(f.path); continue; }
    const format = f.path.endsWith('.csv') ? 'csv' : 'json';
    // CSV files of one feed share a COPY only when their headers agree.
    const key = `${route.name}.${format}${format === 'csv' ? `.${(f.header ?? []).join(',')}` : ''}`;
    const g = groups.get(key) ?? { route, format, ...(f.header ? { header: f.header } : {}), files: [] };
    g.files.push(f);
    groups.set(key, g);
  }
  const manifests: { key: string; content: string }[] = [];
  const statements: string[] = [
    'CREATE SCHEMA IF NOT EXISTS mvkit;',
    'CREATE TABLE IF NOT EXISTS mvkit.loaded_files (path VARCHAR(1024) NOT NULL, sha256 CHAR(64) NOT NULL, feed VARCHAR(127) NOT NULL, rows_loaded INTEGER NOT NULL DEFAULT 0, rows_rejected INTEGER NOT NULL DEFAULT 0, loaded_at TIMESTAMP NOT NULL DEFAULT GETDATE(), PRIMARY KEY (path));',
    'BEGIN;',
    'LOCK mvkit.loaded_files;',
  ];
  let n = 0;
  for (const g of groups.values()) {
    n++;
    const key = `${input.prefix}/_copy/${input.load}/${String(n).padStart(2, '0')}_${g.route.name}.${g.format}.manifest`;
    manifests.push({ key, content: `${JSON.stringify({ entries: g.files.map((f) => ({ url: `s3://${input.bucket}/${input.prefix}/${f.path}`, mandatory: true })) }, null, 2)}\n` });
    const stage = `stage_${String(n).padStart(2, '0')}_${g.route.name}`;
    const cols = stageColumns(g.route, g.header);
    statements.push(`CREATE TEMP TABLE ${stage} (${cols.map((c) => `${q(c.name)} ${c.type}`).join(', ')});`);
    const format = g.format === 'csv' ? "FORMAT CSV IGNOREHEADER 1 EMPTYASNULL" : "FORMAT JSON 'auto'";
    statements.push(`COPY ${stage} (${cols.map((c) => q(c.name)).join(', ')}) FROM ${lit(`s3://${input.bucket}/${key}`)} IAM_ROLE ${lit(input.iamRole)} MANIFEST ${format} TIMEFORMAT 'auto';`);
    const targetCols = g.route.columns.map((c) => q(c.name));
    if (g.route.kind === 'stream') {
      const d = g.route.discriminator;
      statements.push(`INSERT INTO ${q(g.route.table)} (${[...targetCols, ...(d ? [q(d.column)] : [])].join(', ')}) SELECT ${[...targetCols, ...(d ? [lit(d.value)] : [])].join(', ')} FROM ${stage};`);
    } else {
      const keys = g.route.key.map(q);
      const on = keys.map((k) => `${q(g.route.table)}.${k} = s.${k}`).join(' AND ');
      const newest = `(SELECT *, ROW_NUMBER() OVER (PARTITION BY ${keys.join(', ')} ORDER BY changed_at DESC) AS rn FROM ${stage})`;
      const soft = g.route.softDelete;
      // A kept delete leaves the row and stamps its column (first delete wins), as the local loader does.
      if (soft) statements.push(`DELETE FROM ${q(g.route.table)} USING ${newest} AS s WHERE ${on} AND s.rn = 1 AND LOWER(s.op) <> 'delete';`);
      else statements.push(`DELETE FROM ${q(g.route.table)} USING ${stage} AS s WHERE ${on};`);
      statements.push(`INSERT INTO ${q(g.route.table)} (${targetCols.join(', ')}) SELECT ${targetCols.join(', ')} FROM ${newest} AS s WHERE rn = 1 AND LOWER(op) <> 'delete';`);
      if (soft) statements.push(`UPDATE ${q(g.route.table)} SET ${q(soft)} = COALESCE(s.changed_at, GETDATE()) FROM ${newest} AS s WHERE ${on} AND s.rn = 1 AND LOWER(s.op) = 'delete' AND ${q(g.route.table)}.${q(soft)} IS NULL;`);
    }
    statements.push(`INSERT INTO mvkit.loaded_files (path, sha256, feed) VALUES ${g.files.map((f) => `(${lit(f.path)}, ${lit(f.sha256)}, ${lit(g.route.name)})`).join(', ')};`);
  }
  statements.push('COMMIT;');
  return { manifests, statements: groups.size ? statements : [], unknown };
}
