import { defineConfig } from '@mvkit/compiler';

export default defineConfig({
  name: 'messaging-analytics',
  requireIncremental: true,
  landingDir: 'landing',
  defaultTarget: 'local',
  targets: {
    local: { engine: 'pglite', dataDir: '.mvkit/pglite' },
    postgres: { engine: 'postgres' },
    redshift: { engine: 'redshift' },
  },
});
