/** The messaging platform's own tooling: its realistic traffic generator and its demo. */
export { generateSample, writeSample, SAMPLE_DEFAULTS } from './generate-sample.ts';
export type { GenerateSampleOptions, SampleSummary } from './generate-sample.ts';
export { SampleGenerator, FEEDS, iso } from './sample-generator.ts';
export type { CdcRecord, Feed, StreamFeed, DimensionFeed } from './sample-generator.ts';
export { writeBatch, batchName, toCsv, toNdjson, formatFor, SampleError } from './cdc-files.ts';
export type { CdcBatch, SampleFormat, FileFormat } from './cdc-files.ts';
export { CHANNELS, CHANNEL_PROFILES } from './catalog.ts';
export { runDemo, readDashboard } from './run-demo.ts';
export type { DemoOptions, DemoProgress, DemoResult, DashboardRow } from './run-demo.ts';
