import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Db } from '../db/db.ts';
import { wrapPglite } from '../db/pglite.ts';

/**
 * An in-memory PGlite for a test run. A fresh one runs initdb, the bulk of its start (seconds,
 * more on a busy machine); the data directory initdb leaves is kept at `cacheFile` after the first
 * run and loaded by the next ones, which starts several times faster. A cache that does not load
 * (another PGlite version) is made again.
 */
export async function openTestEngine(cacheFile: string): Promise<Db> {
  if (existsSync(cacheFile)) {
    try {
      return wrapPglite(await PGlite.create({ loadDataDir: new Blob([readFileSync(cacheFile)]) }));
    } catch {
      // Rebuilt below.
    }
  }
  const pg = await PGlite.create();
  try {
    const dump = await pg.dumpDataDir('gzip');
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(cacheFile, Buffer.from(await dump.arrayBuffer()));
  } catch {
    // Only a cache: the next run starts fresh again.
  }
  return wrapPglite(pg);
}
