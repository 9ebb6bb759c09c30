import { randomUUID } from 'node:crypto';
import type { Manifest, ManifestNode } from '@mvkit/compiler';
import { destructiveError, planDeployment, runStage } from '../apply/apply.ts';
import type { Db } from '../db/db.ts';
import type { Engine } from '../engines/engine.ts';
import { MvkitError, UsageError } from '@mvkit/compiler';
import * as ivm from '../ivm/index.ts';
import { nodeRecord } from '../ivm/catalog.ts';
import type { Plan, Stage } from '../plan/plan-types.ts';
import { finishApply, recordProgress, startApply } from '../state/apply-log.ts';
import { acquireApplyLock, whoAmI } from '../state/apply-lock.ts';
import { readDeployed, recordDeployed } from '../state/deployed-state.ts';
import { deployedNodeOf } from '../plan/build-plan.ts';
import { ensureStateSchema } from '../state/state-schema.ts';
import { isVersioned } from './physical-name.ts';
import { howToSwitch, LEGACY, legacyDropStatements, runSwitch, type ViewSwitch } from './switch.ts';
import { ensureVersionState, PRODUCTION, readAllServing, readServing, readVersions, recordVersion, type Version } from './version-state.ts';
import { versionManifest } from './versioned-manifest.ts';

export class BlueGreenError extends MvkitError {}

/** A version to build: created next to the old one, filled from history. */
export interface VersionBuild {
  readonly model: string;
  readonly physical: string;
  readonly kind: ManifestNode['kind'];
  readonly cause: string;
}

export interface BlueGreenPlan {
  readonly env: string;
  readonly engine: Engine['kind'];
  /** Landing and dimension tables (unversioned, shared by every environment): the ordinary plan. */
  readonly tables: Plan;
  readonly build: readonly VersionBuild[];
  /** Versions the switch points at that the environment does not serve yet: refreshed up to the current data before the check. */
  readonly refresh: readonly string[];
  readonly switch: readonly ViewSwitch[];
  /** Versions no longer served after the switch: kept for `mvkit rollback` until `mvkit janitor`. */
  readonly kept: readonly string[];
  /** The versioned manifest the engine builds from. */
  readonly versioned: Manifest;
}

export interface BlueGreenOptions {
  /** Default: production. Another name: its views go to schema NAME; unchanged models read production's versions. */
  readonly env?: string;
  readonly allowDestructive?: boolean;
  /**
   * Models whose change is declared non-breaking (it adds columns or changes how, not what, is
   * computed): before the switch their new version must have the old one's row count and, on a
   * sample of the old version's keys, the same values in the columns both have.
   */
  readonly nonBreaking?: readonly string[];
  /** Called after each stage committed; tests pause or crash an apply here. */
  readonly afterStage?: (done: number, total: number, stage: string) => void | Promise<void>;
}

const RESERVED = new Set(['mvkit', 'public', 'pg_catalog', 'information_schema']);

export function checkEnvName(env: string): void {
  if (env === PRODUCTION) return;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(env) || RESERVED.has(env)) {
    throw new UsageError(`environment name "${env}" is not usable as a schema name`, { hint: `use lower-case letters, digits and _ (not ${[...RESERVED].join(', ')}), e.g. --env dev_alice` });
  }
}

const tablesOnly = (m: Manifest): Manifest => ({ ...m, nodes: m.nodes.filter((n) => !isVersioned(n)) });
const isTable = (d: { kind: string }) => d.kind === 'table';
/** Table stages that lose what old versions still read run after the switch; the rest before the build. */
const afterSwitch = (s: Stage) => (s.action === 'drop' || s.action === 'drop-columns') && !s.rebuild;

/**
 * Plans a blue/green apply to an environment. Writes nothing. A model's version is built when no
 * complete version of it exists (content-addressed: a version another environment built is
 * reused); every model whose served version differs is switched.
 */
export async function planBlueGreen(db: Db, engine: Engine, manifest: Manifest, options: BlueGreenOptions = {}): Promise<BlueGreenPlan> {
  const env = options.env ?? PRODUCTION;
  checkEnvName(env);
  const tables = await planDeployment(db, engine, tablesOnly(manifest), { deployed: isTable });
  if (env !== PRODUCTION && tables.stages.length) {
    throw new BlueGreenError(`environment ${env}: the project changes landing or dimension tables (${[...new Set(tables.stages.map((s) => s.node))].join(', ')}), which every environment shares`, { hint: 'apply the table change to production first (mvkit apply), then plan the environment again' });
  }
  const versioned = versionManifest(manifest, engine);
  const versions = await readVersions(db);
  const serving = await readServing(db, env);
  // Versions some environment serves are kept fresh by `mvkit refresh`; the others are brought forward.
  const servedAnywhere = new Set((await readAllServing(db)).map((s) => s.physical));
  // Before the first switch of production, a derived model deployed under its own name is the unversioned relation of before.
  const modelNames = new Set(manifest.nodes.map((n) => n.name));
  const legacyNodes = env === PRODUCTION && !serving.size ? (await readDeployed(db)).filter((d) => d.kind !== 'table' && d.name === d.definition.model) : [];
  const legacy = new Set(legacyNodes.filter((d) => modelNames.has(d.name)).map((d) => d.name));
  const legacyKind = (name: string) => legacyNodes.find((d) => d.name === name)?.kind as 'mv' | 'view' | undefined;
  const build: VersionBuild[] = [];
  const sw: ViewSwitch[] = [];
  const refresh: string[] = [];
  const changed = new Set<string>();
  for (const [i, v] of versioned.nodes.entries()) {
    const n = manifest.nodes[i]!;
    if (!isVersioned(n)) continue;
    const servedNow = serving.get(n.name);
    if (servedNow === v.name) continue;
    changed.add(n.name);
    const up = n.dependsOn.find((p) => changed.has(p));
    if (!versions.has(v.name)) {
      const cause = legacy.has(n.name) ? 'replaces the unversioned relation (first blue/green apply)' : !servedNow ? 'new' : up ? `upstream ${up} changed` : 'definition changed';
      build.push({ model: n.name, physical: v.name, kind: v.kind, cause });
    }
    if (v.kind === 'mv' && !servedAnywhere.has(v.name)) refresh.push(v.name);
    const from = legacy.has(n.name) ? LEGACY : servedNow ?? null;
    const fromNode = from === LEGACY ? LEGACY : from ? (versions.get(from)?.node ?? null) : null;
    const kind = legacyKind(n.name);
    sw.push({ model: n.name, from, to: v.name, how: howToSwitch(fromNode, v), ...(from === LEGACY && kind ? { legacyKind: kind } : {}) });
  }
  // An unversioned relation whose model left the project goes in the first switch too.
  for (const d of [...legacyNodes].reverse()) if (!modelNames.has(d.name)) sw.push({ model: d.name, from: LEGACY, to: null, how: 'drop', legacyKind: d.kind as 'mv' | 'view' });
  const models = new Set(manifest.nodes.map((n) => n.name));
  for (const [model, physical] of serving) if (!models.has(model)) sw.push({ model, from: physical, to: null, how: 'drop' });
  const kept = sw.filter((s) => s.from && s.from !== LEGACY).map((s) => s.from!);
  return { env, engine: engine.kind, tables, build, refresh, switch: sw, kept, versioned };
}

export interface BlueGreenResult {
  readonly applyId: string | null;
  readonly plan: BlueGreenPlan;
  /** Row counts of each switched MV's new version and of the version it replaces (null: none). */
  readonly counts: readonly { model: string; from: number | null; to: number }[];
}

/** The stage names of a plan, in the order apply runs them (recorded in mvkit.applies). */
export function stageNames(plan: BlueGreenPlan): string[] {
  const t = plan.tables.stages;
  const any = plan.switch.length > 0;
  return [
    ...t.filter((s) => !afterSwitch(s)).map((s) => `${s.action} ${s.kind} ${s.node}`),
    ...plan.build.map((b) => `build ${b.kind} ${b.physical}`),
    ...(any ? ['refresh new versions', 'check new versions', `switch ${plan.switch.length} view(s) of ${plan.env}`] : []),
    ...t.filter(afterSwitch).map((s) => `${s.action} ${s.kind} ${s.node}`),
  ];
}

/**
 * Blue/green apply: tables first (additive changes; drops wait until after the switch), then each
 * new version built next to the old one and filled from history, the new versions refreshed up
 * to the current data and checked (`verify` locally), then every changed view switched in one
 * transaction. Every stage commits its record; a rerun after a crash plans from what is there:
 * versions already built are reused, a switch is all or nothing.
 */
export async function applyBlueGreen(db: Db, engine: Engine, manifest: Manifest, options: BlueGreenOptions = {}): Promise<BlueGreenResult> {
  const applyId = randomUUID();
  await ensureStateSchema(db);
  const release = await acquireApplyLock(db, applyId);
  try {
    await engine.install(db);
    await ensureVersionState(db);
    const plan = await planBlueGreen(db, engine, manifest, options);
    const names = stageNames(plan);
    if (!names.length) return { applyId: null, plan, counts: [] };
    if (plan.tables.destructive.length && !options.allowDestructive) throw destructiveError(plan.tables);
    await startApply(db, applyId, whoAmI(), names.map((stage) => ({ stage })));
    let done = 0;
    const step = async (name: string) => {
      done++;
      await recordProgress(db, applyId, done);
      await options.afterStage?.(done, names.length, name);
    };
    try {
      const tablesManifest = tablesOnly(manifest);
      for (const s of plan.tables.stages.filter((x) => !afterSwitch(x))) {
        await runStage(db, engine, tablesManifest, s, applyId, done + 1);
        await step(`${s.action} ${s.kind} ${s.node}`);
      }
      const byPhysical = new Map(plan.versioned.nodes.map((n) => [n.name, n]));
      // Parents a new version reads that this apply does not build: versions recorded earlier.
      const known = await readVersions(db);
      const engineManifest = withVersions(plan.versioned, known);
      for (const b of plan.build) {
        await buildVersion(db, engine, engineManifest, byPhysical.get(b.physical)!, b.model, applyId);
        await step(`build ${b.kind} ${b.physical}`);
      }
      const counts: { model: string; from: number | null; to: number }[] = [];
      if (plan.switch.length) {
        if (plan.refresh.length) await engine.refresh(db, engineManifest, { nodes: plan.refresh });
        await step('refresh new versions');
        counts.push(...(await checkVersions(db, engine, engineManifest, plan, options.nonBreaking ?? [])));
        await step('check new versions');
        const legacyDrops = new Map<string, string[]>();
        for (const s of plan.switch) {
          if (s.from === LEGACY) legacyDrops.set(s.model, await legacyDropStatements(db, engine, s.model, s.legacyKind ?? 'mv'));
        }
        await runSwitch(db, { env: plan.env, action: 'apply', switches: plan.switch, nodes: byPhysical, legacyDrops });
        await step(`switch ${plan.switch.length} view(s) of ${plan.env}`);
      }
      for (const s of plan.tables.stages.filter(afterSwitch)) {
        await runStage(db, engine, tablesManifest, s, applyId, done + 1);
        await step(`${s.action} ${s.kind} ${s.node}`);
      }
      await finishApply(db, applyId, 'succeeded');
      return { applyId, plan, counts };
    } catch (e) {
      await finishApply(db, applyId, 'failed', (e as Error).message).catch(() => undefined);
      throw e;
    }
  } finally {
    await release().catch(() => undefined);
  }
}

/** The versioned manifest plus recorded versions it does not hold (parents served elsewhere), in dependency order. */
export function withVersions(versioned: Manifest, versions: ReadonlyMap<string, Version>): Manifest {
  const have = new Set(versioned.nodes.map((n) => n.name));
  const extra = [...versions.values()].filter((v) => !have.has(v.physical)).map((v) => v.node);
  return { ...versioned, nodes: [...versioned.nodes, ...extra] };
}

/**
 * Builds one version and records it: in the create's transaction where the engine allows
 * (Redshift), else after it. The local engine creates and fills a node in its own transaction: a
 * version it committed before a crash kept the record from being written is complete, and is
 * recorded as it is.
 */
async function buildVersion(db: Db, engine: Engine, manifest: Manifest, node: ManifestNode, model: string, applyId: string): Promise<void> {
  const stage: Stage = { action: 'create', node: node.name, kind: node.kind, cause: { kind: 'new' }, rebuild: false, sql: engine.planSql.create(node, manifest), rows: null, destructive: null, recordedOnly: false, state: null };
  // Also a deployed node under its physical name: status and the engine's tools see it as deployed.
  const record = async (tx: Db) => {
    await recordVersion(tx, node, model, applyId);
    await recordDeployed(tx, node.name, deployedNodeOf(node, node.physical, stage.sql), applyId);
  };
  if (engine.transactional(stage)) {
    await db.transaction(async (tx) => {
      await engine.runStage(tx, stage, manifest);
      await record(tx);
    });
    return;
  }
  if (!(await nodeRecord(db, node.name))) await engine.runStage(db, stage, manifest);
  await db.transaction(record);
}

async function countRows(db: Db, relation: string): Promise<number> {
  const [r] = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${relation}`);
  return Number(r?.n ?? 0);
}

/**
 * Before the switch: the local engine recomputes every new MV version from its select and compares
 * (ivm verify); a difference stops the apply with production untouched. Row counts of new and
 * old versions are returned for the report.
 */
async function checkVersions(db: Db, engine: Engine, manifest: Manifest, plan: BlueGreenPlan, nonBreaking: readonly string[]): Promise<{ model: string; from: number | null; to: number }[]> {
  const mvs = plan.switch.filter((s) => s.to && manifest.nodes.find((n) => n.name === s.to)?.kind === 'mv');
  if (engine.kind !== 'redshift' && mvs.length) {
    const bad = (await ivm.verify(db, manifest, { select: mvs.map((s) => s.to!) })).filter((r) => !r.equal && !r.stale);
    if (bad.length) {
      throw new BlueGreenError(`the new versions of ${bad.map((r) => r.node).join(', ')} differ from a recomputation of their select: nothing was switched`, { hint: 'run mvkit verify for the rows that differ; production still serves the old versions' });
    }
  }
  const out: { model: string; from: number | null; to: number }[] = [];
  for (const s of mvs) out.push({ model: s.model, from: s.from ? await countRows(db, s.from === LEGACY ? s.model : s.from) : null, to: await countRows(db, s.to!) });
  const problems: string[] = [];
  for (const model of nonBreaking) {
    const s = plan.switch.find((x) => x.model === model);
    const c = out.find((x) => x.model === model);
    if (!s || !c || !s.from || s.from === LEGACY) continue;
    if (c.from !== c.to) problems.push(`${model}: ${c.from} rows before, ${c.to} after`);
    const from = manifest.nodes.find((n) => n.name === s.from);
    const to = manifest.nodes.find((n) => n.name === s.to);
    const differ = from && to ? await sampleDifferences(db, from, to) : 0;
    if (differ) problems.push(`${model}: ${differ} of the sampled rows differ in the columns both versions have`);
  }
  if (problems.length) {
    throw new BlueGreenError(`a change declared non-breaking changes the data: ${problems.join('; ')}; nothing was switched`, { hint: 'apply without declaring it non-breaking if the new numbers are intended' });
  }
  return out;
}

/** Rows sampled: the old version's first keys in key order. */
const SAMPLE = 1000;

/**
 * Rows that differ between two versions of a model on a sample of the old one's keys, over the
 * columns both have (a key NULL in both matches). 0 when the model has no key to sample by.
 */
async function sampleDifferences(db: Db, from: ManifestNode, to: ManifestNode): Promise<number> {
  const key = to.key ?? [];
  const common = from.columns.map((c) => c.name).filter((c) => to.columns.some((x) => x.name === c));
  if (!key.length || !key.every((k) => common.includes(k))) return 0;
  const match = (rel: string) => key.map((k) => `(${rel}.${k} = s.${k} OR (${rel}.${k} IS NULL AND s.${k} IS NULL))`).join(' AND ');
  const side = (rel: string) => `SELECT ${common.map((c) => `${rel}.${c}`).join(', ')} FROM ${rel} JOIN s ON ${match(rel)}`;
  const [r] = await db.query<{ n: number | string }>(`WITH s AS (SELECT ${key.join(', ')} FROM ${from.name} ORDER BY ${key.join(', ')} LIMIT ${SAMPLE})
SELECT COUNT(*) AS n FROM ((${side(from.name)} EXCEPT ${side(to.name)}) UNION ALL (${side(to.name)} EXCEPT ${side(from.name)})) d`);
  return Number(r?.n ?? 0);
}
