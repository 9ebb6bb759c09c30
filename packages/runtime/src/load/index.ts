export { loadLanding, listLandingFiles, dimensionFeeds, rejectsPathFor } from './load-landing.ts';
export type { LoadSummary, LoadOptions, LoadProgress, FileResult, FileStatus, Reject } from './load-landing.ts';
export { feedRoutes, feedOfFile } from './feeds.ts';
export type { FeedRoute } from './feeds.ts';
export { ensureLoadedFiles } from './loaded-files.ts';
export { normalizeTimestamp } from './coerce-value.ts';
export { redshiftCopyPlan } from './redshift-copy.ts';
export type { RedshiftCopyInput, RedshiftCopyPlan, RedshiftCopyFile } from './redshift-copy.ts';
