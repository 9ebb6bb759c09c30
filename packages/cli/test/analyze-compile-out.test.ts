import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main.ts';

const root = join(import.meta.dirname, '../../..');

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

interface ManifestNode { name: string; kind: string }
let out: string;
let nodes: ManifestNode[];

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'mvkit-analyze-out-'));
  const r = await run(['-p', root, 'compile', '--target', 'redshift', '--out', out]);
  expect(r.code).toBe(0);
  nodes = (JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { nodes: ManifestNode[] }).nodes;
}, 120_000);

type Report = { file: string; verdict: string; skipped?: string[] };

describe('mvkit analyze on a compile --out folder', () => {
  it('analyzes every MV the manifest lists and skips tables, views and refresh.sql', async () => {
    const r = await run(['analyze', out, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const reports = JSON.parse(r.out) as Report[];
    const mvs = nodes.filter((n) => n.kind === 'mv').map((n) => n.name);
    const others = nodes.filter((n) => n.kind !== 'mv').map((n) => n.name);
    expect(mvs.length).toBeGreaterThan(0);
    expect(others.length).toBeGreaterThan(0);
    // Compile names each node's file NNN_<name>.sql.
    const analyzed = reports.filter((x) => x.verdict !== 'skipped').map((x) => x.file.replace(/^.*\/\d+_(.*)\.sql$/, '$1'));
    expect(analyzed.sort()).toEqual([...mvs].sort());
    for (const x of reports.filter((x) => x.verdict !== 'skipped')) expect(['incremental', 'full', 'invalid']).toContain(x.verdict);
    const skipped = reports.filter((x) => x.verdict === 'skipped');
    const refresh = skipped.find((x) => x.file.endsWith('refresh.sql'))!;
    expect(refresh.skipped).toEqual(mvs.map((name) => `REFRESH MATERIALIZED VIEW ${name}`));
    expect(skipped.filter((x) => x !== refresh).map((x) => x.skipped![0]!.replace(/^CREATE (TABLE|VIEW) /, '')).sort()).toEqual([...others].sort());
  });

  it('prints each verdict and a count of what it skipped as text', async () => {
    const r = await run(['analyze', out]);
    expect(r.code).toBe(0);
    const mvs = nodes.filter((n) => n.kind === 'mv');
    // One CREATE TABLE/VIEW per node that is not an MV, plus one REFRESH per MV in refresh.sql;
    // not .sql: manifest.json and wlm_json_configuration.json.
    const statements = nodes.length - mvs.length + mvs.length;
    expect(r.out.trimEnd().split('\n').at(-1)).toBe(`analyzed ${mvs.length} MVs; skipped ${statements} statements that are not materialized views and 2 files that are not .sql`);
    for (const mv of mvs) expect(r.out).toMatch(new RegExp(`_${mv.name}\\.sql: (incremental|full|invalid)\\n`));
  });

  it('--require-incremental exits 1 only for an MV that is not incremental', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'mvkit-analyze-full-'));
    cpSync(out, copy, { recursive: true });
    expect((await run(['analyze', copy, '--require-incremental'])).code).toBe(0);
    writeFileSync(join(copy, '900_outer.sql'), 'CREATE MATERIALIZED VIEW outer_mv AS\nSELECT m.message_id, t.tenant_name\nFROM messages m LEFT JOIN tenants t ON t.tenant_id = m.tenant_id;\n');
    const r = await run(['analyze', copy, '--require-incremental']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${join(copy, '900_outer.sql')}: full`);
  });

  it('a syntax error in an MV file of the folder still exits 2, naming file, line and column', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'mvkit-analyze-bad-'));
    cpSync(out, copy, { recursive: true });
    writeFileSync(join(copy, '900_bad.sql'), '-- broken\nCREATE MATERIALIZED VIEW bad AS\nSELECT tenant_id FROM messages GROUP tenant_id;\nCREATE TABLE t (a INT);\n');
    const r = await run(['analyze', copy]);
    expect(r.code).toBe(2);
    // "SELECT tenant_id FROM messages GROUP " is 37 characters: the parser stops at column 38.
    expect(r.err).toBe(`${join(copy, '900_bad.sql')}:3:38: syntax error: syntax error at or near "tenant_id"\n`);
  });

  it('a misspelt CREATE MATERIALIZED VIEW is not skipped: it is a syntax error', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'mvkit-analyze-typo-'));
    writeFileSync(join(copy, 'typo.sql'), 'CREATE MATERIALISED VIEW x AS SELECT 1;\n');
    const r = await run(['analyze', copy]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/typo\.sql:1:8: syntax error: expected MATERIALIZED VIEW after CREATE/);
  });
});
