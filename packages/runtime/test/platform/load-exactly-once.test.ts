import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { LoadError } from '../../src/errors.ts';
import { loadLanding, rejectsPathFor } from '../../src/load/index.ts';
import { generateSample, writeSample } from '../../src/sample/index.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { createTables, loadedContents, platformManifest, REPO, tempDir } from './helpers.ts';

let server: PostgresServer;
let manifest: Manifest;
let dbCount = 0;
beforeAll(async () => {
  [server, manifest] = await Promise.all([startPostgres(), platformManifest()]);
}, 180_000);
afterAll(async () => { await server?.stop(); });

interface Engine {
  readonly kind: 'pglite' | 'postgres';
  /** A fresh database: its location (data dir or URL) and a connection. */
  fresh(): Promise<{ location: string; db: Db }>;
  reopen(location: string): Promise<Db>;
}

const engines: Engine[] = [
  {
    kind: 'pglite',
    async fresh() { const location = join(tempDir('pglite'), 'data'); return { location, db: await openPglite(location) }; },
    reopen: (location) => openPglite(location),
  },
  {
    kind: 'postgres',
    async fresh() { const location = await server.createDatabase(`load_${++dbCount}`); return { location, db: await openPostgres(location) }; },
    reopen: (location) => openPostgres(location),
  },
];

function sampleLanding(): string {
  const landing = join(tempDir('landing'), 'landing');
  mkdirSync(landing, { recursive: true });
  writeSample(landing, generateSample({ seed: 7, tenants: 3, events: 1500, batches: 4 }));
  return landing;
}

describe.each(engines)('load on $kind', (engine) => {
  it('loads every file once: a second run over the same directory loads nothing', async () => {
    const landing = sampleLanding();
    const { db } = await engine.fresh();
    await createTables(db, manifest);
    const first = await loadLanding(db, manifest, { landing });
    expect(first.filesLoaded).toBeGreaterThan(4);
    expect(first.rowsRejected).toBe(0);
    const before = await loadedContents(db);
    expect(before.message_events!.length).toBe(first.files.filter((f) => f.feed === 'message_submissions' || f.feed === 'delivery_receipts').reduce((s, f) => s + f.rows, 0));
    const second = await loadLanding(db, manifest, { landing });
    expect(second.filesLoaded).toBe(0);
    expect(second.rowsLoaded).toBe(0);
    expect(second.files.every((f) => f.status === 'already-loaded')).toBe(true);
    expect(await loadedContents(db)).toEqual(before);
    await db.close();
  });

  it('puts malformed lines in the rejects file with file:line and loads the rest of the file', async () => {
    const landing = join(tempDir('landing'), 'landing');
    const dir = join(landing, '2026-11-27T10-00-00Z_0001');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'delivery_receipts.ndjson'), [
      '{"tenant_id":"t1","message_id":"m1","status":"sent","error_code":null,"event_at":"2026-11-27T10:00:01Z"}',
      '{"tenant_id":"t1","message_id":"m2","status":"sent",',
      '{"tenant_id":"t1","status":"sent","event_at":"2026-11-27T10:00:02Z"}',
      '{"tenant_id":"t1","message_id":"m3","status":"delivered","event_at":"yesterday"}',
      '{"tenant_id":"t1","message_id":"m4","status":"delivered","event_at":"2026-11-27T10:00:04.250+01:00"}',
    ].join('\n') + '\n');
    writeFileSync(join(dir, 'message_submissions.csv'), [
      'tenant_id,message_id,campaign_id,channel_id,recipient_country,submitted_at',
      't1,m1,c1,sms,DE,2026-11-27T09:59:59Z',
      't1,m2,c1,sms,DE',
      't1,m4,c1,"whats,app",FR,2026-11-27T09:59:58Z',
    ].join('\n') + '\n');
    writeFileSync(join(dir, 'campaigns.ndjson'), [
      '{"op":"insert","tenant_id":"t1","campaign_id":"c1","campaign_name":"Promo","category":"marketing"}',
      '{"op":"upsert","tenant_id":"t1","campaign_id":"c2","campaign_name":"X","category":"otp"}',
      '{"op":"update","tenant_id":"t1","campaign_id":"c1","campaign_name":"Promo v2","category":"otp"}',
    ].join('\n') + '\n');
    const { db } = await engine.fresh();
    await createTables(db, manifest);
    const s = await loadLanding(db, manifest, { landing });
    expect(s.filesLoaded).toBe(3);
    expect(s.rowsRejected).toBe(5);
    expect(s.rejects.map((r) => `${r.file}:${r.line}`).sort()).toEqual([
      '2026-11-27T10-00-00Z_0001/campaigns.ndjson:2',
      '2026-11-27T10-00-00Z_0001/delivery_receipts.ndjson:2',
      '2026-11-27T10-00-00Z_0001/delivery_receipts.ndjson:3',
      '2026-11-27T10-00-00Z_0001/delivery_receipts.ndjson:4',
      '2026-11-27T10-00-00Z_0001/message_submissions.csv:3',
    ]);
    const receipts = readFileSync(rejectsPathFor(landing, '2026-11-27T10-00-00Z_0001/delivery_receipts.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(receipts.map((r) => [r.line, r.error.split(':')[0]])).toEqual([[2, 'bad JSON'], [3, 'missing value for message_id'], [4, 'event_at']]);
    expect(receipts[2].raw).toContain('yesterday');
    expect(receipts[0].file).toBe('2026-11-27T10-00-00Z_0001/delivery_receipts.ndjson');
    const csv = readFileSync(rejectsPathFor(landing, '2026-11-27T10-00-00Z_0001/message_submissions.csv'), 'utf8');
    expect(JSON.parse(csv).error).toMatch(/wrong column count: 5 fields, the header has 6/);
    const events = await db.query<{ message_id: string; t: string; channel_id: string | null }>(
      "SELECT message_id, to_char(COALESCE(event_at, submitted_at), 'YYYY-MM-DD HH24:MI:SS.MS') AS t, channel_id FROM message_events ORDER BY message_id, event_stream");
    // The +01:00 receipt is stored in UTC; a quoted comma stays in its field.
    expect(events).toEqual([
      { message_id: 'm1', t: '2026-11-27 10:00:01.000', channel_id: null },
      { message_id: 'm1', t: '2026-11-27 09:59:59.000', channel_id: 'sms' },
      { message_id: 'm4', t: '2026-11-27 09:00:04.250', channel_id: null },
      { message_id: 'm4', t: '2026-11-27 09:59:58.000', channel_id: 'whats,app' },
    ]);
    // The last op per key wins; the line with an unknown op is rejected, not guessed.
    expect(await db.query('SELECT campaign_name, category FROM campaigns')).toEqual([{ campaign_name: 'Promo v2', category: 'otp' }]);
    await db.close();
  });

  it('refuses a file that changed after it was loaded, naming it and the fix', async () => {
    const landing = sampleLanding();
    const { db } = await engine.fresh();
    await createTables(db, manifest);
    const s = await loadLanding(db, manifest, { landing });
    const path = s.files.find((f) => f.feed === 'delivery_receipts')!.path;
    writeFileSync(join(landing, path), readFileSync(join(landing, path), 'utf8') + '{"tenant_id":"t1","message_id":"x","status":"sent","event_at":"2026-11-27T10:00:00Z"}\n');
    const err = await loadLanding(db, manifest, { landing }).catch((e) => e);
    expect(err).toBeInstanceOf(LoadError);
    expect(err.message).toContain(`${path} changed after it was loaded`);
    expect(err.hint).toContain('mvkit.loaded_files');
    await db.close();
  });

  it('a load killed inside a file\'s transaction loads nothing of that file; the next load ends where an uninterrupted one does', async () => {
    const landing = sampleLanding();
    const manifestFile = join(tempDir('manifest'), 'manifest.json');
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const victim = '_0002/delivery_receipts';
    const { location, db: setup } = await engine.fresh();
    await createTables(setup, manifest);
    await setup.close();

    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/load-child.ts'), engine.kind, location, manifestFile, landing, '120000', victim], {
      cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => { out += d; if (out.includes('PAUSED')) resolve(); });
      child.on('exit', () => reject(new Error(`the child loader ended before pausing:\n${out}\n${err}`)));
    });
    expect(out).toContain(`PAUSED 2026-11-26T12-00-00Z${victim}.ndjson`);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const db = await engine.reopen(location);
    const partial = await db.query<{ path: string }>('SELECT path FROM mvkit.loaded_files ORDER BY path');
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.some((r) => r.path.includes(victim))).toBe(false);
    const resumed = await loadLanding(db, manifest, { landing });
    expect(resumed.files.filter((f) => f.status === 'loaded').map((f) => f.path)).toContain(resumed.files.find((f) => f.path.includes(victim))!.path);
    const after = await loadedContents(db);
    await db.close();

    const { db: clean } = await engine.fresh();
    await createTables(clean, manifest);
    await loadLanding(clean, manifest, { landing });
    expect(after).toEqual(await loadedContents(clean));
    await clean.close();
    expect(existsSync(join(landing, '_rejects'))).toBe(false);
  }, 300_000);
});

describe('load on postgres, concurrently', () => {
  it('two loaders over the same directory at once load every file once between them', async () => {
    const landing = sampleLanding();
    const url = await server.createDatabase('load_concurrent');
    const setup = await openPostgres(url);
    await createTables(setup, manifest);
    const [a, b] = [await openPostgres(url), await openPostgres(url)];
    const [sa, sb] = await Promise.all([loadLanding(a, manifest, { landing }), loadLanding(b, manifest, { landing })]);
    expect(sa.filesLoaded + sb.filesLoaded).toBe(sa.files.length);
    const together = await loadedContents(setup);
    await Promise.all([a.close(), b.close(), setup.close()]);
    const { db: clean } = await engines[1]!.fresh();
    await createTables(clean, manifest);
    await loadLanding(clean, manifest, { landing });
    expect(together).toEqual(await loadedContents(clean));
    await clean.close();
  });
});
