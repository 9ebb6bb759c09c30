/** The operational serving layer: see CONTRACT.md for what `mvkit serve` relies on. */
export { openOperational, resolveOperational, DEFAULT_APP_ROLE } from './operational.ts';
export type { OperationalTarget } from './operational.ts';
export { applyOperational, deployOperational, planOperational, renderOperationalPlan } from './operational-plan.ts';
export type { OperationalStage } from './operational-plan.ts';
export { servedSources, syncServed, syncConsumer, SyncError, unregisterSync } from './sync.ts';
export type { SyncOptions, SyncResult } from './sync.ts';
export { issueTenantToken, revokeTenantTokens } from './tokens.ts';
export { servedNodes } from '@mvkit/compiler';
