import type { Db } from '../db/db.ts';

/** The loader's own state: one row per loaded file, written in the same transaction as the file's rows. */
export const LOADED_FILES_DDL = `CREATE SCHEMA IF NOT EXISTS mvkit;
CREATE TABLE IF NOT EXISTS mvkit.loaded_files (
  path TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  feed TEXT NOT NULL,
  rows_loaded INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  loaded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS loaded_files_sha256 ON mvkit.loaded_files (sha256);`;

export async function ensureLoadedFiles(db: Db): Promise<void> {
  try {
    await db.exec(LOADED_FILES_DDL);
  } catch (e) {
    // Two loaders creating the schema at once: one loses the race on the catalog; the second try sees it.
    if ((e as { code?: string }).code !== '23505') throw e;
    await db.exec(LOADED_FILES_DDL);
  }
}

export interface LoadedFile {
  readonly path: string;
  readonly sha256: string;
}

export async function findLoaded(db: Db, path: string, sha256: string): Promise<LoadedFile[]> {
  return db.query<LoadedFile>('SELECT path, sha256 FROM mvkit.loaded_files WHERE path = $1 OR sha256 = $2 ORDER BY path', [path, sha256]);
}

/**
 * Claims the file inside the caller's transaction. False when another loader has it: the primary key makes
 * a concurrent claim wait for the first transaction and then find the row.
 */
export async function claimFile(tx: Db, path: string, sha256: string, feed: string): Promise<boolean> {
  const rows = await tx.query('INSERT INTO mvkit.loaded_files (path, sha256, feed) VALUES ($1, $2, $3) ON CONFLICT (path) DO NOTHING RETURNING path', [path, sha256, feed]);
  return rows.length === 1;
}

export async function recordCounts(tx: Db, path: string, loaded: number, rejected: number): Promise<void> {
  await tx.query('UPDATE mvkit.loaded_files SET rows_loaded = $2, rows_rejected = $3 WHERE path = $1', [path, loaded, rejected]);
}
