export { runPlatform, PlatformRunner, nodeLevels } from './run-platform.ts';
export type { BatchReport, BatchRefreshOptions, LevelTiming, RunOptions } from './run-platform.ts';
export { freshnessProbe, newestVisible } from './freshness.ts';
export type { FreshnessProbe } from './freshness.ts';
export { runDemo, readDashboard } from './demo.ts';
export type { DemoOptions, DemoProgress, DemoResult, DashboardRow } from './demo.ts';
