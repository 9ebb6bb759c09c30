import type { AttributeChange, Cause, NodeChange, Plan, Stage } from './plan-types.ts';

const ATTR: Record<AttributeChange['attribute'], string> = { autoRefresh: 'auto refresh', distStyle: 'dist style', distKey: 'dist key', sortKey: 'sort key' };
const fmt = (n: number) => n.toLocaleString('en-US');

export function describeCause(cause: Cause, plan?: Plan): string {
  switch (cause.kind) {
    case 'new': return 'new';
    case 'removed': return 'removed from the project';
    case 'definition-changed': return cause.detail;
    case 'upstream-rebuilt': {
      const up = plan?.changes.find((c) => c.node === cause.upstream);
      const dropped = up?.cause.kind === 'columns-changed' && up.cause.dropped.length > 0;
      const how = up?.change === 'create' ? 'created' : up?.change === 'columns' ? (dropped ? 'dropped a column' : 'retyped a column') : 'rebuilt';
      return `upstream ${cause.upstream} ${how}`;
    }
    case 'columns-changed':
      return [
        ...cause.added.map((c) => `add column ${c}`),
        ...cause.dropped.map((c) => `drop column ${c}`),
        ...(cause.retyped ?? []).map((c) => `alter column ${c.column} type ${c.from} → ${c.to}, in place`),
      ].join(', ');
    case 'attributes-changed':
      return cause.changes.map((c) => `${ATTR[c.attribute]}: ${c.from.replace(/,/g, ', ')} → ${c.to.replace(/,/g, ', ')}`).join('; ');
    case 'state-only':
      return cause.detail;
  }
}

const SIGN: Record<NodeChange['change'], string> = { create: '+ create', drop: '- drop', rebuild: '~ rebuild', alter: '= alter', columns: '= alter', record: '· record' };

function recordedOnlyNote(plan: Plan): string {
  return `recorded only: ${plan.engine === 'pglite' ? 'PGlite' : 'Postgres'} has no DISTKEY, SORTKEY or AUTO REFRESH`;
}

function changeLine(c: NodeChange, plan: Plan): string {
  const parts = [`${'  '.repeat(c.depth)}${SIGN[c.change]} ${c.node} (${describeCause(c.cause, plan)})`];
  if (c.change === 'rebuild' && c.kind === 'mv' && c.rows !== null) parts.push(`~${fmt(c.rows)} rows to recompute`);
  if (c.recordedOnly && c.change === 'alter') parts.push(recordedOnlyNote(plan));
  if (c.destructive) parts.push(`DESTRUCTIVE: ${c.destructive}`);
  const reload = reloadNote(c);
  if (reload) parts.push(reload);
  return parts.join(' — ');
}

/** A dropped or rebuilt table's loaded-file records go with it: its landing files load again. */
function reloadNote(c: NodeChange): string | null {
  const n = c.fileRecords?.files ?? 0;
  if (!n) return null;
  const files = `${fmt(n)} file${n === 1 ? '' : 's'}`;
  return c.change === 'drop'
    ? `its ${files} recorded as loaded are forgotten: they load again if ${c.node} returns`
    : `${files} will be reloaded (mvkit load)`;
}

function firstLine(sql: string): string {
  const line = sql.split('\n')[0]!;
  const short = line.length > 96 ? `${line.slice(0, 96)} …` : line;
  return short === sql || (short === line && line.endsWith(';')) ? short : short.endsWith('…') ? short : `${short} …`;
}

function stageLine(s: Stage, i: number, plan: Plan, full: boolean): string[] {
  const head = `${String(i + 1).padStart(3)}. ${s.action} ${s.kind} ${s.node}${s.rebuild ? ' (rebuild)' : ''}${s.destructive ? ' [destructive]' : ''}`;
  if (!s.sql.length) return [`${head}: ${s.action === 'alter' ? recordedOnlyNote(plan) : 'state only'}`];
  const sql = full ? s.sql.flatMap((q) => q.split('\n')) : s.sql.map(firstLine);
  return [head, ...sql.map((l) => `       ${l}`)];
}

/** The explainer: what `mvkit plan` prints. `full` prints every statement in full. */
export function renderPlan(plan: Plan, options: { target?: string; full?: boolean } = {}): string {
  const where = options.target && options.target !== plan.engine ? ` on ${options.target} (${plan.engine})` : ` on ${plan.engine}`;
  if (!plan.stages.length) return `Plan for ${plan.project}${where}: no changes.\n`;
  const out = [`Plan for ${plan.project}${where}: ${plan.changes.length} node(s) change, ${plan.stages.length} stage(s).`, ''];
  // Fingerprint-only records are many and say the same thing: one line for all of them.
  const records = plan.changes.filter((c) => c.change === 'record');
  out.push(...plan.changes.filter((c) => c.change !== 'record').map((c) => changeLine(c, plan)));
  if (records.length) out.push(`· record ${records.length} downstream node(s): new fingerprints, nothing to rebuild (${records.map((c) => c.node).join(', ')})`);
  out.push('', 'Stages, in order:');
  for (let i = 0; i < plan.stages.length; i++) {
    const s = plan.stages[i]!;
    let j = i;
    while (s.action === 'record' && plan.stages[j + 1]?.action === 'record') j++;
    if (j > i) {
      out.push(`${String(i + 1).padStart(3)}-${j + 1}. record ${plan.stages.slice(i, j + 1).map((x) => x.node).join(', ')}: state only`);
      i = j;
    } else out.push(...stageLine(s, i, plan, options.full ?? false));
  }
  if (plan.destructive.length) {
    out.push('', `${plan.destructive.length} destructive stage(s): apply refuses them without --allow-destructive.`);
  }
  if (plan.notes?.length) out.push('', ...plan.notes.map((n) => `note: ${n}`));
  return out.join('\n') + '\n';
}

/** `--json`: the stages as data, without the state rows they record. */
export function planJson(plan: Plan): unknown {
  return { ...plan, stages: plan.stages.map(({ state: _state, ...s }) => s), destructive: plan.destructive.map((s) => ({ node: s.node, action: s.action, reason: s.destructive, sql: s.sql })) };
}
