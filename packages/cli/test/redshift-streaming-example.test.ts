import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compileProject, loadProject } from '@mvkit/compiler';
import { main } from '../src/main.ts';

/*
 * The golden project of Redshift's platform features (examples/redshift-streaming): a Kinesis stream and
 * an MSK/Kafka stream compile, on Redshift, to an external schema and a streaming MV each; on Postgres
 * (the local engines) to landing tables, with the rest of the chain the same.
 * Docs: https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-streaming-ingestion-getting-started.html ,
 * https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-streaming-ingestion-getting-started-MSK.html
 */
const example = join(import.meta.dirname, '../../../examples/redshift-streaming');
const expected = join(example, 'expected/redshift');

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err += String(s); return true; });
  try {
    await main(['node', 'mvkit', ...args]);
    return { out, err, code: Number(process.exitCode ?? 0) };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
afterEach(() => { process.exitCode = undefined; });

describe('examples/redshift-streaming', () => {
  it('compile --target redshift writes the expected output, file for file', { timeout: 120_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'mvkit-streaming-'));
    const r = await run(['-p', example, 'compile', '--target', 'redshift', '--out', out]);
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(readdirSync(expected).sort());
    for (const f of files) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(expected, f), 'utf8'));
    // The MVs whose refresh concurrency scaling cannot take (it refreshes MVs without aggregation only).
    expect(r.err).toBe(readFileSync(join(example, 'expected/compile-warnings.txt'), 'utf8'));
    const wlm = JSON.parse(readFileSync(join(out, 'wlm_json_configuration.json'), 'utf8')) as { name: string; query_group?: string[]; concurrency_scaling: string; rules?: unknown[] }[];
    expect(wlm.map((q) => [q.name, q.concurrency_scaling])).toEqual([['mvkit refresh and load', 'auto'], ['dashboards', 'auto'], ['analysts', 'off'], ['default', 'off']]);
    expect(wlm[0]!.query_group).toEqual(['mvkit_refresh', 'mvkit_load']);
    expect(wlm[2]!.rules!.length).toBeGreaterThan(0);
  });

  it('on Redshift the streams are streaming MVs over their external schemas; on Postgres landing tables', { timeout: 120_000 }, async () => {
    const project = await loadProject(example);
    const rs = (await compileProject(project, 'redshift')).manifest!;
    const pg = (await compileProject(project, 'postgres')).manifest!;
    const ddl = (m: typeof rs, name: string) => m.nodes.find((n) => n.name === name)!.ddl.join('\n');
    expect(ddl(rs, 'page_views')).toMatch(/^CREATE EXTERNAL SCHEMA IF NOT EXISTS page_views_source\nFROM KINESIS\nIAM_ROLE '[^']+';\nCREATE MATERIALIZED VIEW page_views\n[\s\S]*AUTO REFRESH YES\nAS\nSELECT[\s\S]*FROM page_views_source\."shop-page-views"\nWHERE CAN_JSON_PARSE\(kinesis_data\);$/);
    expect(ddl(rs, 'orders')).toMatch(/FROM MSK\nIAM_ROLE '[^']+'\nAUTHENTICATION iam\nURI '[^']+';/);
    expect(ddl(rs, 'stores')).toMatch(/^CREATE EXTERNAL SCHEMA IF NOT EXISTS stores_source\nFROM POSTGRES DATABASE 'shop' SCHEMA 'catalog'\n[\s\S]*CREATE MATERIALIZED VIEW stores\nDISTSTYLE ALL\n[\s\S]*AUTO REFRESH NO\nAS\nSELECT tenant_id, store_id, city\nFROM stores_source\."stores";$/);
    for (const s of ['page_views', 'orders', 'stores']) {
      expect(ddl(pg, s)).toMatch(new RegExp(`^CREATE TABLE ${s} `));
      expect(pg.nodes.find((n) => n.name === s)!.streamSource).toBeUndefined();
      expect(pg.nodes.find((n) => n.name === s)!.dimensionSource).toBeUndefined();
    }
    // The chain built on the streams is the same SQL on both sides of the choice.
    expect(rs.nodes.map((n) => n.name)).toEqual(pg.nodes.map((n) => n.name));
    expect(rs.nodes.find((n) => n.name === 'orders_by_store')!.dependsOn).toEqual(['orders', 'stores']);
  });
});
