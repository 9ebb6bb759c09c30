import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { runRandomProject } from './run-random.ts';
import { opsPerProject, randomSeeds, runOptions } from './seeds.ts';

// 16 random projects × 30 operations each (seeds 2000–2015) on native Postgres, a new database
// per project, refreshes running independent branches at once: every MV and view checked
// against the reference evaluator at each check (about 4 per project), ~1 minute on a 2-core
// machine. MVKIT_ORACLE_SEED / _RUNS / _OPS as in the PGlite test.

let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); });
afterAll(async () => { await server?.stop(); });

describe('random projects on native Postgres against the reference evaluator', () => {
  let compared = 0;
  // One test per project: a failure names its seed, and every project runs.
  it.each(randomSeeds(16, 2000))('project of seed %i: every MV and view equals its definition evaluated without SQL, after every full refresh', async (seed) => {
    const s = await runRandomProject(async () => openPostgres(await server.createDatabase(`oracle_${seed}`)), seed, opsPerProject(30), runOptions());
    expect(s.checks).toBeGreaterThan(0);
    compared += s.rows;
  });

  it('compared stored rows with the oracle\'s (not only empty MVs)', () => {
    expect(compared).toBeGreaterThan(0);
  });
});
