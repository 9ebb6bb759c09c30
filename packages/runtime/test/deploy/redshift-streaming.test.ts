import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, loadProject } from '@mvkit/compiler';
import { applyDeployment, planDeployment } from '../../src/apply/apply.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { isStreamingMv, redshiftEngine } from '../../src/engines/redshift-engine.ts';
import { deployedNodeOf } from '../../src/plan/build-plan.ts';
import { compileFixture } from './helpers.ts';
import { recordingDb } from './recording-db.ts';

const GOLDEN = resolve(import.meta.dirname, 'golden/redshift');
function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || process.env.MVKIT_UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const example = resolve(import.meta.dirname, '../../../../examples/redshift-streaming');

describe('Redshift streaming ingestion (examples/redshift-streaming)', () => {
  it('apply creates each stream\'s external schema, then its streaming MV, before the MVs on it (golden, as the deploy user)', { timeout: 120_000 }, async () => {
    const manifest = (await compileProject(await loadProject(example), 'redshift')).manifest!;
    const db = recordingDb({});
    await applyDeployment(db, redshiftEngine(), manifest);
    const ddl = db.log.filter((l) => /^CREATE (EXTERNAL SCHEMA|MATERIALIZED VIEW|TABLE) /.test(l) && !l.split('\n')[0]!.includes(' mvkit.')).map((l) => l.split('\n')[0]);
    expect(ddl).toEqual([
      'CREATE EXTERNAL SCHEMA IF NOT EXISTS orders_source',
      'CREATE MATERIALIZED VIEW orders',
      'CREATE EXTERNAL SCHEMA IF NOT EXISTS stores_source',
      'CREATE MATERIALIZED VIEW stores',
      'CREATE MATERIALIZED VIEW orders_by_store',
      'CREATE EXTERNAL SCHEMA IF NOT EXISTS page_views_source',
      'CREATE MATERIALIZED VIEW page_views',
      'CREATE MATERIALIZED VIEW sales_hourly',
      'CREATE MATERIALIZED VIEW views_hourly',
    ]);
    golden('apply-streaming.sql', db.log.join('\n\n') + '\n');
  });

  it('dropping a streamed stream or a federated dimension drops its materialized view, not a table', { timeout: 120_000 }, async () => {
    const manifest = (await compileProject(await loadProject(example), 'redshift')).manifest!;
    const deployed = deployedNodeOf(manifest.nodes.find((n) => n.name === 'orders')!);
    expect(isStreamingMv(deployed)).toBe(true);
    expect(redshiftEngine().planSql.drop(deployed)).toEqual(['DROP MATERIALIZED VIEW orders;']);
    // The federated dimension is an MV on Redshift too; a plain landing table stays a table.
    expect(redshiftEngine().planSql.drop(deployedNodeOf(manifest.nodes.find((n) => n.name === 'stores')!))).toEqual(['DROP MATERIALIZED VIEW stores;']);
    const shop = await compileFixture([], 'redshift');
    expect(redshiftEngine().planSql.drop(deployedNodeOf(shop.nodes.find((n) => n.name === 'events')!))).toEqual(['DROP TABLE events;']);
  });

  it('the federated dimension: the plan says what it means for the MVs that join it, and refresh refreshes it first', { timeout: 120_000 }, async () => {
    const manifest = (await compileProject(await loadProject(example), 'redshift')).manifest!;
    const plan = await planDeployment(recordingDb({}), redshiftEngine(), manifest);
    expect(plan.notes).toEqual([expect.stringMatching(/^stores is read from Aurora PostgreSQL shop\.catalog\.stores by federated query, copied by an MV: AUTO REFRESH NO .* orders_by_store joins the copy, not the remote table/)]);
    const db = recordingDb({ deployed: manifest.nodes.map((n) => deployedNodeOf(n)) });
    const results = await refreshDeployment(db, redshiftEngine(), manifest);
    expect(results.map((r) => r.node)).toEqual(['stores', 'orders_by_store', 'sales_hourly', 'views_hourly']);
    expect(db.log.filter((l) => l.startsWith('REFRESH ') || l.startsWith('SET query_group') || l.startsWith('RESET'))).toEqual([
      "SET query_group TO 'mvkit_refresh';", 'REFRESH MATERIALIZED VIEW stores;', 'REFRESH MATERIALIZED VIEW orders_by_store;', 'REFRESH MATERIALIZED VIEW sales_hourly;', 'REFRESH MATERIALIZED VIEW views_hourly;', 'RESET query_group;',
    ]);
  });

  it('a new sort key of the federated dimension alters its MV, not a table; its column types never change in place', { timeout: 120_000 }, async () => {
    const manifest = (await compileProject(await loadProject(example), 'redshift')).manifest!;
    const stores = manifest.nodes.find((n) => n.name === 'stores')!;
    const sql = redshiftEngine().planSql;
    expect(sql.alter(stores, [{ attribute: 'sortKey', from: 'tenant_id, store_id', to: 'store_id' }]).every((q) => q.startsWith('ALTER MATERIALIZED VIEW stores '))).toBe(true);
    expect(sql.retypesInPlace(stores, { column: 'city', from: 'VARCHAR(64)', to: 'VARCHAR(128)' })).toBe(false);
  });
});
