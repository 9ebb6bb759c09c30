import type { Manifest, ManifestColumn, ManifestNode } from '@mvkit/compiler';
import type { AttributeChange, DeployedNode } from './plan-types.ts';

/** The statements of each kind of stage on one engine. Pure: the plan calls it, nothing runs. */
export interface PlanSql {
  readonly engine: 'pglite' | 'postgres' | 'redshift';
  /** Redshift alters DISTKEY/SORTKEY/AUTO REFRESH in place; Postgres has none of them. */
  readonly altersInPlace: boolean;
  create(node: ManifestNode, manifest: Manifest): string[];
  drop(node: DeployedNode): string[];
  alter(node: ManifestNode, changes: readonly AttributeChange[]): string[];
  addColumns(table: ManifestNode, columns: readonly ManifestColumn[], manifest: Manifest): string[];
  dropColumns(table: ManifestNode, columns: readonly string[], manifest: Manifest): string[];
}

const addColumns = (table: ManifestNode, columns: readonly ManifestColumn[]) =>
  columns.map((c) => `ALTER TABLE ${table.name} ADD COLUMN ${c.name} ${c.type};`);
const dropColumns = (table: ManifestNode, columns: readonly string[]) =>
  columns.map((c) => `ALTER TABLE ${table.name} DROP COLUMN ${c};`);

export const redshiftPlanSql: PlanSql = {
  engine: 'redshift',
  altersInPlace: true,
  create: (node) => [...node.ddl],
  drop: (node) => [`DROP ${node.kind === 'mv' ? 'MATERIALIZED VIEW' : node.kind === 'view' ? 'VIEW' : 'TABLE'} ${node.name};`],
  alter(node, changes) {
    const target = node.kind === 'mv' ? `ALTER MATERIALIZED VIEW ${node.name}` : `ALTER TABLE ${node.name}`;
    const out: string[] = [];
    const p = node.physical;
    if (changes.some((c) => c.attribute === 'distStyle' || c.attribute === 'distKey')) {
      if (p.distKey) out.push(`${target} ALTER DISTSTYLE KEY DISTKEY ${p.distKey};`);
      else out.push(`${target} ALTER DISTSTYLE ${(p.distStyle ?? 'auto').toUpperCase()};`);
    }
    if (changes.some((c) => c.attribute === 'sortKey')) {
      if (!p.sortKey.length) out.push(`${target} ALTER SORTKEY NONE;`);
      else out.push(`${target} ALTER ${node.kind === 'table' ? 'COMPOUND ' : ''}SORTKEY (${p.sortKey.join(', ')});`);
    }
    if (node.kind === 'mv' && changes.some((c) => c.attribute === 'autoRefresh')) {
      out.push(`${target} AUTO REFRESH ${p.autoRefresh ? 'YES' : 'NO'};`);
    }
    return out;
  },
  addColumns,
  dropColumns,
};

/**
 * Local engines (PGlite, Postgres): `create` shows what the incremental engine installs
 * (its `nodeDdl` when given, else the node's own DDL); physical attributes are recorded only.
 */
export function localPlanSql(engine: 'pglite' | 'postgres', nodeDdl?: (manifest: Manifest, node: ManifestNode) => string[]): PlanSql {
  return {
    engine,
    altersInPlace: false,
    create: (node, manifest) => (nodeDdl ? nodeDdl(manifest, node) : [...node.ddl]),
    drop: (node) => [`DROP ${node.kind === 'view' ? 'VIEW' : 'TABLE'} ${node.name};`],
    alter: () => [],
    addColumns,
    dropColumns,
  };
}
