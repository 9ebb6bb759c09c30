import type { DimensionModel, Model, StreamJoinModel, StreamModel } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import type { Row, SourceData } from './evaluate-models.ts';
import { BASE_TIME, TEXT_VALUES, tsText, type Rng } from './random-exprs.ts';
import { castTo, catOfSql, Dec, groupKey, Ts, type Val } from './sql-values.ts';
import type { RandomProject } from './random-project.ts';

export type Op =
  | { readonly op: 'events'; readonly stream: string; readonly rows: readonly Row[] }
  | { readonly op: 'upsert'; readonly dimension: string; readonly row: Row }
  | { readonly op: 'delete'; readonly dimension: string; readonly key: Row }
  | { readonly op: 'refresh'; readonly select: readonly string[] }
  /** Refresh every MV, then compare each with the oracle. */
  | { readonly op: 'check' };

const TENANTS = ['t1', 't2'];

/** A random value of a column's type; `nullable`: sometimes NULL. */
function value(r: Rng, sql: string, nullable: boolean): Val {
  if (nullable && r.chance(0.15)) return null;
  switch (catOfSql(sql)) {
    case 'text': return r.pick(TEXT_VALUES);
    case 'int': return BigInt(r.int(-2, 8));
    case 'dec': return castTo(new Dec(BigInt(r.int(-500, 5000)), 2), sql);
    case 'bool': return r.chance(0.5);
    // Late and out-of-order event times over three days, some with milliseconds.
    // Some weeks or months later, for week and month buckets.
    case 'ts': return new Ts(BASE_TIME + (r.chance(0.1) ? r.int(0, 80) * 24 : r.int(0, 72)) * 3_600_000 + r.pick([0, 0, 1, 59, 61, 1800]) * 1000 + (r.chance(0.2) ? r.int(1, 999) : 0));
    default: return null;
  }
}

function keyValue(r: Rng, sql: string): Val {
  // The values of text columns and then some: a join on the key finds dimension rows.
  return catOfSql(sql) === 'int' ? BigInt(r.int(0, 5)) : r.pick([...TEXT_VALUES, 'e', 'f']);
}

export function randomOps(r: Rng, p: RandomProject, mvNames: readonly string[], count: number): Op[] {
  const ops: Op[] = [];
  const written = new Map<string, Row[]>();
  // Every dimension starts with a few rows, so that inner joins keep most input rows.
  for (const d of p.dimensions) for (let i = 0; i < 4; i++) ops.push({ op: 'upsert', dimension: d.name, row: dimRow(r, d) });
  while (ops.length < count) {
    const x = r.next();
    if (x < 0.5 || !p.dimensions.length) {
      const s = r.pick(p.streams);
      const rows: Row[] = [];
      for (let i = r.int(1, 8); i > 0; i--) {
        const before = written.get(s.name) ?? [];
        // A duplicate event: the same row delivered twice.
        if (before.length && r.chance(0.1)) { rows.push(r.pick(before)); continue; }
        const row: Record<string, Val> = {};
        for (const [c, t] of Object.entries(s.columns)) {
          row[c] = c === 'tenant_id' ? r.pick(TENANTS) : s.key.includes(c) ? keyValue(r, t.sql) : value(r, t.sql, c !== s.eventTime || s.eventTimeOptional === true);
        }
        rows.push(row);
      }
      written.set(s.name, [...(written.get(s.name) ?? []), ...rows]);
      ops.push({ op: 'events', stream: s.name, rows });
    } else if (x < 0.7) {
      const d = r.pick(p.dimensions);
      ops.push({ op: 'upsert', dimension: d.name, row: dimRow(r, d) });
    } else if (x < 0.78) {
      const d = r.pick(p.dimensions);
      const row = dimRow(r, d);
      ops.push({ op: 'delete', dimension: d.name, key: Object.fromEntries(d.key.map((k) => [k, row[k] ?? null])) });
    } else if (x < 0.9) {
      ops.push({ op: 'refresh', select: r.subset(mvNames, 1) });
    } else {
      ops.push({ op: 'check' });
    }
  }
  ops.push({ op: 'check' });
  return ops;
}

function dimRow(r: Rng, d: DimensionModel): Row {
  const row: Record<string, Val> = {};
  for (const [c, t] of Object.entries(d.columns)) {
    if (c === d.tenant) row[c] = r.pick(TENANTS);
    else if (d.key.includes(c)) row[c] = catOfSql(t.sql) === 'int' ? BigInt(r.int(-2, 8)) : r.pick(TEXT_VALUES);
    else row[c] = value(r, t.sql, true);
  }
  return row;
}

/** The sources as written so far, for the oracle. */
export class SourceState implements SourceData {
  readonly streams = new Map<string, Row[]>();
  private readonly dims = new Map<string, Map<string, Row>>();
  constructor(private readonly models: readonly Model[]) {}
  get dimensions(): Map<string, Row[]> {
    return new Map([...this.dims].map(([n, m]) => [n, [...m.values()]]));
  }
  apply(o: Op): void {
    if (o.op === 'events') this.streams.set(o.stream, [...(this.streams.get(o.stream) ?? []), ...o.rows]);
    if (o.op === 'upsert' || o.op === 'delete') {
      const d = this.models.find((m) => m.name === o.dimension) as DimensionModel;
      const rows = this.dims.get(d.name) ?? new Map<string, Row>();
      const row = o.op === 'upsert' ? o.row : o.key;
      const k = d.key.map((c) => groupKey(row[c] ?? null)).join('|');
      if (o.op === 'upsert') rows.set(k, o.row);
      else rows.delete(k);
      this.dims.set(d.name, rows);
    }
  }
}

function param(v: Val): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Ts) return tsText(v.ms);
  return v.toString();
}

/** Plain DML, as a loader issues it: a member stream's events go to its stream join's landing table, marked with its name. */
export async function writeOp(db: Db, models: readonly Model[], o: Op): Promise<void> {
  if (o.op === 'events') {
    const s = models.find((m) => m.name === o.stream) as StreamModel;
    const join = models.find((m): m is StreamJoinModel => m.kind === 'streamJoin' && Object.values(m.streams).includes(s));
    const names = Object.keys(s.columns);
    const params: unknown[] = [];
    const tuples = o.rows.map((row) => {
      const vals = names.map((c) => { params.push(param(row[c] ?? null)); return `$${params.length}`; });
      if (join) { params.push(s.name); vals.push(`$${params.length}`); }
      return `(${vals.join(', ')})`;
    });
    const target = join ? `${join.landing} (${[...names, join.discriminator].join(', ')})` : `${s.name} (${names.join(', ')})`;
    await db.query(`INSERT INTO ${target} VALUES ${tuples.join(', ')}`, params);
  } else if (o.op === 'upsert') {
    const d = models.find((m) => m.name === o.dimension) as DimensionModel;
    const names = Object.keys(d.columns);
    const rest = names.filter((c) => !d.key.includes(c));
    await db.query(
      `INSERT INTO ${d.name} (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (${d.key.join(', ')}) DO ${rest.length ? `UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'NOTHING'}`,
      names.map((c) => param(o.row[c] ?? null)),
    );
  } else if (o.op === 'delete') {
    const d = models.find((m) => m.name === o.dimension) as DimensionModel;
    await db.query(`DELETE FROM ${d.name} WHERE ${d.key.map((c, i) => `${c} = $${i + 1}`).join(' AND ')}`, d.key.map((c) => param(o.key[c] ?? null)));
  }
}
