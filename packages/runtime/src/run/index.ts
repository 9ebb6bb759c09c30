export { runPlatform, PlatformRunner } from './run-platform.ts';
export type { BatchReport, LevelTiming, RunOptions } from './run-platform.ts';
export { platformEngine, nodeLevels } from './platform-engine.ts';
export type { PlatformEngine, RefreshResult } from './platform-engine.ts';
export { freshnessProbe, newestVisible } from './freshness.ts';
export type { FreshnessProbe } from './freshness.ts';
export { runDemo, readDashboard } from './demo.ts';
export type { DemoOptions, DemoProgress, DemoResult, DashboardRow } from './demo.ts';
