import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main.ts';

const quickstart = join(import.meta.dirname, '../../../examples/quickstart');

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

describe('mvkit compile', () => {
  it('writes one file per node in dependency order, the refresh order and the manifest', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mvkit-compile-'));
    const r = await run(['-p', quickstart, 'compile', '--target', 'redshift', '--out', out]);
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(['001_orders.sql', '002_stores.sql', '003_orders_by_store.sql', '004_sales_hourly.sql', '005_sales_daily.sql', '006_sales_dashboard.sql', 'manifest.json', 'refresh.sql', 'wlm_json_configuration.json']);
    expect(readFileSync(join(out, 'refresh.sql'), 'utf8')).toBe('REFRESH MATERIALIZED VIEW orders_by_store;\nREFRESH MATERIALIZED VIEW sales_hourly;\nREFRESH MATERIALIZED VIEW sales_daily;\n');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const daily = manifest.nodes.find((n: { name: string }) => n.name === 'sales_daily');
    expect(daily).toMatchObject({ kind: 'mv', role: 'rollup', dependsOn: ['sales_hourly'], key: ['tenant_id', 'city', 'day'] });
    expect(daily.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(daily.columns.find((c: { name: string }) => c.name === 'revenue_cents')).toEqual({ name: 'revenue_cents', type: 'BIGINT', nullable: true });
  });

  it('an unknown target is a usage error naming the choices: one line and a hint, exit 2', async () => {
    const r = await run(['-p', quickstart, 'compile', '--target', 'snowflake']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('mvkit: unknown compile target "snowflake"\n  hint: use --target redshift or --target postgres\n');
  });
});

describe('mvkit graph', () => {
  it('prints text, mermaid and dot with every edge', async () => {
    const text = await run(['-p', quickstart, 'graph']);
    expect(text.out).toContain('sales_daily (mv, rollup) <- sales_hourly');
    const mermaid = await run(['-p', quickstart, 'graph', '--format', 'mermaid']);
    expect(mermaid.out).toMatch(/^graph LR\n/);
    expect(mermaid.out).toContain('  stores --> orders_by_store');
    const dot = await run(['-p', quickstart, 'graph', '--format', 'dot']);
    expect(dot.out).toContain('  orders [shape=cylinder];');
    expect(dot.out).toContain('  sales_daily -> sales_dashboard;');
  });
});

describe('mvkit refresh', () => {
  it('a --threads that is not a whole number of at least 1 is a usage error, before any connection: exit 2', async () => {
    for (const bad of ['0', '-2', '1.5', 'many']) {
      const r = await run(['-p', quickstart, 'refresh', '--threads', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.err).toBe(`mvkit: --threads must be a whole number of at least 1, not "${bad}"\n  hint: use --threads 1 to refresh one MV at a time\n`);
    }
  });
});
