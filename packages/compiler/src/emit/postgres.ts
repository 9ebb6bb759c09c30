import type { ManifestColumn } from '../manifest.ts';

/**
 * Postgres DDL of the declared relations. The local incremental engine adds the change
 * capture (sequences, change logs, watermarks) and stores each MV as a table it maintains.
 */
export function postgresCreateTable(name: string, columns: readonly ManifestColumn[], primaryKey: readonly string[] | null): string {
  const cols = columns.map((c) => `  ${c.name} ${c.type}${c.nullable ? '' : ' NOT NULL'}`);
  if (primaryKey?.length) cols.push(`  PRIMARY KEY (${primaryKey.join(', ')})`);
  return [`CREATE TABLE ${name} (`, cols.join(',\n'), `);`].join('\n');
}

export function postgresCreateMvTable(name: string, columns: readonly ManifestColumn[], key: readonly string[] | null): string[] {
  const stmts = [postgresCreateTable(name, columns.map((c) => ({ ...c, nullable: true })), null)];
  // MV columns are nullable (a group key may be NULL); NULLS NOT DISTINCT (PG >= 15) keeps one row per key anyway.
  if (key?.length) stmts.push(`CREATE UNIQUE INDEX ${name}__key ON ${name} (${key.join(', ')}) NULLS NOT DISTINCT;`);
  return stmts;
}

export function postgresCreateView(name: string, sql: string): string {
  return `CREATE VIEW ${name} AS\n${sql};`;
}
