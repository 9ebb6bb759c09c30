import { randomUUID } from 'node:crypto';
import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import type { Engine } from '../engines/engine.ts';
import { DestructiveChangeError } from '../errors.ts';
import { feedsOfTable, fileRecordsOf, forgetFiles } from '../load/loaded-files.ts';
import { buildPlan } from '../plan/build-plan.ts';
import type { DeployedNode, Plan, Stage } from '../plan/plan-types.ts';
import { finishApply, recordProgress, startApply } from '../state/apply-log.ts';
import { acquireApplyLock, renewApplyLock, whoAmI } from '../state/apply-lock.ts';
import { readDeployed, recordDeployed } from '../state/deployed-state.ts';

/** Reads the deployed state and table statistics, and plans. Writes nothing. */
export async function planDeployment(db: Db, engine: Engine, manifest: Manifest, options: PlanOptions = {}): Promise<Plan> {
  const all = await readDeployed(db);
  // Under blue/green the deployed derived nodes are versions (stored under a name that is not their
  // model's): this plan does not know them and would drop them.
  if (!options.deployed && all.some((d) => d.kind !== 'table' && d.name !== d.definition.model)) {
    throw new DestructiveChangeError('this target is deployed blue/green: its derived models are views over versioned relations, which a plain plan would drop', { hint: 'plan and apply it blue/green (versions/blue-green.ts; the CLI does so by itself)' });
  }
  const deployed = all.filter(options.deployed ?? (() => true));
  const rows = await engine.rowCounts(db, deployed.filter((d) => d.kind !== 'view').map((d) => d.name));
  const built = await buildWithFiles(db, manifest, deployed, rows, engine);
  const notes = engine.planNotes?.(built, manifest) ?? [];
  return notes.length ? { ...built, notes } : built;
}

async function buildWithFiles(db: Db, manifest: Manifest, deployed: Awaited<ReturnType<typeof readDeployed>>, rows: Map<string, number>, engine: Engine): Promise<Plan> {
  const plan = buildPlan({ manifest, deployed, rows, sql: engine.planSql });
  // A table dropped (removed, or recreated): its loaded-file records are read only then, and go with it.
  if (!plan.stages.some((s) => s.action === 'drop' && s.kind === 'table')) return plan;
  const tables = deployed.filter((d) => d.kind === 'table').map((d) => ({ table: d.name, feeds: feedsOfTable(manifest, d) }));
  const fileRecords = await fileRecordsOf(db, tables);
  return fileRecords ? buildPlan({ manifest, deployed, rows, sql: engine.planSql, fileRecords }) : plan;
}

export interface PlanOptions {
  /**
   * Which deployed nodes the plan compares with (default: all). A blue/green deployment plans its
   * landing and dimension tables here and versions its derived nodes itself (src/versions).
   */
  readonly deployed?: (d: DeployedNode) => boolean;
}

export function destructiveError(plan: Plan): DestructiveChangeError {
  const lines = plan.destructive.map((s) => `  ${s.action} ${s.kind} ${s.node}: ${s.destructive}\n${s.sql.map((q) => `    ${q.split('\n')[0]}`).join('\n')}`);
  return new DestructiveChangeError(
    `the plan has ${plan.destructive.length} destructive stage(s), refused without --allow-destructive:\n${lines.join('\n')}`,
    { hint: 'check the SQL above; to run it, apply again with --allow-destructive' },
  );
}

export interface ApplyOptions extends PlanOptions {
  readonly allowDestructive?: boolean;
  /** Called after each stage committed (1-based); tests pause or kill an apply here. */
  readonly afterStage?: (done: number, total: number, stage: Stage) => void | Promise<void>;
}

export interface ApplyResult {
  /** null: nothing to do. */
  readonly applyId: string | null;
  readonly plan: Plan;
}

/**
 * Runs one stage and records it (its deployed_nodes row and the apply's progress `done`): in one
 * transaction when the engine allows, else the effect first and the record after it.
 */
export async function runStage(db: Db, engine: Engine, manifest: Manifest, stage: Stage, applyId: string, done: number): Promise<void> {
  const record = async (tx: Db) => {
    // With the state row of the drop: the landing files of a dropped table load again into
    // the table that replaces it (a crash before this commit replans the drop, and this).
    if (stage.action === 'drop' && stage.fileRecords) await forgetFiles(tx, stage.fileRecords.feeds);
    await recordDeployed(tx, stage.node, stage.state, applyId);
    await recordProgress(tx, applyId, done);
    await renewApplyLock(tx, applyId);
  };
  if (engine.transactional(stage)) {
    await db.transaction(async (tx) => {
      await engine.runStage(tx, stage, manifest);
      await record(tx);
    });
  } else {
    // The engine commits the effect itself; a kill before the state row is recorded is
    // repaired by the next apply (its creates and drops tolerate a half-done stage).
    await engine.runStage(db, stage, manifest);
    await db.transaction(record);
  }
}

/**
 * Takes the lock, re-plans from the recorded state, and runs the stages in order. Each stage
 * commits its effect with its deployed_nodes row and the apply's progress, so a killed apply
 * leaves a state that the next plan starts from: it finishes the job.
 */
export async function applyDeployment(db: Db, engine: Engine, manifest: Manifest, options: ApplyOptions = {}): Promise<ApplyResult> {
  const first = await planDeployment(db, engine, manifest, options);
  if (!first.stages.length) return { applyId: null, plan: first };
  if (first.destructive.length && !options.allowDestructive) throw destructiveError(first);
  const applyId = randomUUID();
  const release = await acquireApplyLock(db, applyId);
  try {
    await engine.install(db);
    const plan = await planDeployment(db, engine, manifest, options);
    if (!plan.stages.length) return { applyId: null, plan };
    if (plan.destructive.length && !options.allowDestructive) throw destructiveError(plan);
    // What runs, in order, without the SQL (the deployed definitions hold it): it stays small.
    await startApply(db, applyId, whoAmI(), plan.stages.map((s) => ({ action: s.action, node: s.node, kind: s.kind, cause: s.cause })));
    try {
      for (const [i, stage] of plan.stages.entries()) {
        await runStage(db, engine, manifest, stage, applyId, i + 1);
        await options.afterStage?.(i + 1, plan.stages.length, stage);
      }
      await finishApply(db, applyId, 'succeeded');
    } catch (e) {
      await finishApply(db, applyId, 'failed', (e as Error).message).catch(() => undefined);
      throw e;
    }
    return { applyId, plan };
  } finally {
    await release().catch(() => undefined);
  }
}
