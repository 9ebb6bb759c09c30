import { resolve } from 'node:path';
import { compileProject, type Manifest, type Project } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { fixtureModels, type FixtureFlag } from './fixtures/shop/models/shop.ts';

export const FIXTURE_DIR = resolve(import.meta.dirname, 'fixtures/shop');

/** The shop fixture with some changes, compiled as the CLI would for that engine. */
export async function compileFixture(flags: readonly FixtureFlag[] = [], target: 'postgres' | 'redshift' = 'postgres'): Promise<Manifest> {
  const project: Project = { dir: FIXTURE_DIR, config: { name: 'shop' }, models: fixtureModels(flags), macros: {}, loadDiagnostics: [] };
  const result = await compileProject(project, target);
  if (!result.ok || !result.manifest) throw new Error(`fixture does not compile: ${JSON.stringify(result.diagnostics)}`);
  return result.manifest;
}

export async function loadData(db: Db): Promise<void> {
  await db.exec(`INSERT INTO kinds (kind, label, note) VALUES ('buy', 'Purchase', 'n1'), ('view', 'Page view', NULL)`);
  await db.exec(`INSERT INTO regions (region, name) VALUES ('eu', 'Europe'), ('us', 'Americas')`);
  const rows: string[] = [];
  for (let i = 0; i < 40; i++) {
    rows.push(`('t${i % 3}', 'e${i}', '${i % 4 === 0 ? 'buy' : 'view'}', ${i}, TIMESTAMP '2026-11-0${1 + (i % 3)} 0${i % 10}:15:00')`);
  }
  await db.exec(`INSERT INTO events (tenant_id, event_id, kind, amount, at) VALUES ${rows.join(', ')}`);
}

/** Everything an apply leaves behind, without timestamps and ids: deployed state, catalog, MV contents. */
export async function snapshot(db: Db, manifest: Manifest): Promise<unknown> {
  const deployed = await db.query('SELECT name, kind, role, fingerprint, physical::text AS physical, definition::text AS definition FROM mvkit.deployed_nodes ORDER BY name');
  const columns = await db.query("SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position");
  const views = await db.query("SELECT table_name AS name, view_definition AS sql FROM information_schema.views WHERE table_schema = current_schema() ORDER BY table_name");
  const contents: Record<string, unknown> = {};
  for (const n of manifest.nodes) {
    if (n.kind === 'table') continue;
    const cols = n.columns.map((c) => c.name).join(', ');
    contents[n.name] = await db.query(`SELECT ${cols} FROM ${n.name} ORDER BY ${cols}`);
  }
  return { deployed, columns, views, contents };
}

export async function relations(db: Db): Promise<string[]> {
  const rows = await db.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name");
  return rows.map((r) => r.name);
}
