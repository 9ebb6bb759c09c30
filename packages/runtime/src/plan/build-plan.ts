import { ddlOf, type Manifest, type ManifestNode, type PhysicalAttributes } from '@mvkit/compiler';
import type { PlanSql } from './plan-sql.ts';
import type { AttributeChange, Cause, ColumnRetype, DeployedNode, FileRecords, NodeChange, NodeDefinition, Plan, Stage } from './plan-types.ts';

export interface PlanInput {
  readonly manifest: Manifest;
  readonly deployed: readonly DeployedNode[];
  /** Row counts of deployed tables and MVs (table statistics); a missing name is unknown. */
  readonly rows: ReadonlyMap<string, number>;
  readonly sql: PlanSql;
  /** Per deployed landing or dimension table, its loaded-file records; absent: the target keeps none. */
  readonly fileRecords?: ReadonlyMap<string, FileRecords>;
}

/** `ddl`: the statements the engine runs to create it (default: the manifest's). */
export function definitionOf(n: ManifestNode, ddl: readonly string[] = n.ddl): NodeDefinition {
  return { model: n.model, columns: n.columns, dependsOn: n.dependsOn, key: n.key, tenant: n.tenant, eventTime: n.eventTime, appendOnly: n.appendOnly, sql: n.sql, ddl };
}

/** The mvkit.deployed_nodes row of a node of the manifest; `physical` overrides what is recorded. */
export function deployedNodeOf(n: ManifestNode, physical: PhysicalAttributes = n.physical, ddl: readonly string[] = n.ddl): DeployedNode {
  return { name: n.name, kind: n.kind, role: n.role, fingerprint: n.fingerprint, physical, definition: definitionOf(n, ddl) };
}

/** JSON with sorted keys: JSONB does not keep the key order of what was written. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);
const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/** The columns of a deployed table whose type changes (those the engine alters in place or not). */
function retypedColumns(n: ManifestNode, d: DeployedNode): ColumnRetype[] {
  const out: ColumnRetype[] = [];
  for (const c of n.columns) {
    const old = d.definition.columns.find((x) => x.name === c.name);
    if (old && old.type !== c.type) out.push({ column: c.name, from: old.type, to: c.type });
  }
  return out;
}

/**
 * Why a node must be dropped and recreated, or null. A table's added (nullable) or dropped
 * columns, and columns the engine retypes in place (a longer VARCHAR), are not a rebuild: they
 * are ALTER TABLE stages, computed by comparing columns.
 */
function rebuildReason(n: ManifestNode, d: DeployedNode, ddlAsDeployed: readonly string[], sql: PlanSql): string | null {
  if (n.kind !== d.kind) return `kind changed: ${d.kind} → ${n.kind}`;
  if (n.role !== d.role) return `role changed: ${d.role} → ${n.role}`;
  const def = d.definition;
  if (!same(n.key, def.key)) return `key changed: (${def.key?.join(', ') ?? ''}) → (${n.key?.join(', ') ?? ''})`;
  if (n.appendOnly !== def.appendOnly) return n.appendOnly ? 'became append-only' : 'no longer append-only';
  if (n.kind !== 'view' && n.physical.backup !== d.physical.backup) return `backup: ${yesNo(d.physical.backup)} → ${yesNo(n.physical.backup)} (cannot be altered)`;
  if (n.kind === 'table') {
    for (const c of n.columns) {
      const old = def.columns.find((x) => x.name === c.name);
      if (old && old.type !== c.type && !sql.retypesInPlace(n, { column: c.name, from: old.type, to: c.type })) return `column ${c.name} retyped: ${old.type} → ${c.type}`;
      if (old && old.nullable !== c.nullable) return `column ${c.name} ${c.nullable ? 'became nullable' : 'became NOT NULL'}`;
      if (!old && !c.nullable) return `column ${c.name} added NOT NULL`;
    }
    return null;
  }
  if (n.sql !== def.sql) return 'definition changed';
  if (!same(n.columns, def.columns)) return 'columns changed';
  if (!same(n.dependsOn, def.dependsOn)) return 'inputs changed';
  // Same definition, other statements: the emitter or the local engine's storage changed.
  if (!same(ddlAsDeployed, def.ddl)) return 'DDL changed (emitter or engine)';
  return null;
}

function attributeChanges(n: ManifestNode, d: DeployedNode): AttributeChange[] {
  if (n.kind === 'view') return [];
  const a = d.physical;
  const b = n.physical;
  const out: AttributeChange[] = [];
  if (a.distStyle !== b.distStyle) out.push({ attribute: 'distStyle', from: a.distStyle ?? 'auto', to: b.distStyle ?? 'auto' });
  if (a.distKey !== b.distKey) out.push({ attribute: 'distKey', from: a.distKey ?? 'none', to: b.distKey ?? 'none' });
  if (!same(a.sortKey, b.sortKey)) out.push({ attribute: 'sortKey', from: a.sortKey.join(',') || 'none', to: b.sortKey.join(',') || 'none' });
  if (n.kind === 'mv' && a.autoRefresh !== b.autoRefresh) out.push({ attribute: 'autoRefresh', from: yesNo(a.autoRefresh), to: yesNo(b.autoRefresh) });
  return out;
}

/** Dependency order of deployed nodes (parents first), from their recorded inputs. */
function deployedOrder(nodes: readonly DeployedNode[]): DeployedNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const out: DeployedNode[] = [];
  const seen = new Set<string>();
  const visit = (n: DeployedNode) => {
    if (seen.has(n.name)) return;
    seen.add(n.name);
    for (const p of n.definition.dependsOn) {
      const pn = byName.get(p);
      if (pn) visit(pn);
    }
    out.push(n);
  };
  nodes.forEach(visit);
  return out;
}

/**
 * The plan: desired manifest against the deployed state → ordered stages. Drops first, in
 * reverse dependency order (a dropped MV takes its dependents with it, so they go first), then
 * column changes, creates in dependency order, in-place alters, and state-only records.
 */
export function buildPlan(input: PlanInput): Plan {
  const { manifest, sql } = input;
  const deployed = new Map(input.deployed.map((d) => [d.name, d]));
  const desiredNames = new Set(manifest.nodes.map((n) => n.name));
  const rowsOf = (name: string) => input.rows.get(name) ?? null;
  const createSql = (n: ManifestNode) => sql.create(n, manifest);
  const stateOf = (n: ManifestNode, physical: PhysicalAttributes = n.physical) => deployedNodeOf(n, physical, createSql(n));
  // The statements of a node with its deployed attributes: Redshift DDL carries them, and they alter in place.
  const ddlAsDeployed = (n: ManifestNode, d: DeployedNode) => (same(n.physical, d.physical) ? createSql(n) : createSql({ ...n, physical: d.physical, ddl: ddlOf({ ...n, physical: d.physical }, manifest.target) }));

  // A dropped table's loaded-file records go with it (see FileRecords).
  const filesOf = (d: DeployedNode): { fileRecords?: FileRecords } => {
    const f = d.kind === 'table' ? input.fileRecords?.get(d.name) : undefined;
    return f ? { fileRecords: f } : {};
  };
  const created = new Map<string, Cause>();
  const rebuilt = new Map<string, Cause>();
  const changedUpstream = new Set<string>();
  const depth = new Map<string, number>();
  // Tables with a column retyped in place: what is built on them and cannot stay is rebuilt (PlanSql.retypeRebuilds).
  const retypedTables = new Set<string>();
  const dropColumnStages: Stage[] = [];
  const retypeColumnStages: Stage[] = [];
  const addColumnStages: Stage[] = [];
  const alterStages: Stage[] = [];
  const recordStages: Stage[] = [];
  const changes = new Map<string, NodeChange>();
  const change = (c: Omit<NodeChange, 'depth'>, d = 0) => {
    depth.set(c.node, d);
    changes.set(c.node, { ...c, depth: d });
  };

  for (const n of manifest.nodes) {
    const d = deployed.get(n.name);
    if (!d) {
      created.set(n.name, { kind: 'new' });
      change({ node: n.name, kind: n.kind, change: 'create', cause: { kind: 'new' }, rows: null, destructive: null, recordedOnly: false });
      continue;
    }
    const reason = rebuildReason(n, d, n.kind === 'table' ? [] : ddlAsDeployed(n, d), sql);
    const up = reason ? undefined : n.dependsOn.find((p) => rebuilt.has(p) || created.has(p) || changedUpstream.has(p) || (retypedTables.has(p) && (sql.retypeRebuilds === 'all' || n.kind === 'view')));
    if (reason || up) {
      const cause: Cause = reason ? { kind: 'definition-changed', detail: reason } : { kind: 'upstream-rebuilt', upstream: up! };
      rebuilt.set(n.name, cause);
      const destructive = d.kind === 'table' ? tableLoss(n.name, rowsOf(n.name)) : null;
      change({ node: n.name, kind: n.kind, change: 'rebuild', cause, rows: rowsOf(n.name), destructive, recordedOnly: false, ...filesOf(d) }, up ? (depth.get(up) ?? 0) + 1 : 0);
      continue;
    }
    let columnsDone = false;
    if (n.kind === 'table') {
      const added = n.columns.filter((c) => !d.definition.columns.some((x) => x.name === c.name));
      const dropped = d.definition.columns.filter((c) => !n.columns.some((x) => x.name === c.name)).map((c) => c.name);
      // Every type change left is one the engine does in place (the others are a rebuild reason).
      const retyped = retypedColumns(n, d);
      if (added.length || dropped.length || retyped.length) {
        columnsDone = true;
        const cause: Cause = { kind: 'columns-changed', added: added.map((c) => `${c.name} ${c.type}`), dropped, ...(retyped.length ? { retyped } : {}) };
        // Each stage records the columns as they are after it, and the last one the node's new
        // state: an apply killed between them leaves a state the next plan finishes from.
        let columns = d.definition.columns.filter((c) => !dropped.includes(c.name));
        const steps = [dropped.length, retyped.length, added.length].filter(Boolean).length;
        let done = 0;
        const stateAfter = () => {
          done++;
          return done === steps ? stateOf(n, d.physical) : { ...d, definition: { ...d.definition, columns } };
        };
        const base = { node: n.name, kind: n.kind, cause, rebuild: false, rows: null, recordedOnly: false };
        if (dropped.length) {
          // Dependents would become unrefreshable on Redshift: they are rebuilt.
          changedUpstream.add(n.name);
          const destructive = `drops column${dropped.length > 1 ? 's' : ''} ${dropped.join(', ')} of ${n.name} and their data`;
          dropColumnStages.push({ ...base, action: 'drop-columns', sql: sql.dropColumns(n, dropped, manifest), destructive, rows: rowsOf(n.name), state: stateAfter() });
        }
        if (retyped.length) {
          retypedTables.add(n.name);
          columns = columns.map((c) => ({ ...c, type: retyped.find((r) => r.column === c.name)?.to ?? c.type }));
          retypeColumnStages.push({ ...base, action: 'retype-columns', sql: sql.retypeColumns(n, retyped, manifest), destructive: null, state: stateAfter() });
        }
        if (added.length) addColumnStages.push({ ...base, action: 'add-columns', sql: sql.addColumns(n, added, manifest), destructive: null, state: stateAfter() });
        change({ node: n.name, kind: n.kind, change: 'columns', cause, rows: null, destructive: dropped.length ? `drops column(s) ${dropped.join(', ')}` : null, recordedOnly: false });
      }
    }
    const attrs = attributeChanges(n, d);
    if (attrs.length) {
      const cause: Cause = { kind: 'attributes-changed', changes: attrs };
      alterStages.push({ action: 'alter', node: n.name, kind: n.kind, cause, rebuild: false, sql: sql.altersInPlace ? sql.alter(n, attrs) : [], rows: null, destructive: null, recordedOnly: !sql.altersInPlace, state: stateOf(n) });
      if (!changes.has(n.name)) change({ node: n.name, kind: n.kind, change: 'alter', cause, rows: null, destructive: null, recordedOnly: !sql.altersInPlace });
    } else if (!columnsDone && (d.fingerprint !== n.fingerprint || !same(definitionOf(n, createSql(n)), d.definition))) {
      const upstream = n.dependsOn.find((p) => deployed.get(p)?.fingerprint !== manifest.nodes.find((x) => x.name === p)?.fingerprint);
      const cause: Cause = { kind: 'state-only', detail: upstream ? `upstream ${upstream} changed without a rebuild: fingerprint recorded` : 'its DDL changed (emitter or engine): recorded, the table keeps its data' };
      recordStages.push({ action: 'record', node: n.name, kind: n.kind, cause, rebuild: false, sql: [], rows: null, destructive: null, recordedOnly: true, state: stateOf(n, d.physical) });
      change({ node: n.name, kind: n.kind, change: 'record', cause, rows: null, destructive: null, recordedOnly: true });
    }
  }

  const dropStages: Stage[] = [];
  for (const d of deployedOrder([...deployed.values()]).reverse()) {
    const removed = !desiredNames.has(d.name);
    const cause = removed ? ({ kind: 'removed' } as const) : rebuilt.get(d.name);
    if (!cause) continue;
    const destructive = d.kind === 'table' ? tableLoss(d.name, rowsOf(d.name)) : null;
    dropStages.push({ action: 'drop', node: d.name, kind: d.kind, cause, rebuild: !removed, sql: sql.drop(d), rows: rowsOf(d.name), destructive, recordedOnly: false, state: null, ...filesOf(d) });
    if (removed) change({ node: d.name, kind: d.kind, change: 'drop', cause, rows: rowsOf(d.name), destructive, recordedOnly: false, ...filesOf(d) });
  }
  const createStages: Stage[] = [];
  for (const n of manifest.nodes) {
    const cause = created.get(n.name) ?? rebuilt.get(n.name);
    if (!cause) continue;
    const isRebuild = rebuilt.has(n.name);
    createStages.push({ action: 'create', node: n.name, kind: n.kind, cause, rebuild: isRebuild, sql: createSql(n), rows: isRebuild && n.kind === 'mv' ? rowsOf(n.name) : null, destructive: null, recordedOnly: false, state: stateOf(n) });
  }

  const stages = [...dropStages, ...dropColumnStages, ...retypeColumnStages, ...addColumnStages, ...createStages, ...alterStages, ...recordStages];
  return { project: manifest.project, engine: sql.engine, changes: orderChanges([...changes.values()]), stages, destructive: stages.filter((s) => s.destructive) };
}

function tableLoss(name: string, rows: number | null): string | null {
  if (rows === 0) return null;
  return `drops table ${name}${rows === null ? '' : ` with ~${rows.toLocaleString('en-US')} rows`}`;
}

/** Each change followed by the changes it causes downstream, so that the summary reads as a tree. */
function orderChanges(changes: NodeChange[]): NodeChange[] {
  const children = new Map<string, NodeChange[]>();
  const roots: NodeChange[] = [];
  for (const c of changes) {
    if (c.cause.kind === 'upstream-rebuilt' && changes.some((x) => x.node === (c.cause as { upstream: string }).upstream)) {
      const up = c.cause.upstream;
      children.set(up, [...(children.get(up) ?? []), c]);
    } else roots.push(c);
  }
  const out: NodeChange[] = [];
  const walk = (c: NodeChange) => {
    out.push(c);
    for (const k of children.get(c.node) ?? []) walk(k);
  };
  roots.forEach(walk);
  return out;
}
