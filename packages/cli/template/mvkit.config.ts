import { defineConfig } from '@mvkit/compiler';

export default defineConfig({
  name: 'shop',
  requireIncremental: true,
  landingDir: 'landing',
  defaultTarget: 'local',
  targets: {
    // An embedded Postgres (PGlite) in .mvkit/: nothing to install or start.
    local: { engine: 'pglite', dataDir: '.mvkit/pglite' },
    // postgres: { engine: 'postgres' },  // MVKIT_DATABASE_URL=postgres://...
    // redshift: { engine: 'redshift' },  // MVKIT_DATABASE_URL=redshift://...
  },
});
