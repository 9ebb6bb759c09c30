import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.ts';
import { startPostgres, type PostgresServer } from '../../src/testing/postgres-server.ts';
import { runRandomProject } from './run-random.ts';
import { randomSeeds } from './seeds.ts';

let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); });
afterAll(async () => { await server?.stop(); });

describe('random projects on native Postgres against the reference evaluator', () => {
  it('every MV equals its definition evaluated without SQL, after every full refresh', async () => {
    const failures: string[] = [];
    let rows = 0;
    for (const seed of randomSeeds(12, 2_000)) {
      try {
        const s = await runRandomProject(async () => openPostgres(await server.createDatabase(`oracle_${seed}`)), seed, 30, { memberInputs: process.env.MVKIT_ORACLE_MEMBER_INPUTS !== '0' });
        expect(s.checks).toBeGreaterThan(0);
        rows += s.rows;
      } catch (e) {
        failures.push((e as Error).message);
        if (process.env.MVKIT_ORACLE_ALL !== '1') break;
      }
    }
    expect(rows).toBeGreaterThan(0);
    expect(failures.join('\n\n')).toBe('');
  });
});
