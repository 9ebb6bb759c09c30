import { createHash } from 'node:crypto';

/**
 * Session temp tables that a refresh fills and its COMMIT empties (ON COMMIT DELETE ROWS),
 * created once per session and definition instead of created and dropped in every refresh:
 * creating a temp table writes the catalogs (pg_class, pg_type, pg_attribute, ...) and dropping
 * it at commit deletes those rows again, about 1.5 ms per table; refilling one costs a fraction.
 * The name carries a hash of everything its column types derive from, so a changed definition
 * gets a table of its own. A rolled-back refresh leaves the table empty (or, if it was created
 * in that transaction, absent; IF NOT EXISTS creates it again).
 */
export function tempName(role: string, owner: string, definition: unknown): string {
  const h = createHash('sha1').update(JSON.stringify([role, owner, definition])).digest('hex').slice(0, 12);
  return `_ivm_${role}_${h}`;
}

/** Creates the table from the SELECT's shape unless it exists, then fills it from the SELECT. */
export function fillTemp(name: string, select: string): string[] {
  return [`CREATE TEMP TABLE IF NOT EXISTS ${name} ON COMMIT DELETE ROWS AS ${select}\nWITH NO DATA`, `INSERT INTO ${name}\n${select}`];
}

/** A table with the columns of `relation`, created unless it exists. */
export function likeTemp(name: string, relation: string): string {
  return `CREATE TEMP TABLE IF NOT EXISTS ${name} (LIKE ${relation}) ON COMMIT DELETE ROWS`;
}
