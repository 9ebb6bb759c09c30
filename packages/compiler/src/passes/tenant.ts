import type { Diagnostic } from '../errors.ts';
import { diag, type ModelGraph } from '../graph.ts';

const HINT_OPT_OUT = 'or, if this model really spans tenants, opt out explicitly: tenantIsolation: { optOut: "why" }';

/**
 * Tenant isolation: every join condition includes the tenant column, every aggregate groups by it.
 * One tenant's rows must never be joined with, or summed into, another tenant's.
 */
export function tenantPass(graph: ModelGraph): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of graph.models.values()) {
    if ('tenantIsolation' in m && m.tenantIsolation) {
      if (!m.tenantIsolation.optOut?.trim()) out.push(diag(m, 'tenant-opt-out-reason', 'tenantIsolation opt-out without a reason', 'say why the model may mix tenants: tenantIsolation: { optOut: "why" }'));
      continue;
    }
    switch (m.kind) {
      case 'dimension':
        if (m.globalReason !== null && !m.globalReason.trim()) {
          out.push(diag(m, 'tenant-global-reason', `dimension "${m.name}" is declared global without a reason: every tenant's joins would read all of its rows`,
            'say why every tenant may see it: tenant: { global: "why" }, or name its tenant column: tenant: \'tenant_id\''));
        }
        break;
      case 'streamJoin':
        if (!m.key.includes(m.tenant)) out.push(diag(m, 'tenant-join', `stream join "${m.name}" is keyed by (${m.key.join(', ')}) without the tenant column "${m.tenant}"`, `add "${m.tenant}" to the key`));
        for (const s of Object.values(m.streams)) {
          if (s.tenant !== m.tenant) out.push(diag(m, 'tenant-join', `stream "${s.name}" has tenant column "${s.tenant}", the join uses "${m.tenant}"`, 'land streams with the same tenant column'));
        }
        break;
      case 'enrichment': {
        const tenant = m.tenant;
        for (const j of m.joins) {
          const dt = j.dimension.tenant;
          if (!dt) continue; // global master data
          if (!tenant || !j.on.some(([dc, ic]) => dc === dt && ic === tenant)) {
            out.push(diag(m, 'tenant-join', `the join of "${m.from.name}" with "${j.dimension.name}" does not constrain the tenant key (${j.dimension.name}.${dt} = ${m.from.name}.${tenant ?? '?'})`,
              `add ${dt}: '${tenant ?? 'tenant_id'}' to the join's \`on\`, ${HINT_OPT_OUT}`));
          }
        }
        break;
      }
      case 'aggregate': case 'rollup': {
        const inputTenant = m.from.kind === 'view' ? null : 'tenant' in m.from ? m.from.tenant : null;
        if (inputTenant && !m.groupBy.includes(inputTenant)) {
          out.push(diag(m, 'tenant-group', `"${m.name}" does not group by the tenant column "${inputTenant}": it would sum several tenants' rows together`, `add "${inputTenant}" to groupBy, ${HINT_OPT_OUT}`));
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}
