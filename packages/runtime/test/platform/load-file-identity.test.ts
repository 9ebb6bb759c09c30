import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { LoadError } from '../../src/errors.ts';
import { loadLanding } from '../../src/load/index.ts';
import { startPostgres, type PostgresServer } from '../../src/testing/postgres-server.ts';
import { createTables, platformManifest, tempDir } from './helpers.ts';

/**
 * A landing file is identified by its path relative to the landing directory: change data repeats
 * itself, so the same bytes under a new path are a new file.
 */
let server: PostgresServer;
let manifest: Manifest;
let dbCount = 0;
beforeAll(async () => {
  [server, manifest] = await Promise.all([startPostgres(), platformManifest()]);
}, 180_000);
afterAll(async () => { await server?.stop(); });

const ENGINES = {
  pglite: async () => openPglite(),
  postgres: async () => openPostgres(await server.createDatabase(`identity_${++dbCount}`)),
} as const;

const record = (op: string, provider: string) => `${JSON.stringify({ op, channel_id: 'sms', channel_name: 'SMS', provider })}\n`;

/** The provider of channel sms goes A → B → A → B, one batch folder each: batch 4 repeats batch 2's bytes. */
function flipFlop(): { landing: string; paths: string[] } {
  const landing = join(tempDir('identity'), 'landing');
  const files = [record('insert', 'A'), record('update', 'B'), record('update', 'A'), record('update', 'B')];
  expect(files[3]).toBe(files[1]);
  const paths = files.map((content, i) => {
    const path = `2026-11-2${6 + i}T00-00-00Z_000${i + 1}/channels.ndjson`;
    mkdirSync(join(landing, path, '..'), { recursive: true });
    writeFileSync(join(landing, path), content);
    return path;
  });
  return { landing, paths };
}

const provider = async (db: Db) => (await db.query<{ provider: string }>("SELECT provider FROM channels WHERE channel_id = 'sms'")).map((r) => r.provider);

describe.each(Object.keys(ENGINES) as (keyof typeof ENGINES)[])('file identity on %s', (kind) => {
  it('a dimension that changes A → B → A → B ends on B: a file byte-identical to an earlier one under another path loads', async () => {
    const { landing, paths } = flipFlop();
    const db = await ENGINES[kind]();
    await createTables(db, manifest);
    const s = await loadLanding(db, manifest, { landing });
    expect(s.files.map((f) => [f.path, f.status])).toEqual(paths.map((p) => [p, 'loaded']));
    expect(await provider(db)).toEqual(['B']);
    // The same paths with the same content: skipped, nothing changes.
    const again = await loadLanding(db, manifest, { landing });
    expect(again.files.map((f) => f.status)).toEqual(['already-loaded', 'already-loaded', 'already-loaded', 'already-loaded']);
    expect(await provider(db)).toEqual(['B']);
    // A fifth batch repeating the third's bytes (back to A) is a new file too.
    const fifth = '2026-11-30T00-00-00Z_0005/channels.ndjson';
    mkdirSync(join(landing, fifth, '..'), { recursive: true });
    writeFileSync(join(landing, fifth), record('update', 'A'));
    expect((await loadLanding(db, manifest, { landing })).files.filter((f) => f.status === 'loaded').map((f) => f.path)).toEqual([fifth]);
    expect(await provider(db)).toEqual(['A']);
    await db.close();
  });

  it('the same path with changed content is refused with a message naming the file, and nothing of it loads', async () => {
    const { landing, paths } = flipFlop();
    const db = await ENGINES[kind]();
    await createTables(db, manifest);
    await loadLanding(db, manifest, { landing });
    writeFileSync(join(landing, paths[1]!), record('update', 'C'));
    const err = await loadLanding(db, manifest, { landing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    expect((err as LoadError).message).toContain(`${paths[1]} changed after it was loaded`);
    expect((err as LoadError).hint).toContain(`DELETE FROM mvkit.loaded_files WHERE path = '${paths[1]}'`);
    expect(await provider(db)).toEqual(['B']);
    await db.close();
  });
});
