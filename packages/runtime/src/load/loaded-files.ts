import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import type { DeployedNode, FileRecords } from '../plan/plan-types.ts';
import { q } from './feeds.ts';

/**
 * The loader's own state: one row per loaded file, written in the same transaction as the file's rows.
 * A file is identified by its path relative to the landing directory; its sha256 tells whether the file
 * changed after it loaded. `table_name` (added later: NULL on older rows) is the table it loaded into, so
 * that the records of a dropped table can be found when its model is gone from the project.
 */
export const LOADED_FILES_DDL = `CREATE SCHEMA IF NOT EXISTS mvkit;
CREATE TABLE IF NOT EXISTS mvkit.loaded_files (
  path TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  feed TEXT NOT NULL,
  rows_loaded INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  loaded_at TIMESTAMPTZ NOT NULL DEFAULT now()
,
  table_name TEXT
);`;

export async function ensureLoadedFiles(db: Db): Promise<void> {
  try {
    await db.exec(LOADED_FILES_DDL);
  } catch (e) {
    // Two loaders creating the schema at once: one loses the race on the catalog; the second try sees it.
    if ((e as { code?: string }).code !== '23505') throw e;
    await db.exec(LOADED_FILES_DDL);
  }
  // A table made by an older mvkit: the column is added once (an ALTER on every load would queue behind
  // every other loader's open transaction).
  if (!(await loadedFilesColumns(db)).has('table_name')) await db.exec('ALTER TABLE mvkit.loaded_files ADD COLUMN IF NOT EXISTS table_name TEXT');
}

export interface LoadedFile {
  readonly path: string;
  readonly sha256: string;
}

/** The record of the file at `path`, if it was loaded. */
export async function findLoaded(db: Db, path: string): Promise<LoadedFile | undefined> {
  const rows = await db.query<LoadedFile>('SELECT path, sha256 FROM mvkit.loaded_files WHERE path = $1', [path]);
  return rows[0];
}

/**
 * Claims the file inside the caller's transaction. False when another loader has it: the primary key makes
 * a concurrent claim wait for the first transaction and then find the row.
 */
export async function claimFile(tx: Db, path: string, sha256: string, feed: string, table: string): Promise<boolean> {
  const rows = await tx.query('INSERT INTO mvkit.loaded_files (path, sha256, feed, table_name) VALUES ($1, $2, $3, $4) ON CONFLICT (path) DO NOTHING RETURNING path', [path, sha256, feed, table]);
  return rows.length === 1;
}

export async function recordCounts(tx: Db, path: string, loaded: number, rejected: number): Promise<void> {
  await tx.query('UPDATE mvkit.loaded_files SET rows_loaded = $2, rows_rejected = $3 WHERE path = $1', [path, loaded, rejected]);
}

/**
 * The feeds whose files load into a deployed table: the streams of the project landing in it (a
 * streamJoin's landing table holds its member streams), else the table's own name (a dimension, or a
 * stream whose model is gone: a plain stream's table is named after it; the files of a removed
 * streamJoin's members are found by the table they loaded into, see fileRecordsOf).
 */
export function feedsOfTable(manifest: Manifest, table: Pick<DeployedNode, 'name'>): string[] {
  const streams = manifest.streams.filter((s) => s.table === table.name).map((s) => s.name);
  return streams.length ? streams : [table.name];
}

async function loadedFilesColumns(db: Db): Promise<Set<string>> {
  const rows = await db.query<{ name: string }>("SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'mvkit' AND table_name = 'loaded_files'");
  return new Set(rows.map((r) => r.name));
}

/**
 * Per table, its files recorded as loaded (the feeds given, and any file recorded as loaded into the
 * table by name). Null when the target has no mvkit.loaded_files: nothing was ever loaded there.
 */
export async function fileRecordsOf(db: Db, tables: readonly { readonly table: string; readonly feeds: readonly string[] }[]): Promise<Map<string, FileRecords> | null> {
  const columns = await loadedFilesColumns(db);
  if (!columns.has('feed')) return null;
  const byTable = columns.has('table_name');
  // Redshift's COPY path keeps the table without table_name.
  const rows = await db.query<{ feed: string; table_name?: string | null; n: number | string }>(
    byTable ? 'SELECT feed, table_name, COUNT(*) AS n FROM mvkit.loaded_files GROUP BY feed, table_name' : 'SELECT feed, COUNT(*) AS n FROM mvkit.loaded_files GROUP BY feed',
  );
  const out = new Map<string, FileRecords>();
  for (const t of tables) {
    const mine = rows.filter((r) => t.feeds.includes(r.feed) || (r.table_name ?? null) === t.table);
    const feeds = [...new Set([...t.feeds, ...mine.map((r) => r.feed)])].sort();
    out.set(t.table, { feeds, files: mine.reduce((s, r) => s + Number(r.n), 0) });
  }
  return out;
}

/**
 * Deletes the records of files of these feeds, in the caller's transaction (the one that records a
 * table dropped): the files load again into the table that replaces it. Statements both Postgres and
 * Redshift (whose COPY path keeps the same table) run.
 */
export async function forgetFiles(tx: Db, feeds: readonly string[]): Promise<void> {
  if (!feeds.length) return;
  await tx.query(`DELETE FROM mvkit.loaded_files WHERE feed IN (${feeds.map((_, i) => `$${i + 1}`).join(', ')})`, [...feeds]);
}

/** A table the loader writes into that has no rows although files of its feeds are recorded as loaded with rows. */
export interface StrandedTable {
  readonly table: string;
  readonly feeds: readonly string[];
  readonly files: number;
  readonly rows: number;
}

/**
 * Tables left empty under their loaded-file records: dropped and recreated (or emptied by hand) after
 * the files loaded, by a version of mvkit that kept the records, so `load` would skip those files forever.
 */
export async function strandedTables(db: Db, tables: readonly { readonly table: string; readonly feeds: readonly string[] }[]): Promise<StrandedTable[]> {
  const out: StrandedTable[] = [];
  for (const t of tables) {
    const [any] = await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM (SELECT 1 FROM ${q(t.table)} LIMIT 1) AS x`);
    if (Number(any?.n ?? 0) > 0) continue;
    const [rec] = await db.query<{ files: number | string; rows: number | string | null }>(
      'SELECT COUNT(*) AS files, SUM(rows_loaded) AS rows FROM mvkit.loaded_files WHERE feed = ANY($1::text[]) AND rows_loaded > 0',
      [[...t.feeds]],
    );
    if (Number(rec?.files ?? 0) > 0) out.push({ table: t.table, feeds: t.feeds, files: Number(rec!.files), rows: Number(rec!.rows ?? 0) });
  }
  return out;
}
