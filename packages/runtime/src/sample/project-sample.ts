import type { ManifestColumn } from '@mvkit/compiler';
import { batchName, SampleError } from './batch-names.ts';
import { keyValue, missingKeyValue, plainValue, valueKind, type JsonValue } from './column-values.ts';
import { hash32, Prng } from './prng.ts';
import type { ProjectShape, ShapeDimension, ShapeSource, ShapeStream } from './project-shape.ts';
import { PROJECT_SAMPLE_DEFAULTS } from './defaults.ts';

export { PROJECT_SAMPLE_DEFAULTS };

export type ProjectRecord = Record<string, JsonValue>;

export interface ProjectBatch {
  /** Folder name: `<batch end, colons as dashes>Z_<seq>`, so names sort by time. */
  readonly name: string;
  readonly at: Date;
  /** Feed (stream or dimension name) → its records, in file order. */
  readonly feeds: ReadonlyMap<string, readonly ProjectRecord[]>;
}

export interface ProjectSampleOptions {
  readonly seed: number;
  readonly tenants: number;
  /** Per stream (for a stream join: per key, each with events of its member streams). */
  readonly events: number;
  readonly batches: number;
  readonly start: Date;
  /** Length of the generated window, in hours. */
  readonly hours: number;
}


/** Shares of the traffic that is not plain: small enough that most data joins and arrives on time. */
const MISSING_REFERENCE = 0.04;
const LATE = 0.03;
const DUPLICATE = 0.01;
const OUT_OF_ORDER = 0.04;
/** A stream-join key whose members arrive in different batches: one member's events a batch or two after the others. */
const SPLIT_KEY = 0.12;

const prefixOf = (column: string) => column.replace(/_id$/, '') || column;
const TENANT_PREFIX = 'tenant';

interface DimRow { readonly tenant: number | null; readonly values: ProjectRecord; alive: boolean }

/** Splits `total` evenly over `n` parts, the remainder to the first ones. */
const split = (total: number, n: number) => Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));

class Dimension {
  readonly rows: DimRow[] = [];
  private readonly rng: Prng;
  private readonly perTenantKeys: boolean;
  private readonly onlyTenantKey: boolean;
  private next = new Map<number | null, number>();

  constructor(readonly shape: ShapeDimension, seed: number, private readonly tenantValue: (i: number, col: ManifestColumn) => JsonValue, private readonly window: { start: number; end: number }) {
    this.rng = new Prng(seed ^ hash32(`dimension:${shape.name}`));
    this.perTenantKeys = shape.tenant !== null && shape.key.includes(shape.tenant);
    this.onlyTenantKey = shape.tenant !== null && shape.key.length === 1 && shape.key[0] === shape.tenant;
  }

  /** The first snapshot: one row per tenant for a dimension keyed by the tenant alone, else a few per tenant (or shared). */
  initial(tenants: number, atMs: number): ProjectRecord[] {
    const out: ProjectRecord[] = [];
    const scopes = this.shape.tenant === null ? [null] : Array.from({ length: tenants }, (_, i) => i);
    const perScope = this.onlyTenantKey ? 1 : this.shape.tenant === null ? 8 : 6;
    for (const t of scopes) for (let i = 0; i < perScope; i++) out.push(this.insertNew(t, atMs));
    return out;
  }

  /** A later batch's changes: updates of some rows, now and then a new row, a delete, or a deleted row back. */
  changes(tenants: number, atMs: number): ProjectRecord[] {
    const r = this.rng;
    const out: ProjectRecord[] = [];
    const alive = this.rows.filter((x) => x.alive);
    const updates = Math.max(1, Math.round(alive.length * 0.15));
    for (let i = 0; i < updates && alive.length; i++) {
      const row = r.pick(alive);
      this.fill(row.values, atMs);
      out.push({ op: 'update', ...row.values });
    }
    if (!this.onlyTenantKey) {
      if (r.chance(0.5)) out.push(this.insertNew(this.shape.tenant === null ? null : r.int(0, tenants - 1), atMs));
      const deletable = this.rows.filter((x) => x.alive);
      if (deletable.length > 2 && r.chance(0.5)) {
        const row = r.pick(deletable);
        row.alive = false;
        out.push({ op: 'delete', ...Object.fromEntries(this.shape.key.map((k) => [k, row.values[k] as JsonValue])) });
      }
      const dead = this.rows.filter((x) => !x.alive);
      if (dead.length && r.chance(0.3)) {
        const row = r.pick(dead);
        row.alive = true;
        this.fill(row.values, atMs);
        out.push({ op: 'insert', ...row.values });
      }
    }
    return out;
  }

  private insertNew(tenant: number | null, atMs: number): ProjectRecord {
    const scope = this.perTenantKeys ? tenant : null;
    const n = this.next.get(scope) ?? 0;
    this.next.set(scope, n + 1);
    const values: ProjectRecord = {};
    for (const c of this.shape.columns) {
      if (c.name === this.shape.tenant && tenant !== null) values[c.name] = this.tenantValue(tenant, c);
      else if (this.shape.key.includes(c.name)) values[c.name] = keyValue(prefixOf(c.name), n, c);
      else values[c.name] = null;
    }
    this.fill(values, atMs);
    this.rows.push({ tenant, values, alive: true });
    return { op: 'insert', ...values };
  }

  /** New values for the columns outside the key and the tenant. */
  private fill(values: ProjectRecord, atMs: number): void {
    for (const c of this.shape.columns) {
      if (this.shape.key.includes(c.name) || c.name === this.shape.tenant) continue;
      values[c.name] = plainValue(c, { rng: this.rng, atMs, windowStartMs: this.window.start, windowEndMs: this.window.end, literals: [] });
    }
  }
}

interface Pending { readonly batch: number; readonly atMs: number; readonly late: boolean; readonly record: ProjectRecord }

/** Whether a value fits a column as the loader checks it (a dimension's key may be wider than the stream column joined to it). */
function fits(value: JsonValue, col: ManifestColumn): boolean {
  if (value === null) return col.nullable;
  const kind = valueKind(col.type);
  if (kind.k === 'text') return typeof value === 'string' && (kind.length === null || value.length <= kind.length);
  if (kind.k === 'int') return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= kind.max;
  return kind.k === 'boolean' ? typeof value === 'boolean' : kind.k !== 'timestamp' && kind.k !== 'date' ? typeof value !== 'boolean' : typeof value === 'string';
}

class Source {
  private readonly rng: Prng;
  private seq = 0;
  /** Per member stream, the events generated so far with the batch they arrive in. */
  readonly pending = new Map<string, Pending[]>();

  constructor(
    readonly shape: ShapeSource,
    seed: number,
    private readonly ctx: {
      tenantValue: (i: number, col: ManifestColumn) => JsonValue;
      dimensions: ReadonlyMap<string, Dimension>;
      literals: ReadonlyMap<string, readonly string[]>;
      window: { start: number; end: number };
      batches: number;
      tenants: number;
    },
  ) {
    this.rng = new Prng(seed ^ hash32(`source:${shape.name}`));
    for (const m of shape.members) this.pending.set(m.name, []);
  }

  /** `count` keys with event times in [fromMs, toMs), arriving in `batch` unless late. */
  generate(count: number, batch: number, fromMs: number, toMs: number): void {
    const r = this.rng;
    const times = Array.from({ length: count }, () => fromMs + Math.floor(r.next() * (toMs - fromMs))).sort((a, b) => a - b);
    const joined = this.shape.members.length > 1;
    for (const atMs of times) {
      const tenant = r.int(0, this.ctx.tenants - 1);
      const id = this.seq++;
      const shared: ProjectRecord = {};
      const first = this.shape.members[0]!;
      for (const k of this.shape.key) {
        const col = first.columns.find((c) => c.name === k)!;
        shared[k] = k === first.tenant ? this.ctx.tenantValue(tenant, col) : keyValue(prefixOf(k), id, col);
      }
      // In a stream join, one member's events come a batch or two after the others': each member, over
      // many keys, is seen both before and after its partners.
      const splitMember = joined && r.chance(SPLIT_KEY) ? r.int(0, this.shape.members.length - 1) : -1;
      const splitDelay = r.int(1, 2);
      this.shape.members.forEach((m, i) => {
        const events = !joined ? 1 : i === 0 ? (r.chance(0.95) ? 1 : 0) : r.chance(0.9) ? r.int(1, 3) : 0;
        for (let e = 0; e < events; e++) {
          const t = Math.min(this.ctx.window.end - 1, i === 0 ? atMs : atMs + Math.round(r.logNormal(30_000, 1) * (e + 1)));
          let arrive = Math.min(this.ctx.batches - 1, Math.max(batch, Math.floor((t - this.ctx.window.start) / ((this.ctx.window.end - this.ctx.window.start) / this.ctx.batches))));
          const late = r.chance(LATE) || i === splitMember;
          if (late) arrive = Math.min(this.ctx.batches - 1, arrive + (i === splitMember ? splitDelay : r.int(1, 2)));
          const record = this.event(m, tenant, shared, t);
          const list = this.pending.get(m.name)!;
          list.push({ batch: arrive, atMs: t, late, record });
          if (r.chance(DUPLICATE)) list.push({ batch: Math.min(this.ctx.batches - 1, arrive + r.int(0, 1)), atMs: t, late: true, record: { ...record } });
        }
      });
    }
  }

  private event(m: ShapeStream, tenant: number, shared: ProjectRecord, atMs: number): ProjectRecord {
    const r = this.rng;
    const values = new Map<string, JsonValue>();
    const col = (name: string) => m.columns.find((c) => c.name === name);
    values.set(m.tenant, this.ctx.tenantValue(tenant, col(m.tenant)!));
    for (const [k, v] of Object.entries(shared)) values.set(k, v);
    values.set(m.eventTime, new Date(atMs).toISOString());
    for (const ref of m.references) {
      const dim = this.ctx.dimensions.get(ref.dimension);
      const open = ref.pairs.filter(([, s]) => !values.has(s));
      if (!dim || !open.length) continue;
      const candidates = dim.rows.filter((row) => ref.pairs.every(([d, s]) => !values.has(s) || JSON.stringify(row.values[d]) === JSON.stringify(values.get(s))));
      const row = candidates.length && !r.chance(MISSING_REFERENCE) ? r.pick(candidates) : undefined;
      for (const [d, s] of open) {
        const c = col(s)!;
        const v = row?.values[d];
        values.set(s, v !== undefined && v !== null && fits(v, c) ? v : missingKeyValue(prefixOf(s), r.int(0, 2), c));
      }
    }
    const out: ProjectRecord = {};
    for (const c of m.columns) {
      if (values.has(c.name)) out[c.name] = values.get(c.name)!;
      else if (m.key.includes(c.name)) out[c.name] = keyValue(prefixOf(c.name), this.seq++, c);
      else out[c.name] = plainValue(c, { rng: r, atMs, windowStartMs: this.ctx.window.start, windowEndMs: this.ctx.window.end, literals: this.ctx.literals.get(c.name) ?? [] });
    }
    return out;
  }

  /** A member's records arriving in `batch`: by event time, late ones among them, a few neighbours swapped. */
  drain(member: string, batch: number): ProjectRecord[] {
    const r = this.rng;
    const mine = this.pending.get(member)!.filter((p) => p.batch === batch);
    const onTime = mine.filter((p) => !p.late).sort((a, b) => a.atMs - b.atMs).map((p) => p.record);
    for (const p of mine.filter((x) => x.late)) onTime.splice(r.int(0, onTime.length), 0, p.record);
    for (let i = 1; i < onTime.length; i++) if (r.chance(OUT_OF_ORDER)) [onTime[i - 1], onTime[i]] = [onTime[i]!, onTime[i - 1]!];
    return onTime;
  }
}

/**
 * Synthetic CDC data for any project, deterministically from the seed: every dimension inserted in the
 * first batch, then updated, grown and pruned; every stream's events typed by its columns, joined to the
 * dimension keys its enrichments join on (a few missing), some late, out of order or delivered twice;
 * the member streams of a stream join sharing keys, each member arriving before and after its partners.
 */
export function generateProjectSample(shape: ProjectShape, options: Partial<ProjectSampleOptions> = {}): ProjectBatch[] {
  const o = { ...PROJECT_SAMPLE_DEFAULTS, ...options };
  if (!(o.batches >= 1 && o.tenants >= 1 && o.events >= 0 && o.hours > 0) || Number.isNaN(o.start.getTime())) {
    throw new SampleError('invalid sample options', { hint: '--batches and --tenants at least 1, --events at least 0, --start an ISO time such as 2026-11-26T00:00:00Z' });
  }
  const start = o.start.getTime();
  const windowMs = (o.hours * 3_600_000) / o.batches;
  const window = { start, end: start + o.hours * 3_600_000 };
  const tenantValue = (i: number, col: ManifestColumn) => keyValue(TENANT_PREFIX, i, col);
  const dimensions = new Map(shape.dimensions.map((d) => [d.name, new Dimension(d, o.seed, tenantValue, window)]));
  const dimRecords = shape.dimensions.map((d) => [d.name, [] as ProjectRecord[][]] as const);
  for (const [name, perBatch] of dimRecords) {
    const dim = dimensions.get(name)!;
    for (let b = 0; b < o.batches; b++) perBatch.push(b === 0 ? dim.initial(o.tenants, start) : dim.changes(o.tenants, start + b * windowMs));
  }
  const sources = shape.sources.map((s) => new Source(s, o.seed, { tenantValue, dimensions, literals: shape.literals, window, batches: o.batches, tenants: o.tenants }));
  for (const s of sources) {
    const counts = split(o.events, o.batches);
    for (let b = 0; b < o.batches; b++) s.generate(counts[b]!, b, start + b * windowMs, start + (b + 1) * windowMs);
  }
  const batches: ProjectBatch[] = [];
  for (let b = 0; b < o.batches; b++) {
    const feeds = new Map<string, ProjectRecord[]>();
    for (const [name, perBatch] of dimRecords) if (perBatch[b]!.length) feeds.set(name, perBatch[b]!);
    for (const s of sources) {
      for (const m of s.shape.members) {
        const records = s.drain(m.name, b);
        if (records.length) feeds.set(m.name, records);
      }
    }
    const at = new Date(start + (b + 1) * windowMs);
    batches.push({ name: batchName(at, b + 1), at, feeds });
  }
  return batches;
}
