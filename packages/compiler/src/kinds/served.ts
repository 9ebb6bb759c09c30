import type { Model } from '../dsl/model.ts';
import type { ServedSpec } from '../manifest.ts';
import type { CheckContext, Lookups } from './kind-handler.ts';

/** Kinds that may be served: the MVs with a key per row, and serving views over them. */
const SERVABLE = new Set<Model['kind']>(['view', 'aggregate', 'rollup']);

/**
 * The served spec of a model declared `served: true` (spread into its manifest node), or
 * nothing. A serving view is synced from the MV beneath it: its key and tenant are that MV's.
 */
export function servedOf(m: Model, lookups: Lookups): { served?: ServedSpec } {
  if (!m.served || !SERVABLE.has(m.kind)) return {};
  const source = m.kind === 'view' ? m.from : m;
  const key = lookups.keyOf(source);
  if (!key?.length) return {};
  return { served: { key: [...key], tenant: lookups.tenantOf(source), source: source.name } };
}

/**
 * What keeps a served model from having an operational table: a kind without a row key, a
 * serving view over something other than an aggregate or rollup, or one that does not select
 * the key (and tenant) columns of the MV beneath unchanged.
 */
export function checkServed(m: Model, lookups: Lookups, ctx: Pick<CheckContext, 'err'>): void {
  if (!m.served) return;
  if (!SERVABLE.has(m.kind)) {
    ctx.err('served-kind', `"${m.name}" is a ${m.kind} and cannot be served`, 'mark an aggregate, a rollup or a servingView over one of them with served: true');
    return;
  }
  if (m.kind === 'view') {
    if (m.from.kind !== 'aggregate' && m.from.kind !== 'rollup') {
      ctx.err('served-view-source', `served view "${m.name}" is built on "${m.from.name}", a ${m.from.kind}; sync follows the change log of an aggregate or rollup beneath the view`, `build "${m.name}" on an aggregate or rollup, or serve "${m.from.name}" itself`);
      return;
    }
    const plain = new Map(m.select.flatMap((s) => (s.expr.kind === 'column' ? [[s.name, s.expr.name] as const] : [])));
    const needed = [...(lookups.keyOf(m.from) ?? []), lookups.tenantOf(m.from)].filter((c, i, a): c is string => !!c && a.indexOf(c) === i);
    for (const k of needed) {
      if (plain.get(k) !== k) {
        ctx.err('served-view-key', `served view "${m.name}" does not select "${k}" of "${m.from.name}" unchanged; its operational table is keyed by ${needed.join(', ')} (the key and tenant of "${m.from.name}")`, `add ${k}: c.${k} to the view's select`);
      }
    }
    return;
  }
  if (!lookups.keyOf(m)?.length) ctx.err('served-no-key', `served ${m.kind} "${m.name}" has no group columns, so its rows have no key for the operational table`, 'group it by at least one column (its tenant column, say)');
}
