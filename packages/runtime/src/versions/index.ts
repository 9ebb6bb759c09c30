/**
 * Blue/green deployment above the incremental engine: versioned physical relations (a derived
 * node's rows live in `<model>__<fingerprint>`), the model's name a view switched in one
 * transaction, rollback, environments and promote. The engine is not changed: it deploys the
 * versioned manifest's nodes as ordinary nodes.
 */
export { physicalName, versionKey, isVersioned, MAX_PHYSICAL_BYTES } from './physical-name.ts';
export { versionManifest } from './versioned-manifest.ts';
export { resolvePhysical, physicalNames, servedManifest, usesBlueGreen } from './served.ts';
export { applyBlueGreen, planBlueGreen, BlueGreenError } from './blue-green.ts';
export type { BlueGreenPlan, BlueGreenOptions, BlueGreenResult, VersionBuild } from './blue-green.ts';
export { rollback, planRollback, promote, planPromote, janitor, planJanitor } from './rollback.ts';
export type { SwitchPlan, JanitorPlan } from './rollback.ts';
export { PRODUCTION } from './version-state.ts';
export { renderBlueGreenPlan, renderSwitchPlan, renderJanitor } from './render.ts';
