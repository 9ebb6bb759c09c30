import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../compiler/src/emit/functions.ts';
import { POSTGRES_RESERVED } from '../../compiler/src/passes/reserved-words.ts';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import type { Db } from '../src/db/db.ts';
import { startPostgres, type PostgresServer } from '../src/testing/postgres-server.ts';

// The compiler's static tables of Postgres facts, checked against the engines themselves.
let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 120_000);
afterAll(async () => { await server?.stop(); });

async function engines(): Promise<[string, Db][]> {
  return [['PGlite', await openPglite()], ['native Postgres', await openPostgres(await server.createDatabase('tables'))]];
}

describe('the compiler\'s tables match the local engines', () => {
  it('the Postgres column of the function table is what pg_proc holds (DECODE aside: Postgres\' decodes binary)', async () => {
    for (const [engine, db] of await engines()) {
      const have = new Set((await db.query<{ proname: string }>('SELECT DISTINCT proname FROM pg_proc')).map((r) => r.proname));
      const wrong = FUNCTIONS.filter((f) => f.name !== 'decode' && f.postgres !== have.has(f.name)).map((f) => f.name);
      expect([engine, wrong]).toEqual([engine, []]);
      await db.close();
    }
  });

  it('the reserved words are the R and T keywords, and each one fails as a column name', async () => {
    for (const [engine, db] of await engines()) {
      const words = (await db.query<{ word: string }>("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T') ORDER BY word")).map((r) => r.word);
      expect([engine, [...POSTGRES_RESERVED].sort()]).toEqual([engine, words]);
      if (engine === 'PGlite') {
        for (const w of words) await expect(db.exec(`CREATE TABLE reserved_check (${w} INT)`), w).rejects.toThrow();
        // A 'C' keyword such as timestamp or values is a valid column name.
        await db.exec('CREATE TABLE reserved_check (timestamp INT, values INT); SELECT timestamp, values FROM reserved_check GROUP BY timestamp, values');
      }
      await db.close();
    }
  });
});
