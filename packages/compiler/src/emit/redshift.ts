import type { ManifestColumn, ManifestNode, PhysicalAttributes } from '../manifest.ts';

/** Redshift DDL. Names are validated lower-case identifiers, so nothing needs quoting. */
export function redshiftCreateTable(name: string, columns: readonly ManifestColumn[], p: PhysicalAttributes | null, primaryKey: readonly string[] | null): string {
  const cols = columns.map((c) => `  ${c.name} ${c.type}${c.nullable ? '' : ' NOT NULL'}`);
  // Informational only on Redshift, but the planner uses it.
  if (primaryKey?.length) cols.push(`  PRIMARY KEY (${primaryKey.join(', ')})`);
  return [`CREATE TABLE ${name} (`, cols.join(',\n'), `)`, ...tableAttributes(p), 'ENCODE AUTO;'].join('\n');
}

function tableAttributes(p: PhysicalAttributes | null): string[] {
  const out: string[] = [];
  if (!p) return out;
  if (p.distStyle) out.push(`DISTSTYLE ${p.distStyle.toUpperCase()}`);
  if (p.distKey) out.push(`DISTKEY (${p.distKey})`);
  if (p.sortKey.length) out.push(`COMPOUND SORTKEY (${p.sortKey.join(', ')})`);
  return out;
}

/** BACKUP NO is ignored on RA3, RG and Serverless (CREATE TABLE page): those back everything up. */
export function redshiftCreateMv(name: string, sql: string, physical: PhysicalAttributes | null): string {
  const p = physical ?? { distStyle: null, distKey: null, sortKey: [], autoRefresh: false, backup: true };
  const head = [`CREATE MATERIALIZED VIEW ${name}`, `BACKUP ${p.backup ? 'YES' : 'NO'}`];
  if (p.distStyle && p.distStyle !== 'key' && p.distStyle !== 'auto') head.push(`DISTSTYLE ${p.distStyle.toUpperCase()}`);
  if (p.distKey) head.push(`DISTKEY (${p.distKey})`);
  if (p.sortKey.length) head.push(`SORTKEY (${p.sortKey.join(', ')})`);
  head.push(`AUTO REFRESH ${p.autoRefresh ? 'YES' : 'NO'}`);
  return `${head.join('\n')}\nAS\n${sql};`;
}

export function redshiftCreateView(name: string, sql: string): string {
  return `CREATE VIEW ${name} AS\n${sql};`;
}

/** REFRESH every MV in topological order (RESTRICT refreshes only the named MV). */
export function redshiftRefreshOrder(nodes: readonly ManifestNode[]): string[] {
  return nodes.filter((n) => n.kind === 'mv').map((n) => `REFRESH MATERIALIZED VIEW ${n.name};`);
}
