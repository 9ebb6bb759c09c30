import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregate, compileProject, dimension, enrichment, loadProject, stream, streamJoin, t, type Manifest, type Model } from '@mvkit/compiler';
import { applyDeployment } from '../../src/apply/apply.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { verify } from '../../src/ivm/index.ts';
import { dimensionFeeds, listLandingFiles, loadLanding } from '../../src/load/load-landing.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { runProjectDemo } from '../../src/run/index.ts';
import { generateProjectSample, projectShape, writeProjectBatches, type ProjectBatch } from '../../src/sample/index.ts';
import { REPO, tempDir } from './helpers.ts';

/** A project of every column type, joined on an integer key, with a stream join of three members. */
function typedModels(): Model[] {
  const sensors = dimension('sensors', {
    columns: { tenant_id: t.varchar(16), sensor_id: t.int(), model: t.char(3), installed_on: t.date(), gain: t.numeric(6, 3), active: t.boolean(), retired_at: t.timestamp() },
    key: ['tenant_id', 'sensor_id'],
    tenant: 'tenant_id',
    onDelete: { keep: 'retired_at' },
  });
  const units = dimension('units', {
    columns: { unit: t.varchar(4), factor: t.double() },
    key: ['unit'],
    tenant: { global: 'units are the same for everyone' },
  });
  const readings = stream('readings', {
    columns: {
      tenant_id: t.varchar(16), reading_id: t.bigint(), sensor_id: t.int(), unit: t.varchar(4), at: t.timestamp(), day: t.date(),
      small: t.smallint(), value: t.numeric(12, 4), ratio: t.double(), ok: t.boolean(), note: t.varchar(6),
    },
    key: ['tenant_id', 'reading_id'],
    tenant: 'tenant_id',
    eventTime: 'at',
  });
  const enriched = enrichment('readings_enriched', {
    from: readings,
    joins: (join) => [
      join({ dimension: sensors, on: { tenant_id: 'tenant_id', sensor_id: 'sensor_id' }, columns: ['model', 'gain'] }),
      join({ dimension: units, on: { unit: 'unit' }, columns: ['factor'] }),
    ],
  });
  const hourly = aggregate('readings_hourly', {
    from: enriched,
    groupBy: ['tenant_id', 'model'],
    bucket: { name: 'hour', grain: 'hour', column: 'at' },
    measures: (m, c) => ({ n: m.count(), total: m.sum(c.value), small: m.sum(c.small), ok: m.countIf(c.ok.eq(true)) }),
  });
  const member = (name: string) => stream(name, {
    columns: { tenant_id: t.varchar(16), job_id: t.int(), step: t.varchar(8), cost: t.numeric(8, 2), at: t.timestamp() },
    key: ['tenant_id', 'job_id'],
    tenant: 'tenant_id',
    eventTime: 'at',
  });
  const jobs = streamJoin('jobs', {
    streams: { start: member('job_starts'), progress: member('job_progress'), end: member('job_ends') },
    key: ['tenant_id', 'job_id'],
    tenant: 'tenant_id',
    landing: 'job_events',
    pivot: ({ start, progress, end }) => ({
      started_at: start.min('at'),
      steps: progress.count(),
      cost: progress.max('cost'),
      ended_at: end.max('at'),
    }),
  });
  return [sensors, units, readings, enriched, hourly, jobs];
}

async function compiled(dir: string | Model[]): Promise<{ manifest: Manifest; models: Model[] }> {
  const project = typeof dir === 'string' ? await loadProject(dir) : { dir: REPO, config: { name: 'typed' }, models: dir, macros: {}, loadDiagnostics: [] };
  const r = await compileProject(project, 'postgres');
  if (!r.manifest) throw new Error(`${dir} does not compile: ${JSON.stringify(r.diagnostics)}`);
  return { manifest: r.manifest, models: [...r.graph.models.values()] };
}

const filesOf = (d: string) => readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(d.length)).sort();
const lines = (b: ProjectBatch, feed: string) => (b.feeds.get(feed) ?? []).map((r) => JSON.stringify(r));

/**
 * Deploys the project on PGlite, then drops the generated batches into the landing directory one at a
 * time, each loaded and refreshed as `mvkit load` and `mvkit refresh` do; then recomputes every MV.
 */
async function loadAndRefresh(dir: string | Model[], options: { seed: number; events: number; batches: number; tenants: number }, full: readonly string[] = []) {
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
    // the local engine keeps it as a multiset, refreshed incrementally like everything built on it.
    const { batches, db } = await loadAndRefresh(join(REPO, 'examples/quickstart'), { seed: 3, events: 400, batches: 4, tenants: 2 });
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

  it('the project `mvkit init` makes: loads with zero rejects, refreshes incrementally, verify is clean', async () => {
    // As in the quickstart, purchases_by_customer (an enrichment of a plain stream, no unique key) is incremental too.
    const { batches, db, mvs } = await loadAndRefresh(join(REPO, 'packages/cli/template'), { seed: 6, events: 400, batches: 4, tenants: 2 });
    try {
      expect(mvs.length).toBeGreaterThan(0);
      const purchases = batches.flatMap((b) => b.feeds.get('purchases') ?? []).length;
      const sold = await db.query<{ n: number }>('SELECT COALESCE(SUM(purchases), 0)::int AS n FROM sales_hourly');
      // Most purchases find their customer (a few generated keys are missing on purpose).
      expect(sold[0]!.n).toBeGreaterThan(0.8 * purchases);
      expect(sold[0]!.n).toBeLessThanOrEqual(purchases);
    } finally {
      await db.close();
    }
  }, 300_000);

  it('a project of every column type: integers, NUMERIC scales, dates, booleans, an integer join key, a three-stream join', async () => {
    const { batches, db } = await loadAndRefresh(typedModels(), { seed: 4, events: 500, batches: 4, tenants: 3 });
    try {
      const readings = batches.flatMap((b) => b.feeds.get('readings') ?? []);
      // NUMERIC(12,4) as exact text with its four decimals; SMALLINT inside its range; NULL now and then (nullable columns).
      const values = readings.map((r) => r.value).filter((v) => v !== null);
      expect(values.length).toBeGreaterThan(0.9 * readings.length);
      expect(values.every((v) => typeof v === 'string' && /^-?\d{1,6}\.\d{4}$/.test(v))).toBe(true);
      expect(readings.every((r) => r.small === null || (typeof r.small === 'number' && r.small >= 0 && r.small <= 32_767))).toBe(true);
      expect(readings.every((r) => r.day === null || /^2026-11-2[67]$/.test(r.day as string))).toBe(true);
      const sensors = new Set(batches.flatMap((b) => (b.feeds.get('sensors') ?? []).map((s) => `${s.tenant_id}/${s.sensor_id}`)));
      expect(readings.filter((r) => sensors.has(`${r.tenant_id}/${r.sensor_id}`)).length / readings.length).toBeGreaterThan(0.9);
      const jobs = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM jobs WHERE started_at IS NOT NULL AND steps > 0 AND ended_at IS NOT NULL');
      expect(jobs[0]!.n).toBeGreaterThan(100);
      // Sensors keep deleted rows (onDelete): the marker is the loader's to set, never a generated value.
      const sensorRecords = batches.flatMap((b) => b.feeds.get('sensors') ?? []);
      expect(sensorRecords.every((r) => !('retired_at' in r))).toBe(true);
      const deleted = new Set(sensorRecords.filter((r) => r.op === 'delete').map((r) => `${r.tenant_id}/${r.sensor_id}`));
      const retired = await db.query<{ k: string }>("SELECT tenant_id || '/' || sensor_id AS k FROM sensors WHERE retired_at IS NOT NULL");
      expect(deleted.size).toBeGreaterThan(0);
      for (const r of retired) expect(deleted.has(r.k)).toBe(true);
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

  it('load reads a folder\'s dimensions before its streams, whatever their names', async () => {
    const { manifest } = await compiled(join(REPO, 'examples/quickstart'));
    const landing = tempDir('order');
    for (const dir of ['2026-11-26T01-00-00Z_0001', '2026-11-26T02-00-00Z_0002']) {
      mkdirSync(join(landing, dir));
      for (const f of ['orders.ndjson', 'stores.ndjson']) writeFileSync(join(landing, dir, f), '');
    }
    // `orders` sorts before `stores`; `stores` is the dimension.
    expect(listLandingFiles(landing, dimensionFeeds(manifest))).toEqual([
      '2026-11-26T01-00-00Z_0001/stores.ndjson', '2026-11-26T01-00-00Z_0001/orders.ndjson',
      '2026-11-26T02-00-00Z_0002/stores.ndjson', '2026-11-26T02-00-00Z_0002/orders.ndjson',
    ]);
  });

  it('mvkit generate on the quickstart writes its own feeds into --out, and --help says what it writes', () => {
    const out = join(tempDir('cli-gen'), 'landing');
    const mvkit = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'packages/cli/src/bin.ts'), ...args], { cwd: REPO, encoding: 'utf8' });
    const r = mvkit(['generate', '--project', 'examples/quickstart', '--out', out, '--events', '40', '--batches', '2', '--tenants', '2', '--seed', '1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wrote 2 batches, 4 files into /);
    expect(filesOf(out).map((f) => f.replace(/^\/[^/]+\//, '')).sort()).toEqual(['orders.ndjson', 'orders.ndjson', 'stores.ndjson', 'stores.ndjson']);
    const help = mvkit(['generate', '--help']).stdout;
    for (const flag of ['--seed', '--events', '--batches', '--tenants', '--out']) expect(help).toContain(flag);
    expect(help).toContain('<out>/<batch>/<feed>.ndjson');
  }, 60_000);

  it('mvkit demo runs any project: the quickstart, batch by batch, then what it serves', async () => {
    const { manifest, models } = await compiled(join(REPO, 'examples/quickstart'));
    const db = await openPglite();
    try {
      const r = await runProjectDemo(db, manifest, models, { dir: tempDir('project-demo'), seed: 2, events: 200, batches: 3, tenants: 2 });
      expect(r.batches.map((b) => b.load.rowsRejected)).toEqual([0, 0, 0]);
      expect(r.previews.map((p) => p.name)).toEqual(['sales_dashboard']);
      const total = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM sales_dashboard');
      expect(r.previews[0]!.total).toBe(total[0]!.n);
      expect(r.previews[0]!.rows.length).toBe(Math.min(8, total[0]!.n));
      expect(total[0]!.n).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  }, 120_000);
});
