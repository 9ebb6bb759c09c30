import type { ManifestColumn, PhysicalAttributes } from '@mvkit/compiler';

export type NodeKind = 'table' | 'mv' | 'view';

/** What a deployed node was built from; stored as JSON in mvkit.deployed_nodes.definition. */
export interface NodeDefinition {
  readonly model: string;
  readonly columns: readonly ManifestColumn[];
  readonly dependsOn: readonly string[];
  readonly key: readonly string[] | null;
  readonly tenant: string | null;
  readonly eventTime: string | null;
  readonly appendOnly: boolean;
  readonly sql: string | null;
  readonly ddl: readonly string[];
}

/** One row of mvkit.deployed_nodes. */
export interface DeployedNode {
  readonly name: string;
  readonly kind: NodeKind;
  readonly role: string;
  readonly fingerprint: string;
  readonly physical: PhysicalAttributes;
  readonly definition: NodeDefinition;
  readonly deployedAt?: string;
}

export interface AttributeChange {
  readonly attribute: 'autoRefresh' | 'distStyle' | 'distKey' | 'sortKey';
  readonly from: string;
  readonly to: string;
}

export interface ColumnRetype {
  readonly column: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The loaded-file records (mvkit.loaded_files) of a landing or dimension table: they go with the
 * table when it is dropped, so that its landing files load again into the table that replaces it.
 */
export interface FileRecords {
  /** The feeds whose files load into the table (a streamJoin landing table: its member streams). */
  readonly feeds: readonly string[];
  /** Files recorded as loaded for those feeds when planned. */
  readonly files: number;
}

/** Why a stage exists. Rendered by the explainer, kept as data in `--json`. */
export type Cause =
  | { readonly kind: 'new' }
  | { readonly kind: 'removed' }
  | { readonly kind: 'definition-changed'; readonly detail: string }
  | { readonly kind: 'upstream-rebuilt'; readonly upstream: string }
  /** `retyped`: columns whose type changes in place (a VARCHAR widened), the rows kept; absent when none. */
  | { readonly kind: 'columns-changed'; readonly added: readonly string[]; readonly dropped: readonly string[]; readonly retyped?: readonly ColumnRetype[] }
  | { readonly kind: 'attributes-changed'; readonly changes: readonly AttributeChange[] }
  /** Nothing to run: the state records a new fingerprint or definition. */
  | { readonly kind: 'state-only'; readonly detail: string };

export type StageAction = 'drop' | 'drop-columns' | 'retype-columns' | 'add-columns' | 'create' | 'alter' | 'record';

/** A side-effect-free description of one step: `plan` renders it, `apply` executes it. */
export interface Stage {
  readonly action: StageAction;
  readonly node: string;
  readonly kind: NodeKind;
  readonly cause: Cause;
  /** Part of a drop-and-recreate of a node that stays in the project. */
  readonly rebuild: boolean;
  /** The statements that run (for the local engine: what its API executes). Empty: state only. */
  readonly sql: readonly string[];
  /** Rows recomputed (rebuilt MV) or lost (dropped table), from table statistics; null when unknown. */
  readonly rows: number | null;
  /** Why this stage loses data; null when it does not. */
  readonly destructive: string | null;
  /** The engine cannot express the change (no DISTKEY on Postgres): only the state records it. */
  readonly recordedOnly: boolean;
  /** The mvkit.deployed_nodes row after this stage; null: the row is deleted. */
  readonly state: DeployedNode | null;
  /**
   * A dropped landing or dimension table: the loaded-file records that apply deletes with it (in
   * the transaction that records the drop). Absent: none (not a table, or the target keeps none).
   */
  readonly fileRecords?: FileRecords;
}

/** One line of the summary: a node and what happens to it. */
export interface NodeChange {
  readonly node: string;
  readonly kind: NodeKind;
  readonly change: 'create' | 'drop' | 'rebuild' | 'alter' | 'columns' | 'record';
  readonly cause: Cause;
  readonly rows: number | null;
  readonly destructive: string | null;
  readonly recordedOnly: boolean;
  /** A dropped or rebuilt landing or dimension table: its landing files recorded as loaded, which load again. */
  readonly fileRecords?: FileRecords;
  /** Indentation under the change it follows from (upstream rebuilt). */
  readonly depth: number;
}

export interface Plan {
  readonly project: string;
  readonly engine: 'pglite' | 'postgres' | 'redshift';
  readonly changes: readonly NodeChange[];
  readonly stages: readonly Stage[];
  readonly destructive: readonly Stage[];
  /** What the engine says about the plan's effects beyond its stages (Redshift: refreshes a change forces to recompute). */
  readonly notes?: readonly string[];
}
