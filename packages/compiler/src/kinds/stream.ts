import { attrs, distColumn } from '../emit/physical.ts';
import { redshiftStreamSelect } from '../emit/redshift-streaming.ts';
import { manifestColumns, type KindHandler, type ModelOf } from './kind-handler.ts';

/** Present only when declared, so manifests of projects that do not use it are unchanged. */
const optionalTime = (m: ModelOf<'stream'>) => (m.eventTimeOptional ? { eventTimeOptional: true as const } : {});

/** An append-only event stream: its own landing table, or rows of a stream join's shared one. */
export const streamKind: KindHandler<ModelOf<'stream'>> = {
  refs: () => [],
  tenant: (m) => m.tenant,
  materialized: () => false,
  physical: (m) => attrs({ distKey: distColumn(m.key, m.tenant), sortKey: m.key }, m.physical),
  select: () => null,
  // Events are not unique by their key (a stream may repeat it): no key for the rows built on it.
  key: () => null,
  compile(m, ctx) {
    const columns = manifestColumns(m.columns, m.key);
    const joinName = ctx.graph.landedIn.get(m.name);
    const j = joinName ? ctx.graph.models.get(joinName) : undefined;
    if (j?.kind === 'streamJoin') {
      ctx.stream({ name: m.name, table: j.landing, discriminator: { column: j.discriminator, value: m.name }, columns, key: m.key, tenant: m.tenant, eventTime: m.eventTime, ...optionalTime(m) });
      return;
    }
    ctx.stream({ name: m.name, table: m.name, discriminator: null, columns, key: m.key, tenant: m.tenant, eventTime: m.eventTime, ...optionalTime(m) });
    // On Redshift a stream with a source is a streaming MV; its SELECT is the node's SQL, so that a changed source rebuilds it.
    const streamed = m.source && ctx.dialect.name === 'redshift' ? { streamSource: m.source } : {};
    ctx.node({
      name: m.name, kind: 'table', role: 'stream', model: m.name, ...ctx.loc, columns, dependsOn: [], key: m.key, tenant: m.tenant, eventTime: m.eventTime,
      appendOnly: true, physical: ctx.lookups.physicalOf(m), sql: m.source && streamed.streamSource ? redshiftStreamSelect(m.name, columns, m.source) : null, select: null, ...streamed,
    });
  },
  check(m, ctx) {
    ctx.need(m.columns, m.key, 'key column', `stream "${m.name}"`);
    // Required by the types, but a model file is run without its types being checked.
    const timestamps = Object.keys(m.columns).filter((c) => m.columns[c]!.base === 'timestamp');
    if (m.tenant === undefined) ctx.err('missing-option', `stream "${m.name}" has no tenant column`, `add tenant: '<the column that holds the tenant id>' to its options (columns: ${Object.keys(m.columns).join(', ')})`);
    if (m.eventTime === undefined) {
      ctx.err('missing-option', `stream "${m.name}" has no eventTime column`, timestamps.length
        ? `add eventTime: '<the column of when the event happened>' to its options (its timestamp columns: ${timestamps.join(', ')})`
        : 'add a t.timestamp() column of when the event happened, and eventTime: \'<that column>\' to its options');
    }
    ctx.need(m.columns, [m.tenant, m.eventTime].filter((c) => c !== undefined), 'column', `stream "${m.name}"`);
    const t = m.eventTime === undefined ? undefined : m.columns[m.eventTime];
    if (t && t.base !== 'timestamp') ctx.err('type-mismatch', `event-time column "${m.eventTime}" is ${t.base}, not a timestamp`, 'declare it with t.timestamp()');
  },
};
