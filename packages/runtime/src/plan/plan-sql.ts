import type { Manifest, ManifestColumn, ManifestNode } from '@mvkit/compiler';
import { primaryKeyOf } from '@mvkit/compiler';
import type { AttributeChange, ColumnRetype, DeployedNode } from './plan-types.ts';

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
  /** Whether a column of a deployed table changes type in place, its rows kept; otherwise the table is recreated. */
  retypesInPlace(table: ManifestNode, change: ColumnRetype): boolean;
  retypeColumns(table: ManifestNode, changes: readonly ColumnRetype[], manifest: Manifest): string[];
  /** What a column retyped in place makes unusable among the nodes built directly on the table: they are rebuilt. */
  readonly retypeRebuilds: 'all' | 'views';
}

const varcharLength = (type: string): number | null => {
  const m = /^VARCHAR\((\d+)\)$/i.exec(type.trim());
  return m ? Number(m[1]) : null;
};

/**
 * A longer VARCHAR: the one type change both Postgres (no rewrite: every VARCHAR(n) value is a
 * valid VARCHAR(m), m > n) and Redshift do in place. Other changes (INTEGER → BIGINT, narrowing,
 * CHAR) Redshift cannot alter, so the plan keeps them a recreate on every engine.
 */
export function widensVarchar(change: ColumnRetype): boolean {
  const from = varcharLength(change.from);
  const to = varcharLength(change.to);
  return from !== null && to !== null && to > from;
}

const retypeColumns = (table: ManifestNode, changes: readonly ColumnRetype[]) =>
  changes.map((c) => `ALTER TABLE ${table.name} ALTER COLUMN ${c.column} TYPE ${c.to};`);

/** The columns of the table's PRIMARY KEY constraint, as the compiler declares it. */
function primaryKeyColumns(table: ManifestNode): readonly string[] {
  return primaryKeyOf(table) ?? [];
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
  /*
   * ALTER TABLE ... ALTER COLUMN ... TYPE on Redshift changes only the size of a VARCHAR column,
   * and refuses (among others) a column in a PRIMARY KEY, UNIQUE or FOREIGN KEY constraint and a
   * statement inside a transaction block (the engine runs it alone):
   * https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ALTER COLUMN column_name
   * TYPE updated_varchar_data_type_size). A dimension's key columns are its PRIMARY KEY: a longer
   * key recreates the table. The page also refuses a column encoded BYTEDICT, RUNLENGTH, TEXT255 or
   * TEXT32K, which ENCODE AUTO may choose and the plan cannot see: apply then stops on that
   * statement, which changed nothing.
   */
  retypesInPlace: (table, change) => widensVarchar(change) && !primaryKeyColumns(table).includes(change.column),
  retypeColumns,
  /*
   * After a column type change every MV on the table is unrefreshable, even one that does not
   * read the column (STV_MV_INFO state 102, "This constraint applies even if the column isn't used
   * in the materialized view": https://docs.aws.amazon.com/redshift/latest/dg/r_STV_MV_INFO.html):
   * all of them are rebuilt, as for a dropped column.
   */
  retypeRebuilds: 'all',
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
    retypesInPlace: (_table, change) => widensVarchar(change),
    retypeColumns,
    // The engine's MVs are tables of their own and keep working; a view cannot stay on a column
    // whose type changes (Postgres refuses the ALTER): it is dropped and recreated around it.
    retypeRebuilds: 'views',
  };
}
