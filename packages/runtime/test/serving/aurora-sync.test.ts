import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auroraSyncSql, compileProject, loadProject, servedNodes, SERVING_SCHEMA, type AuroraSyncSql, type Manifest } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { platformManifest, REPO } from '../platform/helpers.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { deployPlatform, rowsOf, runBatch, workload } from './workload.ts';

const GOLDEN = resolve(import.meta.dirname, 'golden');
const OPTIONS = { s3: 's3://mvkit-example-unload/messaging/', iamRole: 'arn:aws:iam::123456789012:role/mvkit-unload', region: 'eu-west-1' };

/** Compares with the golden file; UPDATE_GOLDEN=1 (or MVKIT_UPDATE_GOLDEN=1) rewrites it. */
function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  const update = !!(process.env.UPDATE_GOLDEN || process.env.MVKIT_UPDATE_GOLDEN);
  if (update || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    if (!update) throw new Error(`${name} was missing: written, check it in`);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

let sql: AuroraSyncSql;
beforeAll(async () => {
  const r = await compileProject(await loadProject(REPO), 'redshift');
  sql = auroraSyncSql(r.manifest!, OPTIONS);
}, 120_000);

describe('Redshift → Aurora PostgreSQL sync SQL', () => {
  it('matches the golden files, which cite the AWS pages they follow', () => {
    golden('redshift-unload.sql', sql.redshiftUnload);
    golden('aurora-setup.sql', sql.auroraSetup);
    golden('aurora-import.sql', sql.auroraImport);
    expect(sql.redshiftUnload).toContain('https://docs.aws.amazon.com/redshift/latest/dg/r_UNLOAD.html');
    expect(sql.auroraSetup).toContain('https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_PostgreSQL.S3Import.Reference.html');
    // Every served model: one UNLOAD with a manifest, RLS forced on its table, one import call.
    for (const name of ['tenant_daily_metrics', 'tenant_channel_metrics', 'campaign_daily_metrics']) {
      expect(sql.redshiftUnload).toMatch(new RegExp(`UNLOAD \\('SELECT [^']*FROM ${name} WHERE day >= \\\\'\\{\\{since\\}\\}\\\\'`));
      expect(sql.auroraSetup).toContain(`ALTER TABLE ${SERVING_SCHEMA}.${name} FORCE ROW LEVEL SECURITY;`);
      expect(sql.auroraImport).toContain(`${SERVING_SCHEMA}.import_${name}({{run}}`);
    }
    expect(sql.redshiftUnload.match(/^MANIFEST$/gm)?.length).toBe(3);
  });
});

/**
 * The Aurora side run on a real Postgres. aws_s3 exists only on RDS/Aurora: here a stand-in of
 * the same signature COPYs the file the S3 key names from a local folder, and Redshift's UNLOAD
 * is played by COPY ... TO of the same SELECT in CSV with the same NULL marker, plus a manifest
 * in UNLOAD's format. What is checked is mvkit's SQL: manifest parsing, staging, the merge over
 * the window, the run guard.
 */
describe('the Aurora import SQL on native Postgres, with a local stand-in for aws_s3', () => {
  let server: PostgresServer;
  let manifest: Manifest;
  let local: Db;
  let aurora: Db;
  let s3: string;
  beforeAll(async () => {
    [server, manifest] = await Promise.all([startPostgres(), platformManifest()]);
    local = await openPostgres(await server.createDatabase('aurora_local'));
    aurora = await openPostgres(await server.createDatabase('aurora_op'));
    s3 = mkdtempSync(join(tmpdir(), 'mvkit-s3-'));
    chmodSync(s3, 0o777);
    await aurora.exec(`
CREATE SCHEMA aws_commons;
CREATE TYPE aws_commons._s3_uri_1 AS (bucket text, file_path text, region text);
CREATE FUNCTION aws_commons.create_s3_uri(b text, f text, r text) RETURNS aws_commons._s3_uri_1 LANGUAGE sql AS $$ SELECT ROW(b, f, r)::aws_commons._s3_uri_1 $$;
CREATE SCHEMA aws_s3;
CREATE FUNCTION aws_s3.table_import_from_s3(table_name text, column_list text, options text, s3_info aws_commons._s3_uri_1) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('COPY %s (%s) FROM %L WITH %s', table_name, column_list, '${s3}/' || (s3_info).bucket || '/' || (s3_info).file_path, options);
  RETURN 'imported';
END $$;`);
    await deployPlatform(local, manifest);
    // All of it but the extension, which the stand-in above replaces.
    await aurora.exec(sql.auroraSetup.replace('CREATE EXTENSION IF NOT EXISTS aws_s3 CASCADE;', ''));
  }, 300_000);
  afterAll(async () => {
    await local?.close();
    await aurora?.close();
    await server?.stop();
    if (s3) rmSync(s3, { recursive: true, force: true });
  });

  /** UNLOAD as Redshift would write it: part files and a manifest listing them, under <bucket>/<key>. */
  async function unload(run: number, since: string): Promise<void> {
    for (const { node } of servedNodes(manifest)) {
      const dir = join(s3, 'mvkit-example-unload', 'messaging', node.name, String(run));
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
      const part = join(dir, '0000_part_00');
      await local.exec(`COPY (SELECT ${node.columns.map((c) => c.name).join(', ')} FROM ${node.name} WHERE day >= '${since}') TO '${part}' WITH (format csv, null 'MVKIT_NULL')`);
      const entries = [{ url: `s3://mvkit-example-unload/messaging/${node.name}/${run}/0000_part_00` }];
      writeFileSync(join(dir, 'manifest'), JSON.stringify({ entries }, null, 2));
    }
  }

  const importRun = (run: number, since: string) => aurora.exec(sql.auroraImport.replaceAll('{{run}}', String(run)).replaceAll('{{since}}', since));

  async function expectEqual(): Promise<void> {
    for (const { node } of servedNodes(manifest)) {
      const cols = node.columns.map((c) => c.name);
      expect(await rowsOf(aurora, `${SERVING_SCHEMA}.${node.name}`, cols), node.name).toEqual(await rowsOf(local, node.name, cols));
    }
  }

  it('a first run copies everything; a later run re-sends a window and the merge equals the served relations; a rerun changes nothing', async () => {
    const w = workload(11);
    await runBatch(local, manifest, w, 60);
    await unload(1, '1970-01-01');
    await importRun(1, '1970-01-01');
    await expectEqual();
    // Late events and dimension changes fall in the window since 2026-10-29 (the workload's events are from 2026-10-29 on).
    await runBatch(local, manifest, w, 60);
    await unload(2, '2026-10-29');
    await importRun(2, '2026-10-29');
    await expectEqual();
    const before = await aurora.query(`SELECT model, position, rows_synced FROM ${SERVING_SCHEMA}.sync_state ORDER BY model`);
    await importRun(2, '2026-10-29');
    await importRun(1, '1970-01-01');
    expect(await aurora.query(`SELECT model, position, rows_synced FROM ${SERVING_SCHEMA}.sync_state ORDER BY model`)).toEqual(before);
    await expectEqual();
  }, 600_000);
});
