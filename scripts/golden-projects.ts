import { join } from 'node:path';

/** Projects whose compiled output is committed under <project>/expected/<target>/. */
export const GOLDEN_PROJECTS = ['.', 'examples/quickstart'];
export const GOLDEN_TARGETS = ['redshift'] as const;
export const repoRoot = join(import.meta.dirname, '..');
