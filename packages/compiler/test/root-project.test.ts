import { join } from 'node:path';
import { loadModule, parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileProject, loadProject, type Manifest } from '@mvkit/compiler';

// Facts the platform's DDL must hold on Redshift, checked on the real parse tree of each MV body.
const root = join(import.meta.dirname, '../../..');
let manifest: Manifest;

beforeAll(async () => {
  await loadModule();
  const result = await compileProject(await loadProject(root), 'redshift');
  expect(result.ok).toBe(true);
  manifest = result.manifest!;
});

/** Every node of a parse tree with its key, depth first. */
function* walk(node: unknown, key = ''): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(node)) for (const n of node) yield* walk(n, key);
  else if (node && typeof node === 'object') {
    yield [key, node as Record<string, unknown>];
    for (const [k, v] of Object.entries(node)) yield* walk(v, k);
  }
}

// DATE_PART on an interval is listed as incremental by Redshift's refresh page (REDSHIFT.md),
// FLOOR is an immutable math function; the parser reads Redshift's unquoted date part as a
// column reference.
const ALLOWED_FUNCTIONS = new Set(['count', 'sum', 'min', 'max', 'date_trunc', 'date_part', 'floor']);

describe('the compiled platform', () => {
  it('lands both streams in one table sorted and distributed by (tenant, message id)', () => {
    const landing = manifest.nodes.find((n) => n.role === 'landing')!;
    expect(landing.name).toBe('message_events');
    expect(landing.ddl[0]).toContain('COMPOUND SORTKEY (tenant_id, message_id)');
    expect(landing.ddl[0]).toContain('DISTKEY (message_id)');
    expect(manifest.streams.map((s) => [s.name, s.table]).sort()).toEqual([
      ['delivery_receipts', 'message_events'],
      ['message_submissions', 'message_events'],
    ]);
  });

  it('every MV body uses only inner joins, COUNT/SUM/MIN/MAX, CASE and DATE_TRUNC', () => {
    const mvs = manifest.nodes.filter((n) => n.kind === 'mv');
    expect(mvs.map((n) => n.name)).toEqual(['messages', 'messages_enriched', 'delivery_hourly', 'delivery_daily', 'tenant_channel_daily', 'tenant_daily']);
    for (const mv of mvs) {
      const tree = parseSync(mv.sql!);
      const select = tree.stmts[0].stmt.SelectStmt;
      expect(select.distinctClause, mv.name).toBeUndefined();
      for (const [key, node] of walk(tree)) {
        if (key === 'JoinExpr') expect(node.jointype, `${mv.name}: join type`).toBe('JOIN_INNER');
        if (key === 'FuncCall') {
          const name = (node.funcname as { String: { sval: string } }[]).map((p) => p.String.sval).join('.');
          expect(ALLOWED_FUNCTIONS, `${mv.name}: ${name}`).toContain(name.toLowerCase());
          expect(node.over, `${mv.name}: window`).toBeUndefined();
          expect(node.agg_distinct, `${mv.name}: distinct aggregate`).toBeUndefined();
        }
        expect(['SubLink', 'RangeSubselect', 'SortBy', 'WindowDef'], `${mv.name}`).not.toContain(key);
      }
    }
  });

  it('no MV built on another MV has AUTO REFRESH YES', () => {
    const mvs = new Set(manifest.nodes.filter((n) => n.kind === 'mv').map((n) => n.name));
    const nested = manifest.nodes.filter((n) => n.kind === 'mv' && n.dependsOn.some((d) => mvs.has(d)));
    expect(nested.length).toBe(5);
    for (const n of nested) {
      expect(n.ddl[0]).toContain('AUTO REFRESH NO');
      expect(n.ddl[0]).not.toContain('AUTO REFRESH YES');
    }
  });

  it('rollups derive each measure from its additivity', () => {
    const daily = manifest.nodes.find((n) => n.name === 'delivery_daily')!;
    expect(daily.sql).toContain('SUM(submitted) AS submitted');
    expect(daily.sql).toContain('SUM(latency_s_count) AS latency_s_count');
    expect(daily.sql).toContain('MAX(latency_max_s) AS latency_max_s');
    expect(daily.sql).toContain('MIN(first_submitted_at) AS first_submitted_at');
    expect(daily.sql).toContain("DATE_TRUNC('day', hour) AS day");
  });
});
