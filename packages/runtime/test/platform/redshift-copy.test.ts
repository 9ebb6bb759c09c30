import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, dimension, loadProject, t } from '@mvkit/compiler';
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
    expect(plan.statements.slice(0, 4).map((x) => x.split(' (')[0])).toEqual(['CREATE SCHEMA IF NOT EXISTS mvkit;', 'CREATE TABLE IF NOT EXISTS mvkit.loaded_files', 'BEGIN;', 'LOCK mvkit.loaded_files;']);
    expect(plan.statements.at(-1)).toBe('COMMIT;');
    expect(plan.statements.filter((s) => s.startsWith('COPY ')).every((s) => / IAM_ROLE '.*' MANIFEST FORMAT (JSON 'auto'|CSV)/.test(s))).toBe(true);
    // The two receipt files share one manifest and one COPY.
    expect(JSON.parse(plan.manifests.find((m) => m.key.includes('delivery_receipts'))!.content).entries).toHaveLength(2);
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
    // The statements after the COPY, on Postgres: the stage is filled by hand instead of from S3.
    const copy = plan.statements.findIndex((x) => x.startsWith('COPY '));
    const after = plan.statements.slice(copy + 1).filter((x) => !x.startsWith('INSERT INTO mvkit.') && x !== 'COMMIT;').map((x) => x.replace('GETDATE()', "(now() AT TIME ZONE 'UTC')"));
    const db = await openPglite();
    try {
      await db.exec(`CREATE TABLE sellers (tenant_id VARCHAR(8) NOT NULL, seller_id VARCHAR(8) NOT NULL, seller_name VARCHAR(32), deleted_at TIMESTAMP);
        INSERT INTO sellers VALUES ('t1', 's1', 'Ada', NULL), ('t1', 's2', 'Bo', NULL), ('t1', 's3', 'Cy', '2026-01-01 00:00:00');`);
      await db.exec(plan.statements[copy - 1]!.replace('CREATE TEMP TABLE', 'CREATE TABLE'));
      const stage = /CREATE TEMP TABLE (\S+)/.exec(plan.statements[copy - 1]!)![1]!;
      // s1 deleted; s2 updated then deleted in one load (the newest record wins); s3 deleted again; s4 inserted.
      await db.exec(`INSERT INTO ${stage} (op, changed_at, tenant_id, seller_id, seller_name) VALUES
        ('delete', '2026-11-27 10:00:00', 't1', 's1', NULL), ('update', '2026-11-27 09:00:00', 't1', 's2', 'Bob'), ('DELETE', '2026-11-27 10:30:00', 't1', 's2', NULL),
        ('delete', '2026-11-27 11:00:00', 't1', 's3', NULL), ('insert', '2026-11-27 10:00:00', 't1', 's4', 'Di')`);
      for (const x of after) await db.exec(x);
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
