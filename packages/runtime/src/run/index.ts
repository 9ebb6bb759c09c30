export { runPlatform, PlatformRunner, nodeLevels } from './run-platform.ts';
export type { BatchReport, BatchRefreshOptions, LevelTiming, RunOptions } from './run-platform.ts';
export { freshnessProbe, newestVisible } from './freshness.ts';
export type { FreshnessProbe } from './freshness.ts';
export { deployAndRunBatches, runProjectDemo } from './demo.ts';
export type { BatchRunOptions, DemoOptions, DemoProgress, DemoResult, DemoPreview } from './demo.ts';
