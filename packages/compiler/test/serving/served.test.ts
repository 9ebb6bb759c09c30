import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregate, buildGraph, dimension, enrichment, loadProject, ModelError, rollup, servedNodes, servedTableDdl, servingView, stream, t, type Model } from '../../src/index.ts';
import { compileManifest } from '../../src/compile.ts';
import { structurePass } from '../../src/passes/structure.ts';

const events = stream('events', {
  columns: { tenant_id: t.varchar(32), event_id: t.varchar(64), kind: t.varchar(16), at: t.timestamp(), amount: t.int() },
  key: ['tenant_id', 'event_id'],
  tenant: 'tenant_id',
  eventTime: 'at',
});
const kinds = dimension('kinds', { columns: { kind: t.varchar(16), label: t.varchar(32) }, key: ['kind'], tenant: { global: 'the same kinds for every tenant' } });
const enriched = enrichment('events_enriched', { from: events, joins: (join) => [join({ dimension: kinds, on: { kind: 'kind' }, columns: ['label'] })] });
const daily = aggregate('events_daily', {
  from: events, groupBy: ['tenant_id', 'kind'], bucket: { name: 'day', grain: 'day', column: 'at' },
  measures: (m, c) => ({ n: m.count(), total: m.sum(c.amount) }),
});
const byKind = rollup('events_by_kind', { from: daily, groupBy: ['kind', 'day'], measures: ['n', 'total'], tenantIsolation: { optOut: 'platform-wide totals per kind' }, served: true });

function check(models: Model[]) {
  const graph = buildGraph(models, {});
  return { graph, diagnostics: structurePass(graph).filter((d) => d.code.startsWith('served')) };
}

describe('served models', () => {
  it('a served view selecting its MV\'s key and tenant unchanged compiles to a spec keyed and isolated like the MV beneath', () => {
    const view = servingView('events_view', { from: daily, served: true, select: (c) => ({ tenant_id: c.tenant_id, kind: c.kind, day: c.day, avg: c.total.div(c.n) }) });
    const { graph, diagnostics } = check([events, daily, view, byKind]);
    expect(diagnostics).toEqual([]);
    const manifest = compileManifest(graph, { target: 'postgres', projectName: 'x', projectDir: '/' });
    expect(servedNodes(manifest).map((n) => [n.node.name, n.spec]).sort()).toEqual([
      // A rollup that opted out of tenant isolation has no tenant column: readable by every tenant.
      ['events_by_kind', { key: ['kind', 'day'], tenant: null, source: 'events_by_kind' }],
      ['events_view', { key: ['tenant_id', 'kind', 'day'], tenant: 'tenant_id', source: 'events_daily' }],
    ]);
    // Not served: no spec, nothing else in the node changes.
    expect(manifest.nodes.find((n) => n.name === 'events_daily')!.served).toBeUndefined();
    const ddl = servedTableDdl(manifest.nodes.find((n) => n.name === 'events_by_kind')!, manifest.nodes.find((n) => n.name === 'events_by_kind')!.served!, 'mvkit_app').join('\n');
    expect(ddl).toContain('USING ((SELECT mvkit_serving.current_tenant()) IS NOT NULL)');
    expect(ddl).toContain('FORCE ROW LEVEL SECURITY');
  });

  it('a served view that drops or renames a key column is an error at its declaration, naming the column and the fix', () => {
    const view = servingView('events_view', { from: daily, served: true, select: (c) => ({ tenant_id: c.tenant_id, day: c.day, kind_name: c.kind }) });
    const { diagnostics } = check([events, daily, view]);
    expect(diagnostics.map((d) => [d.code, d.line, d.message, d.hint])).toEqual([
      ['served-view-key', view.loc.line, 'served view "events_view" does not select "kind" of "events_daily" unchanged; its operational table is keyed by tenant_id, kind, day (the key and tenant of "events_daily")', 'add kind: c.kind to the view\'s select'],
    ]);
    expect(diagnostics[0]!.file).toBe(view.loc.file);
  });

  it('a served view over something without a change log of keyed rows is refused', () => {
    const view = servingView('enriched_view', { from: enriched, served: true, select: (c) => ({ tenant_id: c.tenant_id, label: c.label }) });
    const { diagnostics } = check([events, kinds, enriched, view]);
    expect(diagnostics.map((d) => d.code)).toEqual(['served-view-source']);
    expect(diagnostics[0]!.hint).toBe('build "enriched_view" on an aggregate or rollup, or serve "events_enriched" itself');
  });
});

describe('the operational config', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
  const project = (config: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'mvkit-op-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'mvkit.config.mjs'), config);
    return dir;
  };

  it('is refused at load with the line when malformed: an unknown option, a non-string, an app role that is not a plain name', async () => {
    const cases: [string, string][] = [
      ["export default {\n  name: 'x',\n  operational: { uri: 'postgres://h/db' },\n};\n", 'mvkit.config.mjs:3: operational has no option "uri"'],
      ["export default {\n  name: 'x',\n  operational: { url: 5 },\n};\n", 'mvkit.config.mjs:3: operational.url must be a string'],
      ["export default {\n  name: 'x',\n  operational: {\n    appRole: 'App Role',\n  },\n};\n", 'mvkit.config.mjs:4: operational.appRole "App Role" is not a plain role name'],
    ];
    for (const [config, message] of cases) {
      const err = await loadProject(project(config)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelError);
      expect((err as ModelError).message).toBe(message);
    }
    await expect(loadProject(project("export default { name: 'x', operational: { url: 'postgres://h/db', appRole: 'dash_app' } };\n"))).resolves.toBeTruthy();
  });
});
