import { CompileError, compileProject, loadProject, type CompileResult, type Manifest, type Project } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { engineFor } from '../engines/open-engine.ts';
import type { Engine } from '../engines/engine.ts';
import { servedManifest } from '../versions/served.ts';
import { openTarget, resolveTarget, type ResolvedTarget, type TargetEnv } from '../targets.ts';

/** A project compiled for a target's engine, and an open connection to the target. */
export interface Deployment {
  readonly project: Project;
  readonly target: ResolvedTarget;
  readonly db: Db;
  readonly engine: Engine;
  /**
   * The manifest the engine runs on (refresh, verify, status, load): the project's, or under
   * blue/green the served physical versions (versions/served.ts).
   */
  readonly manifest: Manifest;
  /** The project's own manifest: what plan and apply deploy. */
  readonly logical: Manifest;
  readonly compiled: CompileResult;
  close(): Promise<void>;
}

/** Loads and compiles the project for the target's engine, then connects. Throws CompileError on errors. */
export async function openDeployment(projectDir: string, targetName: string | undefined, env: TargetEnv): Promise<Deployment> {
  const project = await loadProject(projectDir);
  const target = resolveTarget(project, targetName, env);
  const compiled = await compileProject(project, target.engine === 'redshift' ? 'redshift' : 'postgres');
  if (!compiled.ok || !compiled.manifest) throw new CompileError([...compiled.diagnostics]);
  const db = await openTarget(target);
  const engine = await engineFor(db);
  try {
    const manifest = await servedManifest(db, compiled.manifest);
    return { project, target, db, engine, manifest, logical: compiled.manifest, compiled, close: () => db.close() };
  } catch (e) {
    await db.close();
    throw e;
  }
}
