import { mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileProject, loadProject, type Manifest } from '@mvkit/compiler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../../../bench/compile/generate.ts';
import { planDeployment, applyDeployment } from '../../src/apply/apply.ts';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { deploymentStatus } from '../../src/status/status.ts';
import { tempDir } from '../platform/helpers.ts';
import { countingDb } from '../support/counting-db.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';

/** A generated project of `n` models (streams, dimensions, enrichments, hourly and daily aggregates), compiled for the local engine. */
async function generated(n: number): Promise<Manifest> {
  const dir = join(tempDir(`query-count-${n}`), 'project');
  generateProject(dir, n);
  mkdirSync(join(dir, 'node_modules', '@mvkit'), { recursive: true });
  symlinkSync(resolve(import.meta.dirname, '../../../compiler'), join(dir, 'node_modules', '@mvkit', 'compiler'));
  const r = await compileProject(await loadProject(dir), 'postgres');
  if (!r.manifest) throw new Error(JSON.stringify(r.diagnostics.slice(0, 3)));
  return r.manifest;
}

interface Counts { plan: number; status: number; refreshNoop: number; refreshedNoop: number; mvs: number }

/** Applies the project with a row in every stream and dimension, refreshes, then counts the queries of plan, status and a refresh with nothing to do. */
async function countQueries(open: () => Promise<Db>, manifest: Manifest): Promise<Counts> {
  const raw = await open();
  const db = countingDb(raw);
  try {
    const engine = await engineFor(db);
    await applyDeployment(db, engine, manifest);
    for (const s of manifest.nodes.filter((x) => x.kind === 'table')) {
      if (s.role === 'dimension') await db.exec(`INSERT INTO ${s.name} (tenant_id, k, label) VALUES ('t1', 'k1', 'one')`);
      else await db.exec(`INSERT INTO ${s.name} (tenant_id, id, k, amount, at) VALUES ('t1', 'e1', 'k1', 150, TIMESTAMP '2026-01-01 10:00:00')`);
    }
    const first = await refreshDeployment(db, engine, manifest);
    expect(first.some((r) => r.rows! > 0)).toBe(true);

    db.count.reset();
    const plan = await planDeployment(db, engine, manifest);
    expect(plan.stages).toEqual([]);
    const planCount = db.count.queries;

    db.count.reset();
    const status = await deploymentStatus(db, engine, manifest);
    expect(status.nodes.filter((n) => n.stale)).toEqual([]);
    const statusCount = db.count.queries;

    db.count.reset();
    const noop = await refreshDeployment(db, engine, manifest);
    const refreshCount = db.count.queries;
    expect(noop.every((r) => r.rows === 0)).toBe(true);

    // One stream changed: its enrichment (recomputed in full), hourly and daily aggregates refresh, nothing else.
    await db.exec(`INSERT INTO s0 (tenant_id, id, k, amount, at) VALUES ('t1', 'e2', 'k1', 250, TIMESTAMP '2026-01-01 11:00:00')`);
    const one = await refreshDeployment(db, engine, manifest);
    expect(one.filter((r) => r.detail !== 'no input changes').map((r) => r.node).sort()).toEqual(['a0', 'e0', 'r0']);
    const [daily] = await db.query<{ n: number }>("SELECT SUM(n)::int AS n FROM r0 WHERE tenant_id = 't1'");
    expect(daily?.n).toBe(2);
    return { plan: planCount, status: statusCount, refreshNoop: refreshCount, refreshedNoop: noop.filter((r) => r.detail !== 'no input changes').length, mvs: noop.length };
  } finally {
    await raw.close();
  }
}

let small: Manifest;
let large: Manifest;
beforeAll(async () => {
  [small, large] = [await generated(10), await generated(200)];
}, 300_000);

describe('plan, status and a refresh with nothing to do read the deployed state in a constant number of queries', () => {
  const check = async (open: () => Promise<Db>) => {
    const a = await countQueries(open, small);
    const b = await countQueries(open, large);
    // 10 models hold 6 MVs, 200 hold 120: the same queries for both.
    expect(b.mvs).toBe(20 * a.mvs);
    expect({ plan: b.plan, status: b.status, refresh: b.refreshNoop }, JSON.stringify({ small: a, large: b })).toEqual({ plan: a.plan, status: a.status, refresh: a.refreshNoop });
    // Nothing to fold in: no MV is refreshed one by one.
    expect(b.refreshedNoop).toBe(0);
  };

  it('on PGlite', async () => { await check(() => openPglite()); }, 600_000);

  describe('on native Postgres', () => {
    let server: PostgresServer;
    let n = 0;
    beforeAll(async () => { server = await startPostgres(); }, 180_000);
    afterAll(async () => { await server?.stop(); });
    it('the same counts for 10 and 200 models', async () => {
      await check(async () => openPostgres(await server.createDatabase(`query_count_${process.pid}_${++n}`)));
    }, 600_000);
  });
});
