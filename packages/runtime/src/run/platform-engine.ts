import type { Manifest, ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';

/** One MV refreshed: the incremental engine's RefreshResult. */
export interface RefreshResult {
  readonly node: string;
  readonly mode: 'incremental' | 'full';
  readonly reason?: string;
  readonly rowsChanged: number;
  readonly inputRows: number;
  readonly durationMs: number;
}

/** How the platform is deployed and refreshed: through plan/apply and the incremental engine when they are there. */
export interface PlatformEngine {
  /** What deploys: `apply` (plan/apply), `ivm` (createNode per node) or `ddl` (the manifest's DDL). */
  readonly deployWith: 'apply' | 'ivm' | 'ddl';
  /** `ivm` (incremental) or `full-recompute` (a stand-in while the engine is absent). */
  readonly refreshWith: 'ivm' | 'full-recompute';
  deploy(db: Db, manifest: Manifest): Promise<void>;
  refreshAll(db: Db, manifest: Manifest): Promise<RefreshResult[]>;
}

interface IvmModule {
  installEngine(db: Db): Promise<void>;
  createNode(db: Db, manifest: Manifest, name: string): Promise<void>;
  refreshAll(db: Db, manifest: Manifest, options?: { select?: readonly string[] }): Promise<RefreshResult[]>;
}
interface ApplyModule {
  applyDeployment(db: Db, engine: unknown, manifest: Manifest): Promise<unknown>;
}
interface EnginesModule {
  engineFor(db: Db): Promise<unknown>;
}

/** Imports a sibling module of the runtime that may not exist yet; undefined when it does not. */
async function optional<T>(rel: string, exports: readonly string[]): Promise<T | undefined> {
  const url = new URL(rel, import.meta.url).href;
  try {
    const mod = (await import(url)) as Record<string, unknown>;
    return exports.every((e) => typeof mod[e] === 'function') ? (mod as T) : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(rel.replace(/^\.\.\//, ''))) return undefined;
    throw e;
  }
}

const populate = (n: ManifestNode) => {
  const cols = n.columns.map((c) => c.name).join(', ');
  return `INSERT INTO ${n.name} (${cols}) SELECT ${cols} FROM (\n${n.sql}\n) AS q`;
};

export async function platformEngine(): Promise<PlatformEngine> {
  const ivm = await optional<IvmModule>('../ivm/index.ts', ['installEngine', 'createNode', 'refreshAll']);
  const apply = await optional<ApplyModule>('../apply/apply.ts', ['applyDeployment']);
  const engines = await optional<EnginesModule>('../engines/open-engine.ts', ['engineFor']);
  return {
    deployWith: apply && engines ? 'apply' : ivm ? 'ivm' : 'ddl',
    refreshWith: ivm ? 'ivm' : 'full-recompute',
    async deploy(db, manifest) {
      if (apply && engines) {
        await apply.applyDeployment(db, await engines.engineFor(db), manifest);
      } else if (ivm) {
        await ivm.installEngine(db);
        for (const n of manifest.nodes) await ivm.createNode(db, manifest, n.name);
      } else {
        for (const n of manifest.nodes) for (const s of n.ddl) await db.exec(s);
      }
    },
    async refreshAll(db, manifest) {
      if (ivm) return ivm.refreshAll(db, manifest);
      // Stand-in until the incremental engine lands: every MV recomputed from its SELECT, in order.
      const out: RefreshResult[] = [];
      for (const n of manifest.nodes.filter((x) => x.kind === 'mv')) {
        const t0 = performance.now();
        const rows = await db.transaction(async (tx) => {
          await tx.exec(`DELETE FROM ${n.name}`);
          await tx.exec(populate(n));
          return Number((await tx.query<{ c: number }>(`SELECT COUNT(*)::int AS c FROM ${n.name}`))[0]?.c ?? 0);
        });
        out.push({ node: n.name, mode: 'full', reason: 'the incremental engine is not installed', rowsChanged: rows, inputRows: rows, durationMs: performance.now() - t0 });
      }
      return out;
    },
  };
}

/** A node's level: tables 0, each MV one more than its deepest input (the order a refresh walks). */
export function nodeLevels(manifest: Manifest): Map<string, number> {
  const level = new Map<string, number>();
  for (const n of manifest.nodes) level.set(n.name, n.dependsOn.length ? 1 + Math.max(...n.dependsOn.map((d) => level.get(d) ?? 0)) : 0);
  return level;
}
