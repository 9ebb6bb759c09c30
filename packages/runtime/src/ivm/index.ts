/**
 * The local incremental engine: Redshift's deferred incremental refresh of materialized views,
 * on PGlite and native Postgres. See marks.ts for how watermarks stay sound under concurrent
 * writers, delta-sql.ts for the delta rules and programs.ts for how deltas are merged.
 */
export { installEngine, logTable, pgName } from './catalog.ts';
export { captureColumnDdl, nodeDdl } from './node-ddl.ts';
export { createNode, dropNode } from './create-node.ts';
export { refreshNode, refreshAll } from './refresh.ts';
export type { RefreshHooks, RefreshResult, RefreshTrace } from './refresh.ts';
export { verify } from './verify.ts';
export type { VerifyResult } from './verify.ts';
export { consolidatesInput, planNode } from './node-plan.ts';
export type { NodePlan } from './node-plan.ts';
