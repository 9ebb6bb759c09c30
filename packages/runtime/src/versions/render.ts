import { renderPlan } from '../plan/render-plan.ts';
import type { BlueGreenPlan } from './blue-green.ts';
import type { JanitorPlan, SwitchPlan } from './rollback.ts';
import { LEGACY, type ViewSwitch } from './switch.ts';
import { PRODUCTION } from './version-state.ts';

const HOW: Record<ViewSwitch['how'], string> = {
  create: 'CREATE VIEW', replace: 'CREATE OR REPLACE VIEW (same columns)', recreate: 'DROP VIEW + CREATE VIEW (the column list changes)', drop: 'DROP VIEW (model removed)',
};

function switchLine(s: ViewSwitch): string {
  const from = s.from === LEGACY ? `its unversioned relation (dropped in the switch)` : s.from ?? 'nothing';
  const how = s.from !== LEGACY ? HOW[s.how] : s.to ? 'DROP the relation + CREATE VIEW' : 'DROP the relation (model removed)';
  return `    ${s.model}: ${from} → ${s.to ?? 'nothing'} — ${how}`;
}

const envName = (env: string) => (env === PRODUCTION ? 'production' : `environment ${env} (schema ${env})`);

/** What `mvkit plan` prints for a blue/green deployment: the stages, what the switch does and what is kept. */
export function renderBlueGreenPlan(plan: BlueGreenPlan, target: string): string {
  const out = [`Blue/green plan for ${envName(plan.env)} on ${target} (${plan.engine}):`];
  if (!plan.switch.length && !plan.tables.stages.length) return `${out[0]} no changes.\n`;
  if (plan.tables.stages.length) {
    out.push('', '1. Landing and dimension tables (shared, not versioned): additive changes before the build, drops after the switch.');
    out.push(...renderPlan(plan.tables, { target }).trimEnd().split('\n').slice(2).map((l) => `   ${l}`));
  }
  out.push('', `2. Build ${plan.build.length} new version(s) next to the served ones, filled from the full history:`);
  out.push(...(plan.build.length ? plan.build.map((b) => `    + ${b.kind} ${b.physical} for ${b.model} (${b.cause})`) : ['    (none: every version the switch needs exists already)']));
  out.push('', `3. Refresh ${plan.refresh.length} version(s) up to the current data, then check: verify (local engines) and row counts against the served versions.`);
  out.push('', `4. Switch ${plan.switch.length} view(s) of ${envName(plan.env)} in ONE transaction (readers see all old or all new):`);
  out.push(...plan.switch.map(switchLine));
  if (plan.kept.length) out.push('', `Kept for mvkit rollback until mvkit janitor removes them: ${plan.kept.filter(Boolean).join(', ') || '(none)'}`);
  if (plan.switch.some((s) => s.from === LEGACY)) out.push('', 'First blue/green apply: each unversioned relation is rebuilt as a version and replaced by a view in the switch; there is no version of before to roll back to.');
  if (plan.tables.destructive.length) out.push('', `${plan.tables.destructive.length} destructive stage(s): apply refuses them without --allow-destructive.`);
  return out.join('\n') + '\n';
}

export function renderSwitchPlan(what: 'rollback' | 'promote', plan: SwitchPlan): string {
  if (!plan.switch.length) return `${what}: production already serves what ${plan.source} serves.\n`;
  const head = what === 'rollback' ? `Roll back ${envName(plan.env)} (undo switch ${plan.source}): the kept versions are refreshed forward, then` : `Promote environment ${plan.source} to production:`;
  return [head, `  ${plan.switch.length} view(s) switch in ONE transaction:`, ...plan.switch.map(switchLine)].join('\n') + '\n';
}

export function renderJanitor(plan: JanitorPlan, dryRun: boolean): string {
  const out = [`${dryRun ? 'Would drop' : 'Dropped'} ${plan.drop.length} version(s) no environment serves${plan.drop.length ? `: ${plan.drop.join(', ')}` : '.'}`];
  if (plan.keptForRollback.length) out.push(`Kept for mvkit rollback: ${plan.keptForRollback.join(', ')} (mvkit janitor --all drops them too).`);
  return out.join('\n') + '\n';
}
