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
  /** The WLM query group the script's session sets (default mvkit_load); null: none. */
  readonly queryGroup?: string | null;
}

export interface RedshiftCopyPlan {
  /** COPY manifests to upload before running the statements: S3 key and JSON content. */
  readonly manifests: readonly { readonly key: string; readonly content: string }[];
  /** The bookkeeping table, then one transaction: every file of the load commits with its mvkit.loaded_files row, or none does. */
  readonly statements: readonly string[];
  /** Files whose name is no stream or dimension of the project, or a stream Redshift reads by streaming ingestion (not loaded). */
  readonly unknown: readonly string[];
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
// Wide enough that a stray value is reported as a rejected row rather than failing the COPY.
const OP: ManifestColumn = { name: 'op', type: 'VARCHAR(256)', nullable: true };
const DIM_EXTRA: readonly ManifestColumn[] = [OP, { name: 'changed_at', type: 'TIMESTAMP', nullable: true }];
/** The staging column that says which landing file a row came from (COPY does not). */
const FILE_COL = 'mvkit_file';

/** The staging table's columns: the file's own columns (CSV: the header order), typed as the target's. */
function stageColumns(route: FeedRoute, header: readonly string[] | undefined): ManifestColumn[] {
  const known = [...route.columns, ...(route.kind === 'dimension' ? DIM_EXTRA : [OP])];
  if (!header) return known;
  return header.map((h) => known.find((c) => c.name === h) ?? { name: h, type: 'VARCHAR(256)', nullable: true });
}

/**
 * The rows the local loader takes (load-landing.ts), as a condition on a staging row `s`: a stream's op
 * is absent or insert; a dimension's is insert, update or delete (NULL, empty or anything else is
 * rejected); required columns are present (a dimension delete needs only its key). The others are
 * counted in mvkit.loaded_files.rows_rejected and listed by the script, never applied.
 */
function validRow(route: FeedRoute, staged: readonly ManifestColumn[]): { sql: string; why: string } {
  const has = (name: string) => staged.some((c) => c.name === name);
  const required = (cols: readonly ManifestColumn[]) => cols.filter((c) => !c.nullable || ('requiredBecause' in c && c.requiredBecause)).map((c) => `s.${q(c.name)} IS NOT NULL`);
  if (route.kind === 'stream') {
    const op = has('op') ? ["(s.op IS NULL OR LOWER(TRIM(s.op)) = 'insert')"] : [];
    return { sql: [...op, ...required(route.columns)].join(' AND ') || 'TRUE', why: 'streams are append-only (op absent or insert) and need their required columns' };
  }
  const keys = route.columns.filter((c) => route.key.includes(c.name));
  const rest = required(route.columns.filter((c) => !route.key.includes(c.name)));
  const notDelete = rest.length ? ` AND (LOWER(TRIM(s.op)) = 'delete' OR (${rest.join(' AND ')}))` : '';
  return {
    sql: `LOWER(TRIM(s.op)) IN ('insert', 'update', 'delete') AND ${required(keys).join(' AND ')}${notDelete}`,
    why: 'op must be insert, update or delete, with the key (and, but for a delete, every required column)',
  };
}

/**
 * Redshift loads from S3, not through a connection: per feed and format a staging table that one COPY per
 * file fills (each file's rows stamped with its path), then plain INSERT (streams, with their discriminator)
 * or DELETE + INSERT of the newest record per key (dimensions), so that the MVs built on them stay
 * incrementally refreshable. Pure: no S3, no connection.
 *
 * Exactly once: Redshift does not enforce the PRIMARY KEY of mvkit.loaded_files
 * (https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html), so the script itself
 * drops, under LOCK, the rows of every file mvkit.loaded_files already lists, and records the others in
 * the same transaction: a rerun of copy.sql, or a file listed in two loads, loads nothing twice.
 * (COPY JOB also tracks loaded files, but only files created after the job and without a manifest:
 * https://docs.aws.amazon.com/redshift/latest/dg/r_COPY-JOB.html.)
 */
export function redshiftCopyPlan(input: RedshiftCopyInput): RedshiftCopyPlan {
  const routes = feedRoutes(input.manifest);
  const groups = new Map<string, { route: FeedRoute; format: 'json' | 'csv'; header?: readonly string[]; files: RedshiftCopyFile[] }>();
  const unknown: string[] = [];
  // Streams read by streaming ingestion are not loaded from files on Redshift.
  const streamed = new Set(input.manifest.nodes.filter((n) => n.streamSource).map((n) => n.name));
  // Nor dimensions read by federated query.
  const federated = new Set(input.manifest.nodes.filter((n) => n.dimensionSource).map((n) => n.name));
  for (const f of [...input.files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const route = routes.get(feedOfFile(f.path));
    if (!route || (route.kind === 'stream' && streamed.has(route.table)) || (route.kind === 'dimension' && federated.has(route.table))) { unknown.push(f.path); continue; }
    const format = f.path.endsWith('.csv') ? 'csv' : 'json';
    // CSV files of one feed share a staging table only when their headers agree.
    const key = `${route.name}.${format}${format === 'csv' ? `.${(f.header ?? []).join(',')}` : ''}`;
    const g = groups.get(key) ?? { route, format, ...(f.header ? { header: f.header } : {}), files: [] };
    g.files.push(f);
    groups.set(key, g);
  }
  const manifests: { key: string; content: string }[] = [];
  const queryGroup = input.queryGroup === undefined ? 'mvkit_load' : input.queryGroup;
  const statements: string[] = [
    ...(queryGroup ? [`SET query_group TO ${lit(queryGroup)};`] : []),
    'CREATE SCHEMA IF NOT EXISTS mvkit;',
    'CREATE TABLE IF NOT EXISTS mvkit.loaded_files (path VARCHAR(1024) NOT NULL, sha256 CHAR(64) NOT NULL, feed VARCHAR(127) NOT NULL, rows_loaded INTEGER NOT NULL DEFAULT 0, rows_rejected INTEGER NOT NULL DEFAULT 0, loaded_at TIMESTAMP NOT NULL DEFAULT GETDATE(), PRIMARY KEY (path));',
    'BEGIN;',
    'LOCK mvkit.loaded_files;',
  ];
  let n = 0;
  for (const g of groups.values()) {
    n++;
    const nn = String(n).padStart(2, '0');
    const stage = `stage_${nn}_${g.route.name}`;
    const cols = stageColumns(g.route, g.header);
    // A CSV header without op (or changed_at) leaves that column NULL: the checks below read it all the same.
    const extra = (g.route.kind === 'dimension' ? DIM_EXTRA : [OP]).filter((e) => !cols.some((c) => c.name === e.name));
    const tableCols = [...cols, ...extra];
    statements.push(`CREATE TEMP TABLE ${stage} (${[...tableCols.map((c) => `${q(c.name)} ${c.type}`), `${FILE_COL} VARCHAR(1024)`].join(', ')});`);
    const format = g.format === 'csv' ? "FORMAT CSV IGNOREHEADER 1 EMPTYASNULL" : "FORMAT JSON 'auto'";
    g.files.forEach((f, i) => {
      const key = `${input.prefix}/_copy/${input.load}/${nn}_${g.route.name}.${String(i + 1).padStart(2, '0')}.${g.format}.manifest`;
      manifests.push({ key, content: `${JSON.stringify({ entries: [{ url: `s3://${input.bucket}/${input.prefix}/${f.path}`, mandatory: true }] }, null, 2)}\n` });
      statements.push(`COPY ${stage} (${cols.map((c) => q(c.name)).join(', ')}) FROM ${lit(`s3://${input.bucket}/${key}`)} IAM_ROLE ${lit(input.iamRole)} MANIFEST ${format} TIMEFORMAT 'auto';`);
      statements.push(`UPDATE ${stage} SET ${FILE_COL} = ${lit(f.path)} WHERE ${FILE_COL} IS NULL;`);
    });
    statements.push(`DELETE FROM ${stage} USING mvkit.loaded_files f WHERE ${stage}.${FILE_COL} = f.path;`);
    const valid = validRow(g.route, tableCols);
    const good = `(SELECT * FROM ${stage} s WHERE ${valid.sql})`;
    const targetCols = g.route.columns.map((c) => q(c.name));
    const t = q(g.route.table);
    if (g.route.kind === 'stream') {
      const d = g.route.discriminator;
      statements.push(`INSERT INTO ${t} (${[...targetCols, ...(d ? [q(d.column)] : [])].join(', ')}) SELECT ${[...targetCols, ...(d ? [lit(d.value)] : [])].join(', ')} FROM ${good};`);
    } else {
      const keys = g.route.key.map(q);
      const on = keys.map((k) => `${t}.${k} = s.${k}`).join(' AND ');
      // The newest record per key: a later file first (files load in path order locally); within a
      // file COPY keeps no line order, so the later changed_at, and a record without one last.
      const newest = `(SELECT *, ROW_NUMBER() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${FILE_COL} DESC, changed_at DESC NULLS LAST) AS rn FROM ${good})`;
      const soft = g.route.softDelete;
      // A kept delete leaves the row and stamps its column (first delete wins), as the local loader does.
      if (soft) statements.push(`DELETE FROM ${t} USING ${newest} AS s WHERE ${on} AND s.rn = 1 AND LOWER(TRIM(s.op)) <> 'delete';`);
      else statements.push(`DELETE FROM ${t} USING ${good} AS s WHERE ${on};`);
      statements.push(`INSERT INTO ${t} (${targetCols.join(', ')}) SELECT ${targetCols.join(', ')} FROM ${newest} AS s WHERE rn = 1 AND LOWER(TRIM(op)) <> 'delete';`);
      if (soft) statements.push(`UPDATE ${t} SET ${q(soft)} = COALESCE(s.changed_at, GETDATE()) FROM ${newest} AS s WHERE ${on} AND s.rn = 1 AND LOWER(TRIM(s.op)) = 'delete' AND ${t}.${q(soft)} IS NULL;`);
    }
    // Each file not loaded before, with its counts (an empty file too: it is loaded, with no rows).
    for (const f of g.files) {
      const count = (cond: string) => `(SELECT COUNT(*) FROM ${stage} s WHERE ${FILE_COL} = ${lit(f.path)} AND ${cond})`;
      statements.push(`INSERT INTO mvkit.loaded_files (path, sha256, feed, rows_loaded, rows_rejected) SELECT ${lit(f.path)}, ${lit(f.sha256)}, ${lit(g.route.name)}, ${count(valid.sql)}, ${count(`NOT COALESCE((${valid.sql}), FALSE)`)} WHERE NOT EXISTS (SELECT 1 FROM mvkit.loaded_files WHERE path = ${lit(f.path)});`);
    }
    // What was rejected, by file, as the local loader reports it (COPY keeps no line numbers).
    statements.push(`SELECT ${lit(g.route.name)} AS feed, ${FILE_COL} AS file, op, ${lit(valid.why)} AS error FROM ${stage} s WHERE NOT COALESCE((${valid.sql}), FALSE) ORDER BY 2;`);
  }
  statements.push('COMMIT;');
  return { manifests, statements: groups.size ? statements : [], unknown };
}
