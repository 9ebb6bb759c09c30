import {
  aggregate, dimension, enrichment, ratio, rollup, servingView, stream, streamJoin, t,
  type AggregateModel, type BaseType, type ColType, type DimensionModel, type Expr, type Model, type RollupModel,
  type StreamJoinModel, type StreamModel, type TimeGrain,
} from '@mvkit/compiler';
import type { measures as dslMeasures } from '@mvkit/compiler';
import { printExpr } from './print-expr.ts';
import { genAny, genBool, genNum, type ExprScope, type Rng } from './random-exprs.ts';
import { catOfSql } from './sql-values.ts';

/**
 * A random project of the kinds analysts write, built with the DSL functions themselves:
 * 1–3 streams, sometimes two or three in a stream join with random pivots, 0–2 dimensions
 * (tenant-scoped or global), enrichments of a stream, a member stream or the stream join,
 * aggregates over any of those (group-by subsets with the tenant, an optional time bucket,
 * countIf/sumIf/min/max/avg/countDistinct, an optional where), rollups to coarser grains, and
 * serving views over them.
 */
export interface RandomProject {
  readonly seed: number;
  readonly models: Model[];
  readonly streams: StreamModel[];
  readonly dimensions: DimensionModel[];
  readonly joins: StreamJoinModel[];
  /** What the generator chose, as DSL-like lines, for a failure message. */
  readonly description: string[];
  /** Constructs present (for the report of what a run covered). */
  readonly features: Set<string>;
}

/**
 * Whether the DSL renames carried columns (`columns: { out: 'dimension column' }`): probed once
 * on a throwaway model, so that the generator uses renames wherever the DSL has them.
 */
const RENAMES = (() => {
  try {
    const d = dimension('probe_d', { columns: { id: t.int(), name: t.varchar(8) }, key: ['id'], tenant: { global: 'probe' } });
    const s = stream('probe_s', { columns: { tenant_id: t.varchar(8), id: t.int(), at: t.timestamp() }, key: ['tenant_id', 'id'], tenant: 'tenant_id', eventTime: 'at' });
    const e = enrichment('probe_e', { from: s, joins: (join: (o: unknown) => unknown) => [join({ dimension: d, on: { id: 'id' }, columns: { label: 'name' } })] } as never) as Model;
    return 'label' in e.columns;
  } catch {
    return false;
  }
})();

const COLUMN_TYPES: [string, () => ColType][] = [
  ['txt', () => t.varchar(16)], ['int', () => t.int()], ['sml', () => t.smallint()], ['big', () => t.bigint()],
  ['dec', () => t.numeric(12, 2)], ['ts', () => t.timestamp()], ['bool', () => t.boolean()],
];
const GRAINS: TimeGrain[] = ['minute', 'hour', 'day', 'week', 'month'];

const cols = (m: Model): Record<string, ColType> => ({ ...m.columns });
const scopeOf = (m: Model, c: Record<string, Expr<BaseType>>): ExprScope => ({ types: Object.fromEntries(Object.entries(m.columns).map(([n, x]) => [n, x.sql])), c });
const show = (e: Expr<BaseType> | null | undefined) => (e ? printExpr(e.node) : '-');
const showNode = printExpr;
const typeText = (c: Readonly<Record<string, ColType>>) => Object.entries(c).map(([n, x]) => `${n} ${x.sql}`).join(', ');

export interface GeneratorOptions {
  /** Enrichments and aggregates may read a stream that lands in a stream join (default true). */
  readonly memberInputs?: boolean;
}

export function randomProject(r: Rng, seed: number, options: GeneratorOptions = {}): RandomProject {
  const description: string[] = [];
  const features = new Set<string>();
  const note = (line: string) => description.push(line);

  const streams: StreamModel[] = [];
  const keyType = r.chance(0.5) ? t.varchar(8) : t.int();
  for (let i = 1; i <= r.int(1, 3); i++) {
    const columns: Record<string, ColType> = { tenant_id: t.varchar(8), k: keyType, at: t.timestamp() };
    for (let j = 1; j <= r.int(1, 4); j++) {
      const [abbr, make] = r.pick(COLUMN_TYPES);
      columns[`s${i}_${abbr}${j}`] = make();
    }
    // Events without a time only where the stream declares them expected (the loader rejects them otherwise).
    const eventTimeOptional = r.chance(0.5);
    const s = stream(`s${i}`, { columns, key: ['tenant_id', 'k'], tenant: 'tenant_id', eventTime: 'at', ...(eventTimeOptional ? { eventTimeOptional } : {}) } as never) as StreamModel;
    streams.push(s);
    note(`stream ${s.name} (${typeText(columns)}) key (tenant_id, k)${eventTimeOptional ? ' eventTimeOptional' : ''}`);
  }

  const joins: StreamJoinModel[] = [];
  const members = new Set<StreamModel>();
  if (streams.length >= 2 && r.chance(0.6)) {
    const joined = streams.length === 3 && r.chance(0.4) ? streams : r.subset(streams, 2, 2);
    const aliases = Object.fromEntries(joined.map((s) => [`x_${s.name}`, s]));
    const pivotLines: string[] = [];
    const j = streamJoin('sj', {
      streams: aliases, key: ['tenant_id', 'k'], tenant: 'tenant_id',
      pivot: (b: Record<string, { min: Function; max: Function; count: Function }>) => {
        const out: Record<string, unknown> = {};
        const n = r.int(1, 4);
        for (let p = 1; p <= n; p++) {
          const alias = r.pick(Object.keys(aliases));
          const s = aliases[alias]!;
          const where = r.chance(0.4) ? (c: Record<string, Expr<BaseType>>) => genBool(r, scopeOf(s, c), 1) : undefined;
          const fn = r.pick(['min', 'max', 'count'] as const);
          const usable = Object.keys(s.columns).filter((c) => catOfSql(s.columns[c]!.sql) !== 'bool');
          out[`p${p}`] = fn === 'count' ? b[alias]!.count(where) : b[alias]![fn](r.pick(usable), where);
          pivotLines.push(`p${p}: ${alias}.${fn}(...)${where ? ' where ...' : ''}`);
        }
        return out;
      },
    } as never) as StreamJoinModel;
    joins.push(j);
    for (const s of joined) members.add(s);
    features.add(`streamJoin of ${joined.length}`);
    note(`streamJoin sj of ${joined.map((s) => s.name).join(', ')} on (tenant_id, k): ${j.pivot.map((p) => `${p.name} = ${p.arg ? `${p.fn}(${showNode(p.arg)})` : 'count()'} of ${p.stream}${p.filter ? ` where ${showNode(p.filter)}` : ''}`).join('; ')}`);
  }

  const dimensions: DimensionModel[] = [];
  for (let i = 1; i <= r.int(0, 2); i++) {
    const global = r.chance(0.4);
    const columns: Record<string, ColType> = global ? {} : { tenant_id: t.varchar(8) };
    columns[`d${i}_key`] = r.chance(0.6) ? t.varchar(8) : t.int();
    // Two dimensions may both have a `name`: carrying both needs a rename.
    if (r.chance(0.5)) columns.name = t.varchar(16);
    for (let j = 1; j <= r.int(1, 3); j++) {
      const [abbr, make] = r.pick(COLUMN_TYPES);
      columns[`d${i}_${abbr}${j}`] = make();
    }
    const key = global ? [`d${i}_key`] : ['tenant_id', `d${i}_key`];
    const d = dimension(`d${i}`, { columns, key, tenant: global ? { global: 'reference data shared by every tenant' } : 'tenant_id' } as never) as DimensionModel;
    dimensions.push(d);
    features.add(global ? 'global dimension' : 'tenant dimension');
    note(`dimension ${d.name} (${typeText(columns)}) key (${key.join(', ')})${global ? ' global' : ''}`);
  }

  // Inputs of enrichments and aggregates: plain streams, member streams, the stream join.
  const inputs: Model[] = [...streams.filter((s) => options.memberInputs !== false || !members.has(s)), ...joins];
  const enrichments: Model[] = [];
  for (let i = 1; i <= (dimensions.length ? r.int(0, 2) : 0); i++) {
    // Now and then an enrichment of the one before it (an MV with keyed rows as input).
    const from = enrichments.length && r.chance(0.3) ? r.pick(enrichments) : r.pick(inputs);
    const chosen: { dim: DimensionModel; on: Record<string, string>; carried: [string, string][] }[] = [];
    for (const dim of r.subset(dimensions, 1, 2)) {
      const keyCol = Object.keys(dim.columns).find((c) => c.endsWith('_key'))!;
      const want = catOfSql(dim.columns[keyCol]!.sql);
      const candidates = Object.keys(from.columns).filter((c) => c !== 'tenant_id' && catOfSql(from.columns[c]!.sql) === want);
      // A dimension joined twice in a row would carry its columns twice.
      if (from.kind === 'enrichment' && from.joins.some((j) => j.dimension === dim)) continue;
      if (!candidates.length) continue;
      const on: Record<string, string> = { [keyCol]: r.pick(candidates) };
      if (dim.tenant) on[dim.tenant] = 'tenant_id';
      const attrs = r.subset(Object.keys(dim.columns).filter((c) => (c.startsWith(`${dim.name}_`) || c === 'name') && c !== keyCol), 0, 3);
      const taken = new Set([...Object.keys(from.columns), ...chosen.flatMap((x) => x.carried.map(([out]) => out))]);
      const carried: [string, string][] = [];
      for (const c of attrs) {
        // Renamed now and then, and always when the name is taken; without renames in the DSL, a taken name is not carried.
        const out = RENAMES && (taken.has(c) || r.chance(0.3)) ? `${dim.name}_as_${c}` : c;
        if (taken.has(out)) continue;
        taken.add(out);
        carried.push([out, c]);
      }
      chosen.push({ dim, on, carried });
    }
    if (!chosen.length) continue;
    const name = `e${i}`;
    const lines: string[] = [];
    const e = enrichment(name, {
      from,
      joins: (join: (o: unknown) => unknown) => chosen.map((x) => join({
        dimension: x.dim, on: x.on,
        columns: x.carried.every(([out, c]) => out === c) ? x.carried.map(([c]) => c) : Object.fromEntries(x.carried),
      })),
      derive: (c: Record<string, Expr<BaseType>>) => {
        const scope: ExprScope = { types: scopeTypes(from, chosen), c };
        const out: Record<string, Expr<BaseType>> = {};
        for (let k = 1; k <= r.int(0, 2); k++) {
          const x = genAny(r, scope);
          // Named after the enrichment: one built on another keeps the names of the first.
          if (x) { out[`${name}_x${k}`] = x; lines.push(`${name}_x${k} = ${show(x)}`); }
        }
        return out;
      },
      where: r.chance(0.5) ? (c: Record<string, Expr<BaseType>>) => {
        const w = genBool(r, { types: scopeTypes(from, chosen), c });
        lines.push(`where ${show(w)}`);
        return w!;
      } : undefined,
    } as never) as Model;
    enrichments.push(e);
    if (chosen.some((x) => x.carried.some(([out, c]) => out !== c))) features.add('renamed carried column');
    features.add(`enrichment of ${from.kind}${members.has(from as StreamModel) ? ' (member stream)' : ''}`);
    note(`enrichment ${name} from ${from.name} join ${chosen.map((x) => `${x.dim.name} on ${JSON.stringify(x.on)} carry [${x.carried.map(([out, c]) => (out === c ? c : `${out}: ${c}`)).join(', ')}]`).join(' join ')}; ${lines.join('; ')}`);
  }

  const aggregates: (AggregateModel | RollupModel)[] = [];
  for (let i = 1; i <= r.int(1, 3); i++) {
    const from = r.pick([...inputs, ...enrichments]);
    const fromCols = cols(from);
    const groupable = Object.keys(fromCols).filter((c) => c !== 'tenant_id');
    const groupBy = ['tenant_id', ...r.subset(groupable, 0, 2)];
    const tss = Object.keys(fromCols).filter((c) => catOfSql(fromCols[c]!.sql) === 'ts');
    const bucket = tss.length && r.chance(0.6) ? { name: 'b', grain: r.pick(['hour', 'day'] as const), column: r.pick(tss) } : undefined;
    const lines: string[] = [];
    const name = `g${i}`;
    const a = aggregate(name, {
      from,
      groupBy,
      bucket,
      where: r.chance(0.4) ? (c: Record<string, Expr<BaseType>>) => {
        const w = genBool(r, scopeOf(from, c));
        lines.push(`where ${show(w)}`);
        return w!;
      } : undefined,
      measures: (m: typeof dslMeasures, c: Record<string, Expr<BaseType>>) => {
        const scope = scopeOf(from, c);
        const out: Record<string, unknown> = {};
        const n = r.int(1, 4);
        for (let k = 1; k <= n; k++) {
          const kind = r.pick(['count', 'countIf', 'sum', 'sumIf', 'min', 'max', 'avg', 'countDistinct'] as const);
          const num = genNum(r, scope);
          const cond = genBool(r, scope);
          const ordered = Object.keys(fromCols).filter((x) => catOfSql(fromCols[x]!.sql) !== 'bool');
          switch (kind) {
            case 'count': out[`m${k}`] = m.count(); lines.push(`m${k} = count()`); break;
            case 'countIf': if (cond) { out[`m${k}`] = m.countIf(cond); lines.push(`m${k} = countIf(${show(cond)})`); } break;
            case 'sum': if (num) { out[`m${k}`] = m.sum(num); lines.push(`m${k} = sum(${show(num)})`); } break;
            case 'sumIf': if (num && cond) { out[`m${k}`] = m.sumIf(num, cond); lines.push(`m${k} = sumIf(${show(num)}, ${show(cond)})`); } break;
            case 'avg': if (num) { out[`m${k}`] = m.avg(num); lines.push(`m${k} = avg(${show(num)})`); } break;
            case 'countDistinct': { const x = c[r.pick(Object.keys(fromCols))]!; out[`m${k}`] = m.countDistinct(x); lines.push(`m${k} = countDistinct(${show(x)})`); break; }
            default: {
              const x = r.chance(0.5) && num ? num : c[r.pick(ordered)]!;
              out[`m${k}`] = m[kind](x); lines.push(`m${k} = ${kind}(${show(x)})`);
            }
          }
        }
        if (!Object.keys(out).length) { out.n = m.count(); lines.push('n = count()'); }
        return out;
      },
    } as never) as AggregateModel;
    aggregates.push(a);
    features.add(`aggregate of ${from.kind}${members.has(from as StreamModel) ? ' (member stream)' : ''}`);
    if (bucket) features.add(`bucket ${bucket.grain}`);
    note(`aggregate ${name} from ${from.name} group by (${groupBy.join(', ')})${bucket ? ` bucket ${bucket.grain}(${bucket.column}) as b` : ''}; ${lines.join('; ')}`);
  }

  for (let i = 1; i <= r.int(0, 2); i++) {
    const from = r.pick(aggregates);
    const additive = from.measures.filter((m) => m.rollup).map((m) => m.name);
    if (!additive.length) continue;
    const groups = [...from.groupBy.filter((g) => g !== 'tenant_id'), ...(from.bucket ? [from.bucket.name] : [])];
    const kept = ['tenant_id', ...r.subset(groups, 0, groups.length - 1)];
    const inputGrain = from.bucket?.grain;
    const bucket = from.bucket && !kept.includes(from.bucket.name) && r.chance(0.7)
      ? { name: `b${i}`, grain: r.pick(GRAINS.slice(GRAINS.indexOf(inputGrain!))), column: from.bucket.name }
      : undefined;
    const measures = r.subset(additive, 1);
    const name = `r${i}`;
    const ro = rollup(name, { from, groupBy: kept, bucket, measures } as never) as RollupModel;
    aggregates.push(ro);
    features.add(`rollup${bucket ? ` to ${bucket.grain}` : ''}`);
    note(`rollup ${name} from ${from.name} group by (${kept.join(', ')})${bucket ? ` bucket ${bucket.grain}(${bucket.column}) as ${bucket.name}` : ''} measures [${measures.join(', ')}]`);
  }

  // Serving views over an aggregate or rollup: ratios and arithmetic over its measures.
  const views: Model[] = [];
  for (let i = 1; i <= r.int(0, 1); i++) {
    const from = r.pick(aggregates);
    const numbers = Object.keys(from.columns).filter((c) => from.columns[c]!.base === 'number');
    if (!numbers.length) continue;
    const lines: string[] = [];
    const v = servingView(`v${i}`, {
      from,
      select: (c: Record<string, Expr<BaseType>>) => {
        const out: Record<string, Expr<BaseType>> = { tenant_id: c.tenant_id! };
        const num = r.pick(numbers);
        const den = r.pick(numbers);
        out.q = ratio(c[num] as Expr<'number'>, c[den] as Expr<'number'>);
        const x = genNum(r, scopeOf(from, c), 1);
        if (x) out.x = x;
        lines.push(`q = ratio(${num}, ${den}); x = ${show(x)}`);
        return out;
      },
      where: r.chance(0.4) ? (c: Record<string, Expr<BaseType>>) => {
        const w = genBool(r, scopeOf(from, c), 1);
        lines.push(`where ${show(w)}`);
        return w!;
      } : undefined,
    } as never) as Model;
    views.push(v);
    features.add('serving view');
    note(`servingView v${i} from ${from.name}: ${lines.join('; ')}`);
  }

  const models: Model[] = [...streams, ...dimensions, ...joins, ...enrichments, ...aggregates, ...views];
  return { seed, models, streams, dimensions, joins, description, features };
}

/** The names an enrichment's derive and where see: the input's columns and the carried ones. */
function scopeTypes(from: Model, chosen: readonly { dim: DimensionModel; carried: [string, string][] }[]): Record<string, string> {
  const types: Record<string, string> = Object.fromEntries(Object.entries(from.columns).map(([n, x]) => [n, x.sql]));
  for (const x of chosen) for (const [out, c] of x.carried) types[out] = x.dim.columns[c]!.sql;
  return types;
}
