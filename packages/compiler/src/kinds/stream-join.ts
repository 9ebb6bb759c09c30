import type { ExprNode } from '../expr.ts';
import { attrs, distColumn } from '../emit/physical.ts';
import { andChain, col, dslAggregate, lit, renderQuery } from '../emit/select.ts';
import { projection, relation, select, type OutputNode } from '../ir/select-node.ts';
import type { ManifestColumn } from '../manifest.ts';
import type { BaseType } from '../types.ts';
import { manifestColumns, type KindHandler, type ModelOf } from './kind-handler.ts';

type StreamJoin = ModelOf<'streamJoin'>;

function pivotSelect(m: StreamJoin) {
  const outs: OutputNode[] = m.key.map((k) => projection(k, col(k)));
  for (const p of m.pivot) {
    const mine: ExprNode = { kind: 'binary', op: '=', left: col(m.discriminator), right: lit(m.streams[p.stream]?.name ?? p.stream) };
    const filter = p.filter ? andChain(mine, p.filter) : mine;
    outs.push(dslAggregate(p.name, p.fn, p.arg ?? (p.fn === 'sum' ? lit(1) : null), filter, p.fn === 'sum' && !p.arg));
  }
  return select(relation(m.landing), [], null, outs, true);
}

/** Streams landed in one table sorted by the join key, pivoted to one row per key by an MV. */
export const streamJoinKind: KindHandler<StreamJoin> = {
  refs: (m) => Object.values(m.streams),
  tenant: (m) => m.tenant,
  materialized: () => true,
  physical: (m, _graph, _lookups, landing) => attrs({ distKey: distColumn(m.key, m.tenant), sortKey: m.key }, landing ? m.landingPhysical : m.physical),
  select: (m) => pivotSelect(m),
  key: (m) => m.key,
  compile(m, ctx) {
    const columns: ManifestColumn[] = m.key.map((k) => ({ name: k, type: Object.values(m.streams)[0]!.columns[k]?.sql ?? 'VARCHAR(256)', nullable: false }));
    columns.push({ name: m.discriminator, type: 'VARCHAR(64)', nullable: false });
    for (const s of Object.values(m.streams)) {
      for (const [c, t] of Object.entries(s.columns)) if (!columns.some((x) => x.name === c)) columns.push({ name: c, type: t.sql, nullable: true });
    }
    const first = Object.values(m.streams)[0];
    ctx.node({
      name: m.landing, kind: 'table', role: 'landing', model: m.name, ...ctx.loc, columns, dependsOn: [], key: null, tenant: m.tenant, eventTime: first?.eventTime ?? null,
      appendOnly: true, physical: streamJoinKind.physical(m, ctx.graph, ctx.lookups, true), sql: null, select: null,
    });
    const q = pivotSelect(m);
    ctx.node({
      name: m.name, kind: 'mv', role: 'streamJoin', model: m.name, ...ctx.loc, columns: manifestColumns(m.columns, []), dependsOn: [m.landing], key: m.key, tenant: m.tenant,
      eventTime: null, appendOnly: false, physical: ctx.lookups.physicalOf(m), sql: renderQuery(q, ctx.dialect), select: q,
    });
  },
  check(m, ctx) {
    if (Object.keys(m.streams).length < 2) ctx.err('stream-join-arity', `stream join "${m.name}" lands ${Object.keys(m.streams).length} stream(s)`, 'a stream join lands two or more streams');
    const types = new Map<string, [string, BaseType, string]>();
    for (const s of Object.values(m.streams)) {
      ctx.need(s.columns, m.key, 'join key column', `stream "${s.name}"`);
      if (s.kind === 'stream' && s.source) ctx.err('stream-source-joined', `stream "${s.name}" has a source (Redshift streaming ingestion) but lands in stream join "${m.name}": a streaming MV reads one stream, not a shared landing table`, `remove source from stream('${s.name}', …), or build the join on streaming MVs with an sqlModel`);
      for (const [c, t] of Object.entries(s.columns)) {
        const prior = types.get(c);
        if (prior && prior[1] !== t.base) ctx.err('type-mismatch', `column "${c}" is ${prior[1]} in "${prior[0]}" but ${t.base} in "${s.name}": they land in one table`, 'rename one of the two, or give them the same type');
        // One landing column holds both: a value of the second type need not fit the first (2.5 in an INTEGER).
        else if (prior && prior[2] !== t.sql) ctx.err('type-mismatch', `column "${c}" is ${prior[2]} in "${prior[0]}" but ${t.sql} in "${s.name}": they land in one column of one table`, 'give both the same SQL type (the wider one), or rename one of the two');
        else if (!prior) types.set(c, [s.name, t.base, t.sql]);
      }
    }
    for (const p of m.pivot) {
      const s = m.streams[p.stream];
      if (p.arg?.kind === 'column' && s && !(p.arg.name in s.columns)) ctx.err('unknown-column', `pivot "${p.name}" reads "${p.arg.name}", not a column of stream "${s.name}"`, `columns: ${Object.keys(s.columns).join(', ')}`);
      else if ((p.fn === 'min' || p.fn === 'max') && p.type.base === 'boolean') ctx.err('type-mismatch', `pivot "${p.name}" takes the ${p.fn.toUpperCase()} of a boolean, which neither Postgres nor Redshift has`, 'count the events where it holds instead: count((e) => e.<column>.eq(true))');
    }
  },
};
