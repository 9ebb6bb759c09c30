import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, loadProject } from '@mvkit/compiler';
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
});
