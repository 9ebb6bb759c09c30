import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, loadProject, type Manifest, type Model } from '@mvkit/compiler';
import { applyDeployment } from '../../src/apply/apply.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { verify } from '../../src/ivm/index.ts';
import { loadLanding } from '../../src/load/load-landing.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { generateProjectSample, projectShape, writeProjectBatches, type ProjectBatch } from '../../src/sample/index.ts';
import { REPO, tempDir } from './helpers.ts';

async function compiled(dir: string): Promise<{ manifest: Manifest; models: Model[] }> {
  const r = await compileProject(await loadProject(dir), 'postgres');
  if (!r.manifest) throw new Error(`${dir} does not compile: ${JSON.stringify(r.diagnostics)}`);
  return { manifest: r.manifest, models: [...r.graph.models.values()] };
}

const filesOf = (d: string) => readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(d.length)).sort();
const lines = (b: ProjectBatch, feed: string) => (b.feeds.get(feed) ?? []).map((r) => JSON.stringify(r));

/**
 * Deploys the project on PGlite, then drops the generated batches into the landing directory one at a
 * time, each loaded and refreshed as `mvkit load` and `mvkit refresh` do; then recomputes every MV.
 */
async function loadAndRefresh(dir: string, options: { seed: number; events: number; batches: number; tenants: number }, full: readonly string[] = []) {
  const { manifest, models } = await compiled(dir);
  const batches = generateProjectSample(projectShape(manifest, models), options);
  const db = await openPglite();
  try {
    const engine = await engineFor(db);
    await applyDeployment(db, engine, manifest);
    const landing = tempDir('project-sample');
    const mvs = manifest.nodes.filter((n) => n.kind === 'mv').map((n) => n.name).sort();
    const loads = [];
    for (const b of batches) {
      writeProjectBatches(landing, [b]);
      const load = await loadLanding(db, manifest, { landing });
      loads.push(load);
      expect(load.rejects).toEqual([]);
      expect(load.files.filter((f) => f.path.startsWith(`${b.name}/`)).map((f) => f.status)).toEqual([...b.feeds.keys()].map(() => 'loaded'));
      const results = await refreshDeployment(db, engine, manifest);
      expect(results.map((r) => r.node).sort()).toEqual(mvs);
      expect(results.filter((r) => r.mode !== 'incremental').map((r) => r.node)).toEqual(full);
    }
    const unequal = (await verify(db, manifest)).filter((v) => !v.equal);
    expect(unequal.map((v) => v.node)).toEqual([]);
    return { manifest, batches, loads, db, mvs };
  } catch (e) {
    await db.close();
    throw e;
  }
}

describe('mvkit generate for any project', () => {
  it('the root project: loads with zero rejects, every MV refreshes incrementally, verify is clean', async () => {
    const { manifest, batches, loads, db, mvs } = await loadAndRefresh(REPO, { seed: 7, events: 600, batches: 5, tenants: 3 });
    try {
      expect(mvs.length).toBeGreaterThan(3);
      // Every dimension and stream got data; the events are in the MVs.
      const feeds = new Set(batches.flatMap((b) => [...b.feeds.keys()]));
      expect([...feeds].sort()).toEqual([...manifest.streams.map((s) => s.name), ...manifest.nodes.filter((n) => n.role === 'dimension').map((n) => n.name)].sort());
      expect(loads.reduce((s, l) => s + l.rowsLoaded, 0)).toBeGreaterThan(1200);
      const counted = await db.query<{ n: number }>('SELECT COALESCE(SUM(submitted), 0)::int AS n FROM tenant_daily');
      expect(counted[0]!.n).toBeGreaterThan(300);
      // Statuses the models compare with are generated: the pivot's filtered columns are filled.
      const delivered = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM messages WHERE delivered_at IS NOT NULL');
      expect(delivered[0]!.n).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  }, 300_000);

  it('the quickstart: the same, and its orders join the stores of their own tenant', async () => {
    // orders_by_store, an enrichment of a plain stream, has no unique key (a stream may hold an event twice):
    // the local engine recomputes it in full whatever the data; everything built on it is incremental.
    const { batches, db } = await loadAndRefresh(join(REPO, 'examples/quickstart'), { seed: 3, events: 400, batches: 4, tenants: 2 }, ['orders_by_store']);
    try {
      const stores = new Set(batches.flatMap((b) => (b.feeds.get('stores') ?? []).map((r) => `${r.tenant_id}/${r.store_id}`)));
      const orders = batches.flatMap((b) => b.feeds.get('orders') ?? []);
      const joined = orders.filter((o) => stores.has(`${o.tenant_id}/${o.store_id}`)).length;
      // Mostly existing keys, a few missing.
      expect(joined / orders.length).toBeGreaterThan(0.9);
      expect(joined).toBeLessThan(orders.length);
      // Integers are JSON integers, booleans booleans.
      expect(orders.every((o) => Number.isInteger(o.amount_cents) || o.amount_cents === null)).toBe(true);
      expect(orders.some((o) => o.refunded === true) && orders.some((o) => o.refunded === false)).toBe(true);
      const sold = await db.query<{ n: number }>('SELECT COALESCE(SUM(orders), 0)::int AS n FROM sales_daily');
      expect(sold[0]!.n).toBeGreaterThan(300);
    } finally {
      await db.close();
    }
  }, 300_000);

  it('a stream join: each member has events arriving before and after their partners, keys shared', async () => {
    const { manifest, models } = await compiled(REPO);
    const batches = generateProjectSample(projectShape(manifest, models), { seed: 11, events: 1500, batches: 6, tenants: 3 });
    const landing = tempDir('stream-join');
    writeProjectBatches(landing, batches);
    // Read back from the files: the batch of each member's events per key.
    const members = ['message_submissions', 'delivery_receipts'];
    const first = new Map<string, Map<string, number>>(members.map((m) => [m, new Map()]));
    const last = new Map<string, Map<string, number>>(members.map((m) => [m, new Map()]));
    readdirSync(landing).sort().forEach((folder, batch) => {
      for (const m of members) {
        let text = '';
        try { text = readFileSync(join(landing, folder, `${m}.ndjson`), 'utf8'); } catch { continue; }
        for (const line of text.trim().split('\n')) {
          const r = JSON.parse(line) as Record<string, string>;
          const key = `${r.tenant_id}/${r.message_id}`;
          if (!first.get(m)!.has(key)) first.get(m)!.set(key, batch);
          last.get(m)!.set(key, batch);
        }
      }
    });
    const shared = [...first.get(members[0]!)!.keys()].filter((k) => first.get(members[1]!)!.has(k));
    expect(shared.length).toBeGreaterThan(1000);
    for (const [m, other] of [members, [...members].reverse()] as [string, string][]) {
      const before = shared.filter((k) => last.get(m)!.get(k)! < first.get(other)!.get(k)!);
      const after = shared.filter((k) => first.get(m)!.get(k)! > last.get(other)!.get(k)!);
      expect(before.length, `${m} before ${other}`).toBeGreaterThan(5);
      expect(after.length, `${m} after ${other}`).toBeGreaterThan(5);
    }
  });

  it('late, out-of-order and duplicated events; dimension inserts, then updates and deletes', async () => {
    const { manifest, models } = await compiled(join(REPO, 'examples/quickstart'));
    const batches = generateProjectSample(projectShape(manifest, models), { seed: 5, events: 3000, batches: 5, tenants: 3 });
    const orders = batches.map((b) => b.feeds.get('orders') ?? []);
    const times = orders.map((rs) => rs.map((r) => Date.parse(r.placed_at as string)));
    const windowMs = (24 * 3_600_000) / 5;
    const start = Date.parse('2026-11-26T00:00:00Z');
    // Late: an event in a batch after its event time's window.
    expect(times.flatMap((ts, b) => ts.filter((t) => t < start + b * windowMs)).length).toBeGreaterThan(10);
    // Out of order inside a file; every time inside the generated window.
    expect(times.flatMap((ts) => ts.filter((t, i) => i > 0 && t < ts[i - 1]!)).length).toBeGreaterThan(10);
    expect(times.flat().every((t) => t >= start && t < start + 24 * 3_600_000)).toBe(true);
    // Exact duplicates.
    const all = batches.flatMap((b) => lines(b, 'orders'));
    expect(all.length - new Set(all).size).toBeGreaterThan(5);
    // Dimensions: inserts only in the first batch, then updates and deletes, deletes with the key alone.
    const storeOps = batches.map((b) => (b.feeds.get('stores') ?? []).map((r) => r.op));
    expect(new Set(storeOps[0])).toEqual(new Set(['insert']));
    expect(storeOps.slice(1).flat()).toContain('update');
    expect(storeOps.slice(1).flat()).toContain('delete');
    const deletes = batches.flatMap((b) => (b.feeds.get('stores') ?? []).filter((r) => r.op === 'delete'));
    expect(deletes.every((d) => Object.keys(d).sort().join() === 'op,store_id,tenant_id')).toBe(true);
    // Tenant-scoped: every tenant has its stores.
    expect(new Set(batches[0]!.feeds.get('stores')!.map((r) => r.tenant_id)).size).toBe(3);
  });

  it('is deterministic: the same seed writes the same bytes, another seed other data', async () => {
    const { manifest, models } = await compiled(REPO);
    const shape = projectShape(manifest, models);
    const [a, b, c] = [tempDir('det-a'), tempDir('det-b'), tempDir('det-c')];
    writeProjectBatches(a, generateProjectSample(shape, { seed: 9, events: 300, batches: 3 }));
    writeProjectBatches(b, generateProjectSample(shape, { seed: 9, events: 300, batches: 3 }));
    writeProjectBatches(c, generateProjectSample(shape, { seed: 10, events: 300, batches: 3 }));
    expect(filesOf(a)).toEqual(filesOf(b));
    expect(filesOf(a).length).toBeGreaterThan(10);
    for (const f of filesOf(a)) expect(readFileSync(join(a, f), 'utf8')).toBe(readFileSync(join(b, f), 'utf8'));
    expect(filesOf(a).map((f) => readFileSync(join(a, f), 'utf8')).join()).not.toBe(filesOf(c).map((f) => readFileSync(join(c, f), 'utf8')).join());
  });
});
