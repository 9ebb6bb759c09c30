import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { startPostgres, type PostgresServer } from './support/postgres-server.ts';
import { ConnectionError } from '../src/errors.ts';

let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 120_000);
afterAll(async () => { await server?.stop(); });

describe('db connections', () => {
  it('PGlite and native Postgres run the same statements and roll back a failed transaction', async () => {
    for (const db of [await openPglite(), await openPostgres(await server.createDatabase('dbtest'))]) {
      await db.exec('CREATE TABLE t (id INT PRIMARY KEY, v TEXT)');
      await db.query('INSERT INTO t VALUES ($1, $2)', [1, 'a']);
      await expect(db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (2, $1)', ['b']);
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect(await db.query('SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 1, v: 'a' }]);
      await db.close();
    }
  });

  it('unqualified tables land in public even when a schema is named like the login (mvkit)', async () => {
    const db = await openPostgres(await server.createDatabase('searchpath'));
    await db.exec('CREATE SCHEMA IF NOT EXISTS mvkit; CREATE TABLE landed (id INT)');
    expect(await db.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'landed'")).toEqual([{ table_schema: 'public' }]);
    await db.close();
  });

  it('a refused connection is a ConnectionError with a hint, and the password is not printed', async () => {
    const err = await openPostgres('postgres://u:secret@127.0.0.1:1/x').catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain('cannot connect to postgres://u:***@127.0.0.1:1/x');
    expect(err.message).not.toContain('secret');
    expect(err.hint).toMatch(/server is running/);
  });
});
