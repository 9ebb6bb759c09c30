import type { DimensionSource } from '../dsl/dimension-source.ts';
import type { ManifestNode } from '../manifest.ts';

/*
 * A dimension read from Aurora PostgreSQL by federated query: an external schema FROM POSTGRES and a
 * materialized view that copies the table's declared columns into Redshift (DISTSTYLE ALL, as a
 * dimension table), AUTO REFRESH NO since CREATE refuses AUTO REFRESH on an external schema; mvkit
 * refresh refreshes it before the MVs that join it.
 * - CREATE EXTERNAL SCHEMA ... FROM POSTGRES: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_EXTERNAL_SCHEMA.html
 * - Federated query: https://docs.aws.amazon.com/redshift/latest/dg/federated-overview.html
 * - MVs on federated tables, no AUTO REFRESH on external schemas: https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-create-sql-command.html
 */

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

export const federatedSchemaOf = (dimension: string) => `${dimension}_source`;

export function redshiftFederatedSelect(name: string, columns: readonly { name: string }[], source: DimensionSource): string {
  return `SELECT ${columns.map((c) => c.name).join(', ')}\nFROM ${federatedSchemaOf(name)}.${ident(source.postgres.table ?? name)}`;
}

export function redshiftFederatedDdl(node: ManifestNode & { readonly dimensionSource: DimensionSource }): string[] {
  const p = node.dimensionSource.postgres;
  const schema = [
    `CREATE EXTERNAL SCHEMA IF NOT EXISTS ${federatedSchemaOf(node.name)}`,
    `FROM POSTGRES DATABASE ${lit(p.database)} SCHEMA ${lit(p.schema ?? 'public')}`,
    `URI ${lit(p.uri)} PORT ${p.port ?? 5432}`,
    `IAM_ROLE ${p.iamRole === 'default' ? 'default' : lit(p.iamRole)}`,
    `SECRET_ARN ${lit(p.secretArn)};`,
  ].join('\n');
  const ph = node.physical;
  const head = [`CREATE MATERIALIZED VIEW ${node.name}`];
  if (ph.distStyle === 'all' || ph.distStyle === 'even') head.push(`DISTSTYLE ${ph.distStyle.toUpperCase()}`);
  if (ph.distKey) head.push(`DISTKEY (${ph.distKey})`);
  if (ph.sortKey.length) head.push(`SORTKEY (${ph.sortKey.join(', ')})`);
  head.push('AUTO REFRESH NO');
  return [schema, `${head.join('\n')}\nAS\n${node.sql};`];
}
