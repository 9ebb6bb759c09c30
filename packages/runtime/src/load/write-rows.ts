import type { ManifestColumn } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { q } from './feeds.ts';

const CHUNK = 5000;

function castOf(col: ManifestColumn): string {
  // Character types take the text as is (an assignment cast checks the length); others convert explicitly.
  return /^(VARCHAR|CHAR|CHARACTER|TEXT)/i.test(col.type) ? '' : `::${col.type}`;
}

/** `unnest($1::text[], ...) AS u(c0, ...)`: one parameter per column, whatever the number of rows. */
function unnestFrom(n: number): string {
  return `unnest(${Array.from({ length: n }, (_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${Array.from({ length: n }, (_, i) => `c${i}`).join(', ')})`;
}

function columnsOf(rows: readonly (readonly (string | null)[])[], n: number): (string | null)[][] {
  const cols: (string | null)[][] = Array.from({ length: n }, () => []);
  for (const r of rows) for (let i = 0; i < n; i++) (cols[i] as (string | null)[]).push(r[i] ?? null);
  return cols;
}

/** Multi-row INSERTs (plain INSERT, so the engine's change capture sees them), in chunks. */
export async function insertRows(db: Db, table: string, columns: readonly ManifestColumn[], rows: readonly (readonly (string | null)[])[]): Promise<void> {
  const select = columns.map((c, i) => `u.c${i}${castOf(c)}`).join(', ');
  const sql = `INSERT INTO ${q(table)} (${columns.map((c) => q(c.name)).join(', ')}) SELECT ${select} FROM ${unnestFrom(columns.length)}`;
  for (let i = 0; i < rows.length; i += CHUNK) await db.query(sql, columnsOf(rows.slice(i, i + CHUNK), columns.length));
}

/** Deletes rows by key: `rows` hold the key values in the order of `key`. */
export async function deleteByKey(db: Db, table: string, key: readonly ManifestColumn[], rows: readonly (readonly (string | null)[])[]): Promise<void> {
  const on = key.map((c, i) => `t.${q(c.name)} = u.c${i}${castOf(c)}`).join(' AND ');
  const sql = `DELETE FROM ${q(table)} AS t USING ${unnestFrom(key.length)} WHERE ${on}`;
  for (let i = 0; i < rows.length; i += CHUNK) await db.query(sql, columnsOf(rows.slice(i, i + CHUNK), key.length));
}

/**
 * Soft deletes: sets `column` of the rows with these keys to the change time (the row's last value, NULL for
 * the transaction's time), keeping the first time of rows already marked. `rows` hold the key values, then the time.
 */
export async function markDeletedByKey(db: Db, table: string, key: readonly ManifestColumn[], column: string, rows: readonly (readonly (string | null)[])[]): Promise<void> {
  const on = key.map((c, i) => `t.${q(c.name)} = u.c${i}${castOf(c)}`).join(' AND ');
  const sql = `UPDATE ${q(table)} AS t SET ${q(column)} = COALESCE(u.c${key.length}::TIMESTAMP, (now() AT TIME ZONE 'UTC')) FROM ${unnestFrom(key.length + 1)} WHERE ${on} AND t.${q(column)} IS NULL`;
  for (let i = 0; i < rows.length; i += CHUNK) await db.query(sql, columnsOf(rows.slice(i, i + CHUNK), key.length + 1));
}

/**
 * Upserts full rows by key with a plain UPDATE (only rows that change, so no empty change-log churn) and a
 * plain INSERT of the missing keys. `columns` start with the key columns.
 */
export async function upsertByKey(db: Db, table: string, columns: readonly ManifestColumn[], keyCount: number, rows: readonly (readonly (string | null)[])[]): Promise<void> {
  const on = columns.slice(0, keyCount).map((c, i) => `t.${q(c.name)} = u.c${i}${castOf(c)}`).join(' AND ');
  const rest = columns.slice(keyCount).map((c, j) => ({ c, i: j + keyCount }));
  const update = rest.length
    ? `UPDATE ${q(table)} AS t SET ${rest.map(({ c, i }) => `${q(c.name)} = u.c${i}${castOf(c)}`).join(', ')} FROM ${unnestFrom(columns.length)} WHERE ${on} AND (${rest.map(({ c, i }) => `t.${q(c.name)} IS DISTINCT FROM u.c${i}${castOf(c)}`).join(' OR ')})`
    : undefined;
  const insert = `INSERT INTO ${q(table)} (${columns.map((c) => q(c.name)).join(', ')}) SELECT ${columns.map((c, i) => `u.c${i}${castOf(c)}`).join(', ')} FROM ${unnestFrom(columns.length)} WHERE NOT EXISTS (SELECT 1 FROM ${q(table)} AS t WHERE ${on})`;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const params = columnsOf(rows.slice(i, i + CHUNK), columns.length);
    if (update) await db.query(update, params);
    await db.query(insert, params);
  }
}
