import type { Manifest, TargetName } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import type { RefreshTrace } from '../ivm/refresh.ts';
import type { PlanSql } from '../plan/plan-sql.ts';
import type { Plan, Stage } from '../plan/plan-types.ts';

/**
 * How a refresh ran. The local engines say incremental or full; Redshift's status text can also
 * say the MV was already up to date, a cascade skipped it, it failed, or nothing was recorded.
 */
export type RefreshMode = 'incremental' | 'full' | 'unchanged' | 'skipped' | 'failed' | 'unknown';

/** One node refreshed. `rows`: rows changed when the engine reports it (Redshift does not). */
export interface RefreshOutcome {
  readonly node: string;
  readonly mode: RefreshMode;
  readonly rows: number | null;
  readonly durationMs: number | null;
  readonly detail: string | null;
}

export interface RefreshOptions {
  /** MV names to refresh (already resolved from --select); all MVs when absent. */
  readonly nodes?: readonly string[];
  /** Redshift: REFRESH ... CASCADE on each top-most selected MV instead of each MV in order. */
  readonly cascade?: boolean;
  readonly onProgress?: (done: number, total: number, node: string) => void;
  /** Native Postgres: MVs of independent branches refreshed at once, one connection each. */
  readonly threads?: number;
  /** Local engine: every statement of each refresh with its duration. */
  readonly trace?: RefreshTrace;
}

/** What the engine knows about a node's freshness. */
export interface NodeIntrospection {
  readonly stale: boolean | null;
  /** Engine-specific state (Redshift STV_MV_INFO.state as text), null when none. */
  readonly state: string | null;
  readonly autoRefresh: boolean | null;
  /** Local engine: input rows not yet folded in, when it says so. */
  readonly pendingChanges: number | null;
}

/** A target engine as the deploy commands see it. */
export interface Engine {
  readonly kind: 'pglite' | 'postgres' | 'redshift';
  /** Which emitter's manifest this engine deploys. */
  readonly dialect: TargetName;
  readonly planSql: PlanSql;
  /** Installs what the engine needs before the first apply (state schema is separate). */
  install(db: Db): Promise<void>;
  /** Row counts of the named tables/MVs from table statistics; unknown names are left out. */
  rowCounts(db: Db, names: readonly string[]): Promise<Map<string, number>>;
  /** Whether a stage's effect and its state row commit in one transaction. */
  transactional(stage: Stage): boolean;
  /** Executes one stage's effect (not its state row). */
  runStage(db: Db, stage: Stage, manifest: Manifest): Promise<void>;
  refresh(db: Db, manifest: Manifest, options: RefreshOptions): Promise<RefreshOutcome[]>;
  introspect(db: Db, manifest: Manifest): Promise<Map<string, NodeIntrospection>>;
  /** What the plan's stages mean beyond themselves on this engine, one sentence each. */
  planNotes?(plan: Plan, manifest: Manifest): string[];
}
