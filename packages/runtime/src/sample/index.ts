export { projectShape } from './project-shape.ts';
export type { ProjectShape, ShapeDimension, ShapeSource, ShapeStream, ShapeReference } from './project-shape.ts';
export { generateProjectSample, PROJECT_SAMPLE_DEFAULTS } from './project-sample.ts';
export type { ProjectBatch, ProjectRecord, ProjectSampleOptions } from './project-sample.ts';
export { writeProjectBatches } from './project-files.ts';
export type { ProjectSampleSummary } from './project-files.ts';
export { batchName, SampleError } from './batch-names.ts';
export { Prng, hash32 } from './prng.ts';
