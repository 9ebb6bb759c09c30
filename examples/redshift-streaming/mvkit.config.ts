import { defineConfig } from '@mvkit/compiler';

export default defineConfig({
  name: 'redshift-streaming',
  requireIncremental: true,
  targets: { local: { engine: 'pglite', dataDir: '.mvkit/pglite' } },
});
