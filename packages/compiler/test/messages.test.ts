import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregate, buildGraph, compileProject, enrichment, loadProject, ModelError, sqlModel, stream, t } from '@mvkit/compiler';
import { UnknownColumnError } from '../src/column-scope.ts';
import { renderSqlModels } from '../src/passes/sql-models.ts';

const fixtures = join(import.meta.dirname, 'fixtures/projects');
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** A project folder with a config and an empty models/ (the config needs no import). */
function projectWithConfig(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mvkit-config-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'models'));
  writeFileSync(join(dir, 'mvkit.config.mjs'), config);
  return dir;
}

const deliveries = stream('deliveries', {
  columns: { tenant_id: t.varchar(32), message_id: t.varchar(64), delivered_at: t.timestamp(), sent_at: t.timestamp() },
  key: ['tenant_id', 'message_id'],
  tenant: 'tenant_id',
  eventTime: 'sent_at',
});

describe('the project config', () => {
  it('an unknown engine is refused with the config file and line, the target and the engines there are', async () => {
    const dir = projectWithConfig("export default {\n  name: 'x',\n  targets: {\n    prod: { engine: 'mysql' },\n  },\n};\n");
    const err = await loadProject(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).message).toBe('mvkit.config.mjs:4: target "prod" has engine "mysql", which mvkit does not have; engines: pglite, postgres, redshift');
    expect((err as ModelError).hint).toBe("set engine to one of 'pglite', 'postgres', 'redshift' in the target \"prod\"");
  });

  it('a defaultTarget that names no target is refused; known engines load', async () => {
    const bad = projectWithConfig("export default { name: 'x', defaultTarget: 'prod', targets: { local: { engine: 'pglite' } } };\n");
    await expect(loadProject(bad)).rejects.toThrow('defaultTarget "prod" is not one of the targets (local, postgres)');
    // `local` and `postgres` need no declaration.
    await expect(loadProject(projectWithConfig("export default { name: 'x', defaultTarget: 'postgres' };\n"))).resolves.toBeTruthy();
    const ok = projectWithConfig("export default { name: 'x', defaultTarget: 'rs', targets: { local: { engine: 'pglite' }, pg: { engine: 'postgres' }, rs: { engine: 'redshift' } } };\n");
    await expect(loadProject(ok)).resolves.toMatchObject({ config: { name: 'x' } });
  });
});

describe('a misspelled column in a callback', () => {
  it('throws an UnknownColumnError naming the column, the columns there are and the nearest one', () => {
    let err: unknown;
    try {
      aggregate('delivered', {
        from: deliveries,
        groupBy: ['tenant_id'],
        measures: (m, c) => ({ n: m.countIf((c as unknown as Record<string, typeof c.sent_at>).delivred_at!.isNotNull()) }),
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownColumnError);
    expect((err as Error).message).toBe('unknown column "delivred_at"; columns: tenant_id, message_id, delivered_at, sent_at');
    expect((err as UnknownColumnError).hint).toBe('did you mean "delivered_at"?');
  });

  it('the column scope still behaves as an object of columns', () => {
    const seen: string[] = [];
    enrichment('e', {
      from: deliveries,
      joins: () => [],
      derive: (c) => {
        seen.push(...Object.keys(c), String('tenant_id' in c), String('nope' in c), JSON.stringify(Object.keys({ ...c })));
        return {};
      },
    });
    expect(seen).toEqual(['tenant_id', 'message_id', 'delivered_at', 'sent_at', 'true', 'false', '["tenant_id","message_id","delivered_at","sent_at"]']);
  });

  it('through the loader: a diagnostic at the callback\'s line, with the model it belongs to', async () => {
    const r = await compileProject(await loadProject(join(fixtures, 'unknown-column-callback')));
    expect(r.diagnostics.map((d) => ({ ...d, message: d.message }))).toEqual([{
      code: 'unknown-column', severity: 'error', file: 'models/deliveries.ts', line: 15, column: 82, model: 'delivered_per_tenant',
      message: 'unknown column "delivred_at" of "delivered_per_tenant" read in a callback; columns: tenant_id, message_id, delivered_at, sent_at',
      hint: 'did you mean "delivered_at"?',
    }]);
  });
});

describe('a misspelled column through the mvkit binary (models bundled with esbuild)', () => {
  it('is reported at the callback\'s line with its model, exit 1, no stack trace', () => {
    const bin = join(import.meta.dirname, '../../cli/src/bin.ts');
    const r = spawnSync('npx', ['tsx', bin, '-p', join(fixtures, 'unknown-column-callback'), 'validate'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('models/deliveries.ts:15:82: error unknown-column [delivered_per_tenant]: unknown column "delivred_at" of "delivered_per_tenant" read in a callback; columns: tenant_id, message_id, delivered_at, sent_at\n    hint: did you mean "delivered_at"?');
    expect(r.stdout + r.stderr).not.toMatch(/\bat .*\.ts:\d+:\d+\)/);
  }, 60_000);
});

describe('macros', () => {
  it('a project without a macros folder has no macros: only a {{> partial}} of one is an error, naming the model and the folder', async () => {
    const r = await compileProject(await loadProject(join(fixtures, 'missing-macro')));
    expect(r.diagnostics.map((d) => [d.code, d.model, d.message, d.hint])).toEqual([[
      'missing-macro', 'failure_rate',
      'the SQL of "failure_rate" uses the macro {{> safe_ratio}}, but the project has no macros/ folder',
      'create macros/safe_ratio.hbs with the macro\'s SQL, or remove {{> safe_ratio}} from the model',
    ]]);
    expect(r.manifest).toBeNull();
  });

  it('with a macros folder, the message names the file that is missing', () => {
    const s = sqlModel('s', { materialized: 'view', sql: 'SELECT {{> pct x="a"}} AS p FROM {{ref "deliveries"}}', columns: { p: t.double() } });
    const r = renderSqlModels(buildGraph([deliveries, s], { other: 'x' }), { dir: 'sql/macros', exists: true });
    expect(r.diagnostics.map((d) => d.message)).toEqual(['the SQL of "s" uses the macro {{> pct}}, but sql/macros/ has no pct.hbs or pct.sql']);
  });
});

describe('no DSL model is sent to fix SQL it does not have', () => {
  it('reserved column names are reported as names, and no hint speaks of the model\'s SQL', async () => {
    const r = await compileProject(await loadProject(join(fixtures, 'reserved-names')));
    expect(r.diagnostics.filter((d) => d.code === 'reserved-word').length).toBe(6);
    for (const d of r.diagnostics) expect(d.hint ?? '').not.toMatch(/SQL of this model/);
  });
});
