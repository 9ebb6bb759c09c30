import { randomUUID } from 'node:crypto';
import type { Manifest, ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import type { Engine } from '../engines/engine.ts';
import * as ivm from '../ivm/index.ts';
import { acquireApplyLock } from '../state/apply-lock.ts';
import { ensureStateSchema } from '../state/state-schema.ts';
import { BlueGreenError, checkEnvName } from './blue-green.ts';
import { dependencyOrder } from './served.ts';
import { howToSwitch, LEGACY, runSwitch, type ViewSwitch } from './switch.ts';
import { ensureVersionState, forgetVersion, PRODUCTION, readAllServing, readServing, readSwitches, readVersions, type Version } from './version-state.ts';

/** Runs `fn` holding the target's apply lock (rollback, promote and janitor change what apply changes). */
async function locked<T>(db: Db, engine: Engine, fn: () => Promise<T>): Promise<T> {
  await ensureStateSchema(db);
  const release = await acquireApplyLock(db, randomUUID());
  try {
    await engine.install(db);
    await ensureVersionState(db);
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/** A manifest of the given versions and the project's tables, for the engine to refresh them. */
function manifestOf(base: Manifest, versions: readonly Version[]): Manifest {
  return { ...base, nodes: dependencyOrder([...base.nodes.filter((n) => n.kind === 'table'), ...versions.map((v) => v.node)]) };
}

export interface SwitchPlan {
  readonly env: string;
  readonly switch: readonly ViewSwitch[];
  /** The switch of the environment this undoes (rollback), or the environment promoted. */
  readonly source: string;
}

/** Rollback's plan: the last switch of the environment not rolled back yet, reversed. Writes nothing. */
export async function planRollback(db: Db, env = PRODUCTION): Promise<SwitchPlan & { undo: string }> {
  checkEnvName(env);
  const last = (await readSwitches(db, env)).find((s) => s.action !== 'rollback' && !s.rolledBack);
  if (!last) throw new BlueGreenError(`nothing to roll back in ${env}: no switch of its views is recorded, or every one was rolled back already`, { hint: 'mvkit status shows what is served' });
  const versions = await readVersions(db);
  const serving = await readServing(db, env);
  const sw: ViewSwitch[] = [];
  for (const [model, before] of Object.entries(last.before)) {
    if (before === LEGACY) throw new BlueGreenError(`${model} was served by its unversioned relation before the first blue/green apply, which that apply replaced: there is no version to roll back to`, { hint: 'apply the previous project version instead (mvkit apply builds it again)' });
    if (before && !versions.has(before)) throw new BlueGreenError(`the previous version of ${model} (${before}) was removed by mvkit janitor: it cannot be rolled back to`, { hint: 'apply the previous project version instead (mvkit apply builds it again)' });
    const current = serving.get(model) ?? null;
    const fromNode = current ? (versions.get(current)?.node ?? null) : null;
    const toNode = before ? versions.get(before)!.node : null;
    sw.push({ model, from: current, to: before, how: howToSwitch(fromNode, toNode) });
  }
  const order = new Map(dependencyOrder([...versions.values()].map((v) => v.node)).map((n, i) => [versions.get(n.name)!.model, i]));
  sw.sort((a, b) => (order.get(a.model) ?? 0) - (order.get(b.model) ?? 0));
  return { env, switch: sw, source: last.id, undo: last.id };
}

/**
 * `mvkit rollback`: the environment's views switch back to the versions they served before its
 * last switch, in one transaction, after those versions are refreshed forward to the current data
 * (they were kept, not maintained). `manifest`: the project, for its tables.
 */
export async function rollback(db: Db, engine: Engine, manifest: Manifest, env = PRODUCTION): Promise<SwitchPlan> {
  return locked(db, engine, async () => {
    const plan = await planRollback(db, env);
    const versions = await readVersions(db);
    const targets = plan.switch.filter((s) => s.to).map((s) => versions.get(s.to!)!);
    const m = manifestOf(manifest, [...versions.values()]);
    const mvs = targets.filter((v) => v.node.kind === 'mv').map((v) => v.physical);
    if (mvs.length) await engine.refresh(db, m, { nodes: mvs });
    const nodes = new Map<string, ManifestNode>(targets.map((v) => [v.physical, v.node]));
    await runSwitch(db, {
      env, action: 'rollback', switches: plan.switch, nodes, legacyDrops: new Map(),
      alsoInTransaction: (tx) => tx.query('UPDATE mvkit.switches SET rolled_back = true WHERE id = $1', [plan.undo]).then(() => undefined),
    });
    return plan;
  });
}

/** Promote's plan: production's views to the versions environment `from` serves. Writes nothing. */
export async function planPromote(db: Db, from: string): Promise<SwitchPlan> {
  checkEnvName(from);
  if (from === PRODUCTION) throw new BlueGreenError('production cannot be promoted to itself', { hint: 'mvkit promote NAME promotes environment NAME' });
  const env = await readServing(db, from);
  if (!env.size) throw new BlueGreenError(`environment ${from} serves nothing`, { hint: `mvkit apply --env ${from} builds it` });
  const prod = await readServing(db, PRODUCTION);
  const versions = await readVersions(db);
  const sw: ViewSwitch[] = [];
  const order = dependencyOrder([...versions.values()].map((v) => v.node)).map((n) => versions.get(n.name)!.model);
  const models = [...new Set([...env.keys(), ...prod.keys()])].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  for (const model of models) {
    const to = env.get(model) ?? null;
    const current = prod.get(model) ?? null;
    if (to === current) continue;
    sw.push({ model, from: current, to, how: howToSwitch(current ? (versions.get(current)?.node ?? null) : null, to ? versions.get(to)!.node : null) });
  }
  return { env: PRODUCTION, switch: sw, source: from };
}

/** `mvkit promote NAME`: production's views switch to NAME's versions in one transaction. */
export async function promote(db: Db, engine: Engine, from: string): Promise<SwitchPlan> {
  return locked(db, engine, async () => {
    const plan = await planPromote(db, from);
    if (!plan.switch.length) return plan;
    const versions = await readVersions(db);
    const nodes = new Map<string, ManifestNode>(plan.switch.filter((s) => s.to).map((s) => [s.to!, versions.get(s.to!)!.node]));
    await runSwitch(db, { env: PRODUCTION, action: 'promote', switches: plan.switch, nodes, legacyDrops: new Map() });
    return plan;
  });
}

export interface JanitorPlan {
  /** Versions dropped, consumers first. */
  readonly drop: readonly string[];
  /** Versions kept though no environment serves them: the last switch of an environment can roll back to them. */
  readonly keptForRollback: readonly string[];
}

/**
 * Janitor's plan. Kept: what an environment serves, what the last switch of each environment
 * (not rolled back) replaced, unless `all`, and every version those read. The rest is dropped.
 */
export async function planJanitor(db: Db, options: { all?: boolean } = {}): Promise<JanitorPlan> {
  const versions = await readVersions(db);
  const served = new Set((await readAllServing(db)).map((s) => s.physical));
  const rollbackable = new Set<string>();
  if (!options.all) {
    const lastPerEnv = new Map<string, Awaited<ReturnType<typeof readSwitches>>[number]>();
    for (const s of await readSwitches(db)) if (!lastPerEnv.has(s.env) && s.action !== 'rollback' && !s.rolledBack) lastPerEnv.set(s.env, s);
    for (const s of lastPerEnv.values()) for (const p of Object.values(s.before)) if (p && !served.has(p)) rollbackable.add(p);
  }
  const keep = new Set<string>();
  const visit = (p: string) => {
    if (keep.has(p)) return;
    keep.add(p);
    for (const d of versions.get(p)?.node.dependsOn ?? []) if (versions.has(d)) visit(d);
  };
  [...served, ...rollbackable].forEach(visit);
  const ordered = dependencyOrder([...versions.values()].map((v) => v.node)).map((n) => n.name);
  return { drop: ordered.filter((p) => !keep.has(p)).reverse(), keptForRollback: [...rollbackable] };
}

/** `mvkit janitor`: drops the versions no environment serves nor can roll back to. */
export async function janitor(db: Db, engine: Engine, options: { all?: boolean } = {}): Promise<JanitorPlan> {
  return locked(db, engine, async () => {
    const plan = await planJanitor(db, options);
    const versions = await readVersions(db);
    for (const p of plan.drop) {
      const v = versions.get(p)!;
      if (engine.kind === 'redshift') await db.exec(engine.planSql.drop({ name: p, kind: v.node.kind } as never).join('\n'));
      else await ivm.dropNode(db, p);
      await db.transaction(async (tx) => {
        await forgetVersion(tx, p);
        await tx.query('DELETE FROM mvkit.deployed_nodes WHERE name = $1', [p]);
      });
    }
    return plan;
  });
}
