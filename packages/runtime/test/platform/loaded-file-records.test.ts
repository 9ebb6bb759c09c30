import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPglite } from '../../src/db/pglite.ts';
import { loadLanding } from '../../src/load/index.ts';
import { feedsOfTable, fileRecordsOf, forgetFiles } from '../../src/load/loaded-files.ts';
import { generateSample, writeSample } from '../../src/sample/index.ts';
import { createTables, platformManifest, tempDir } from './helpers.ts';

/** The loaded-file records of a table, as plan counts them and apply forgets them with a dropped table. */
describe('loaded-file records per table (PGlite)', () => {
  it('a database loaded by an older mvkit keeps working; a streamJoin landing table counts its member streams\' files, found by table even once its model is gone', async () => {
    const manifest = await platformManifest();
    const landing = join(tempDir('records'), 'landing');
    mkdirSync(landing, { recursive: true });
    writeSample(landing, generateSample({ seed: 3, tenants: 2, events: 300, batches: 2 }));
    const db = await openPglite();
    await createTables(db, manifest);
    // The table as an older mvkit made it (no table_name), with one file of its recorded.
    await db.exec(`CREATE SCHEMA mvkit; CREATE TABLE mvkit.loaded_files (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, feed TEXT NOT NULL, rows_loaded INTEGER NOT NULL DEFAULT 0,
      rows_rejected INTEGER NOT NULL DEFAULT 0, loaded_at TIMESTAMPTZ NOT NULL DEFAULT now()); CREATE INDEX loaded_files_sha256 ON mvkit.loaded_files (sha256);
      INSERT INTO mvkit.loaded_files (path, sha256, feed) VALUES ('old/tenants.ndjson', 'x', 'tenants');`);
    const s = await loadLanding(db, manifest, { landing });
    expect(s.rowsRejected).toBe(0);
    const members = s.files.filter((f) => f.feed === 'delivery_receipts' || f.feed === 'message_submissions');
    expect(members.length).toBeGreaterThan(1);
    expect(await db.query("SELECT DISTINCT table_name FROM mvkit.loaded_files WHERE feed IN ('delivery_receipts', 'message_submissions')")).toEqual([{ table_name: 'message_events' }]);

    expect(feedsOfTable(manifest, { name: 'message_events' })).toEqual(['message_submissions', 'delivery_receipts']);
    const tenantFiles = s.files.filter((f) => f.feed === 'tenants').length + 1;
    const counted = await fileRecordsOf(db, [
      { table: 'message_events', feeds: feedsOfTable(manifest, { name: 'message_events' }) },
      { table: 'tenants', feeds: feedsOfTable(manifest, { name: 'tenants' }) },
    ]);
    expect(counted!.get('message_events')).toEqual({ feeds: ['delivery_receipts', 'message_submissions'], files: members.length });
    expect(counted!.get('tenants')).toEqual({ feeds: ['tenants'], files: tenantFiles });
    // The streamJoin removed from the project: its member streams are unknown, its files are found by table.
    const gone = { ...manifest, streams: [] };
    expect(feedsOfTable(gone, { name: 'message_events' })).toEqual(['message_events']);
    expect((await fileRecordsOf(db, [{ table: 'message_events', feeds: ['message_events'] }]))!.get('message_events')).toEqual({ feeds: ['delivery_receipts', 'message_events', 'message_submissions'], files: members.length });

    await db.transaction((tx) => forgetFiles(tx, ['delivery_receipts', 'message_events', 'message_submissions']));
    expect(await db.query<{ feed: string }>('SELECT DISTINCT feed FROM mvkit.loaded_files ORDER BY feed')).toEqual([{ feed: 'campaigns' }, { feed: 'channels' }, { feed: 'tenants' }]);
    await db.close();
  });

  it('a target where nothing was ever loaded has no records to count', async () => {
    const db = await openPglite();
    expect(await fileRecordsOf(db, [{ table: 'events', feeds: ['events'] }])).toBeNull();
    await db.close();
  });
});
