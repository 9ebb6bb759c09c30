import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { emptyDatabase, runRandomProject } from './run-random.ts';
import { randomSeeds } from './seeds.ts';

// Random projects (PROJECTS × OPS operations each) on PGlite, every MV checked against the
// reference evaluator at each check. MVKIT_ORACLE_SEED=n replays one project; MVKIT_ORACLE_RUNS
// sets how many.
const OPS = 30;

let db: Db;
beforeAll(async () => { db = await openPglite(); });
afterAll(async () => { await db?.close(); });

describe('random projects on PGlite against the reference evaluator', () => {
  it('every MV equals its definition evaluated without SQL, after every full refresh', async () => {
    const covered = new Set<string>();
    const failures: string[] = [];
    let rows = 0;
    for (const seed of randomSeeds(12, 1_000)) {
      try {
        const s = await runRandomProject(async () => db, seed, OPS, { close: emptyDatabase, memberInputs: process.env.MVKIT_ORACLE_MEMBER_INPUTS !== '0' });
        expect(s.checks).toBeGreaterThan(0);
        rows += s.rows;
        for (const f of s.features) covered.add(f);
      } catch (e) {
        failures.push((e as Error).message);
        if (process.env.MVKIT_ORACLE_ALL !== '1') break;
      }
    }
    console.log(`${rows} rows compared; covered: ${[...covered].sort().join(', ')}`);
    expect(failures.join('\n\n')).toBe('');
  });
});
