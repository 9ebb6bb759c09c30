import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, dimension, loadProject, stream, t } from '@mvkit/compiler';
import { openPglite } from '../../src/db/pglite.ts';
import { redshiftCopyPlan } from '../../src/load/index.ts';
import { REPO } from './helpers.ts';

const GOLDEN = join(import.meta.dirname, 'golden');

/** Compares with the golden file; UPDATE_GOLDEN=1 rewrites it. */
function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('Redshift COPY plan', () => {
  it('stages each feed through a COPY manifest and loads streams and dimensions in one transaction (golden)', async () => {
    const manifest = (await compileProject(await loadProject(REPO), 'redshift')).manifest!;
    const sha = (c: string) => c.repeat(64);
    const plan = redshiftCopyPlan({
      manifest, bucket: 'acme-landing', prefix: 'mvkit/landing', iamRole: 'arn:aws:iam::123456789012:role/mvkit-copy', load: '2026-11-27T10-05-00Z',
      files: [
        { path: '2026-11-27T10-00-00Z_0001/delivery_receipts.ndjson', sha256: sha('a') },
        { path: '2026-11-27T10-00-00Z_0001/message_submissions.csv', sha256: sha('b'), header: ['tenant_id', 'message_id', 'campaign_id', 'channel_id', 'recipient_country', 'submitted_at'] },
        { path: '2026-11-27T10-00-00Z_0001/campaigns.ndjson', sha256: sha('c') },
        { path: '2026-11-27T10-05-00Z_0002/delivery_receipts.ndjson', sha256: sha('d') },
        { path: '2026-11-27T10-05-00Z_0002/tenants.csv', sha256: sha('e'), header: ['op', 'changed_at', 'tenant_id', 'tenant_name', 'plan', 'region'] },
        { path: '2026-11-27T10-05-00Z_0002/notes.ndjson', sha256: sha('f') },
      ],
    });
    expect(plan.unknown).toEqual(['2026-11-27T10-05-00Z_0002/notes.ndjson']);
    // The session's WLM query group first (the load queue of the suggested wlm_json_configuration).
    expect(plan.statements.slice(0, 5).map((x) => x.split(' (')[0])).toEqual(["SET query_group TO 'mvkit_load';", 'CREATE SCHEMA IF NOT EXISTS mvkit;', 'CREATE TABLE IF NOT EXISTS mvkit.loaded_files', 'BEGIN;', 'LOCK mvkit.loaded_files;']);
    expect(plan.statements.at(-1)).toBe('COMMIT;');
    expect(plan.statements.filter((s) => s.startsWith('COPY ')).every((s) => / IAM_ROLE '.*' MANIFEST FORMAT (JSON 'auto'|CSV)/.test(s))).toBe(true);
    // The two receipt files share one staging table; each has its own manifest and COPY, so that its rows carry its path.
    expect(plan.statements.filter((s) => s.startsWith('CREATE TEMP TABLE') && s.includes('delivery_receipts'))).toHaveLength(1);
    expect(plan.manifests.filter((m) => m.key.includes('delivery_receipts')).map((m) => JSON.parse(m.content).entries.length)).toEqual([1, 1]);
    golden('redshift-copy.sql', `${plan.statements.join('\n')}\n`);
    golden('redshift-copy.manifests.txt', plan.manifests.map((m) => `-- s3://acme-landing/${m.key}\n${m.content}`).join('\n'));
  });

  it('plans nothing for no files', async () => {
    const manifest = (await compileProject(await loadProject(REPO), 'redshift')).manifest!;
    expect(redshiftCopyPlan({ manifest, files: [], bucket: 'b', prefix: 'p', iamRole: 'r', load: 'l' }).statements).toEqual([]);
  });

  it('keeps a deleted row of an onDelete: { keep } dimension and stamps its column, as the local loader does (run on PGlite)', async () => {
    const sellers = dimension('sellers', {
      columns: { tenant_id: t.varchar(8), seller_id: t.varchar(8), seller_name: t.varchar(32), deleted_at: t.timestamp() },
      key: ['tenant_id', 'seller_id'], tenant: 'tenant_id', onDelete: { keep: 'deleted_at' },
    });
    const manifest = (await compileProject({ dir: '/', config: { name: 'soft' }, models: [sellers], macros: {}, loadDiagnostics: [] }, 'redshift')).manifest!;
    const plan = redshiftCopyPlan({ manifest, files: [{ path: 'b1/sellers.ndjson', sha256: 'a'.repeat(64) }], bucket: 'b', prefix: 'p', iamRole: 'r', load: 'l' });
    const db = await openPglite();
    try {
      await db.exec(`CREATE TABLE sellers (tenant_id VARCHAR(8) NOT NULL, seller_id VARCHAR(8) NOT NULL, seller_name VARCHAR(32), deleted_at TIMESTAMP);
        INSERT INTO sellers VALUES ('t1', 's1', 'Ada', NULL), ('t1', 's2', 'Bo', NULL), ('t1', 's3', 'Cy', '2026-01-01 00:00:00');`);
      // s1 deleted; s2 updated then deleted in one load (the newest record wins); s3 deleted again; s4 inserted.
      await runScript(db, plan.statements, {
        'b1/sellers.ndjson': `(op, changed_at, tenant_id, seller_id, seller_name) VALUES
        ('delete', '2026-11-27 10:00:00', 't1', 's1', NULL), ('update', '2026-11-27 09:00:00', 't1', 's2', 'Bob'), ('DELETE', '2026-11-27 10:30:00', 't1', 's2', NULL),
        ('delete', '2026-11-27 11:00:00', 't1', 's3', NULL), ('insert', '2026-11-27 10:00:00', 't1', 's4', 'Di')`,
      });
      expect(await db.query(`SELECT seller_id, seller_name, to_char(deleted_at, 'YYYY-MM-DD HH24:MI:SS') AS deleted_at FROM sellers ORDER BY 1`)).toEqual([
        { seller_id: 's1', seller_name: 'Ada', deleted_at: '2026-11-27 10:00:00' },
        { seller_id: 's2', seller_name: 'Bo', deleted_at: '2026-11-27 10:30:00' },
        { seller_id: 's3', seller_name: 'Cy', deleted_at: '2026-01-01 00:00:00' },
        { seller_id: 's4', seller_name: 'Di', deleted_at: null },
      ]);
    } finally {
      await db.close();
    }
  });
});

/**
 * Runs a copy.sql on PGlite: each COPY replaced by INSERTs of the rows its file would give (`files`, by
 * path), GETDATE() by now(), TEMP tables kept by DROPping them first. What runs is otherwise the script.
 */
async function runScript(db: Awaited<ReturnType<typeof openPglite>>, statements: readonly string[], files: Record<string, string>): Promise<unknown[]> {
  const selected: unknown[] = [];
  for (const raw of statements) {
    const x = raw.replace(/GETDATE\(\)/g, "(now() AT TIME ZONE 'UTC')");
    const copy = /^COPY (\S+) \(([^)]*)\) FROM/.exec(x);
    if (copy) continue;
    const upd = /^UPDATE (stage_\S+) SET mvkit_file = '([^']+)'/.exec(x);
    // The file's rows arrive (as its COPY would load them) just before they are stamped with its path.
    if (upd && files[upd[2]!]) await db.exec(`INSERT INTO ${upd[1]} ${files[upd[2]!]}`);
    if (x.startsWith('CREATE TEMP TABLE')) await db.exec(`DROP TABLE IF EXISTS ${/CREATE TEMP TABLE (\S+)/.exec(x)![1]}`);
    if (x.startsWith('SELECT ')) selected.push(...(await db.query(x)));
    else if (x === 'BEGIN;' || x === 'COMMIT;' || x.startsWith('LOCK ') || x.startsWith('SET query_group')) continue;
    else await db.exec(x);
  }
  return selected;
}

describe('Redshift COPY: exactly once, and the local loader\'s rules (run on PGlite)', () => {
  const events = stream('events', { columns: { tenant_id: t.varchar(8), event_id: t.varchar(8), at: t.timestamp() }, key: ['tenant_id', 'event_id'], tenant: 'tenant_id', eventTime: 'at' });
  const kinds = dimension('kinds', { columns: { kind: t.varchar(8), label: t.varchar(16) }, key: ['kind'], tenant: { global: 'shared labels' } });
  const compiled = async () => (await compileProject({ dir: '/', config: { name: 'once' }, models: [events, kinds], macros: {}, loadDiagnostics: [] }, 'redshift')).manifest!;

  it('a second run of the same copy.sql, and a file listed again in a later load, insert nothing twice', async () => {
    const manifest = await compiled();
    const f1 = { path: 'b1/events.ndjson', sha256: 'a'.repeat(64) };
    const f2 = { path: 'b2/events.ndjson', sha256: 'b'.repeat(64) };
    const rows = {
      'b1/events.ndjson': "(tenant_id, event_id, at) VALUES ('t1', 'e1', '2026-11-27 10:00:00'), ('t1', 'e2', '2026-11-27 10:01:00')",
      'b2/events.ndjson': "(tenant_id, event_id, at) VALUES ('t1', 'e3', '2026-11-27 10:02:00')",
    };
    const first = redshiftCopyPlan({ manifest, files: [f1], bucket: 'b', prefix: 'p', iamRole: 'r', load: 'l1' });
    const second = redshiftCopyPlan({ manifest, files: [f1, f2], bucket: 'b', prefix: 'p', iamRole: 'r', load: 'l2' });
    const db = await openPglite();
    try {
      await db.exec('CREATE TABLE events (tenant_id VARCHAR(8) NOT NULL, event_id VARCHAR(8) NOT NULL, at TIMESTAMP)');
      await runScript(db, first.statements, rows);
      await runScript(db, first.statements, rows);
      await runScript(db, second.statements, rows);
      expect(await db.query('SELECT event_id FROM events ORDER BY 1')).toEqual([{ event_id: 'e1' }, { event_id: 'e2' }, { event_id: 'e3' }]);
      expect(await db.query('SELECT path, rows_loaded FROM mvkit.loaded_files ORDER BY 1')).toEqual([{ path: 'b1/events.ndjson', rows_loaded: 2 }, { path: 'b2/events.ndjson', rows_loaded: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('dimension rows with a NULL, empty or unknown op are rejected and listed; a NULL changed_at does not win', async () => {
    const manifest = await compiled();
    const plan = redshiftCopyPlan({ manifest, files: [{ path: 'b1/kinds.ndjson', sha256: 'c'.repeat(64) }], bucket: 'b', prefix: 'p', iamRole: 'r', load: 'l' });
    const db = await openPglite();
    try {
      await db.exec("CREATE TABLE kinds (kind VARCHAR(8) NOT NULL, label VARCHAR(16)); INSERT INTO kinds VALUES ('keep', 'Kept'), ('nul', 'Old'), ('emp', 'Old'), ('odd', 'Old')");
      const rejected = await runScript(db, plan.statements, {
        'b1/kinds.ndjson': `(op, changed_at, kind, label) VALUES (NULL, '2026-11-27 10:00:00', 'nul', 'New'), ('', '2026-11-27 10:00:00', 'emp', 'New'), ('upsert', '2026-11-27 10:00:00', 'odd', 'New'),
          ('update', NULL, 'buy', 'No time'), ('update', '2026-11-27 10:00:00', 'buy', 'Purchase')`,
      });
      expect(await db.query('SELECT kind, label FROM kinds ORDER BY 1')).toEqual([
        { kind: 'buy', label: 'Purchase' }, { kind: 'emp', label: 'Old' }, { kind: 'keep', label: 'Kept' }, { kind: 'nul', label: 'Old' }, { kind: 'odd', label: 'Old' },
      ]);
      expect((rejected as { op: string | null }[]).map((r) => r.op).sort()).toEqual(['', 'upsert', null].sort());
      expect(await db.query('SELECT rows_loaded, rows_rejected FROM mvkit.loaded_files')).toEqual([{ rows_loaded: 2, rows_rejected: 3 }]);
    } finally {
      await db.close();
    }
  });
});
