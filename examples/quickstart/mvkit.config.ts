import { defineConfig } from '@mvkit/compiler';

export default defineConfig({
  name: 'quickstart',
  requireIncremental: true,
  targets: { local: { engine: 'pglite', dataDir: '.mvkit/pglite' } },
});
