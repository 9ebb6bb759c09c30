import type { TargetName } from './emit/dialect.ts';
import type { QueryNode } from './ir/select-node.ts';

export interface ManifestColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

/** Physical attributes. For an MV these are altered in place; they are not in the fingerprint. */
export interface PhysicalAttributes {
  readonly distStyle: 'even' | 'all' | 'key' | 'auto' | null;
  readonly distKey: string | null;
  readonly sortKey: readonly string[];
  readonly autoRefresh: boolean;
  readonly backup: boolean;
}

/** One physical object on the target. Landing and dimension tables, MVs, views. */
export interface ManifestNode {
  readonly name: string;
  readonly kind: 'table' | 'mv' | 'view';
  readonly role: 'stream' | 'landing' | 'dimension' | 'streamJoin' | 'enrichment' | 'aggregate' | 'rollup' | 'sql' | 'view';
  /** The model that declared it (a landing table belongs to its stream join). */
  readonly model: string;
  readonly file: string;
  readonly line: number;
  readonly columns: readonly ManifestColumn[];
  readonly dependsOn: readonly string[];
  /** Hash of the definition and the parents' fingerprints: a change flows down the chain. */
  readonly fingerprint: string;
  /** Unique key: a table's key, an aggregating MV's group columns; null when rows have none. */
  readonly key: readonly string[] | null;
  readonly tenant: string | null;
  readonly eventTime: string | null;
  /** Tables: append-only streams get a sequence, mutable ones a change log. */
  readonly appendOnly: boolean;
  readonly physical: PhysicalAttributes;
  /** MVs and views: the ONE select, as SQL on this target and as a tree (null for tables and SQL views). */
  readonly sql: string | null;
  readonly select: QueryNode | null;
  /** The statements that create it on this target. */
  readonly ddl: readonly string[];
  /** Dimensions declared with `onDelete: { keep }`: the TIMESTAMP column a CDC delete sets instead of deleting the row. */
  readonly softDelete?: string;
  /** Models declared `served: true`: synced into the operational database (absent otherwise). */
  readonly served?: ServedSpec;
}

/** How a served model's rows are kept in the operational database. */
export interface ServedSpec {
  /** The primary key of its operational table. */
  readonly key: readonly string[];
  /** The column its rows are isolated by; null: readable by every tenant. */
  readonly tenant: string | null;
  /** The MV whose change log drives its sync: the model itself, or the MV under a serving view. */
  readonly source: string;
}

/** How the loader routes a stream's events: its table and, for a joined stream, the discriminator. */
export interface ManifestStream {
  readonly name: string;
  readonly table: string;
  readonly discriminator: { readonly column: string; readonly value: string } | null;
  readonly columns: readonly ManifestColumn[];
  readonly key: readonly string[];
  readonly tenant: string;
  readonly eventTime: string;
  /** Present when the model allows events without an event time; otherwise the loader rejects them. */
  readonly eventTimeOptional?: true;
}

export interface Manifest {
  readonly version: 1;
  readonly project: string;
  readonly target: TargetName;
  /** Topological order: every node after the nodes it depends on. */
  readonly nodes: readonly ManifestNode[];
  readonly streams: readonly ManifestStream[];
}
