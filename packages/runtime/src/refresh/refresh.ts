import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import type { Engine, RefreshOptions, RefreshOutcome } from '../engines/engine.ts';
import { RefreshError } from '../errors.ts';
import { readDeployed } from '../state/deployed-state.ts';
import { recordRefreshes } from '../state/refresh-history.ts';
import { ensureStateSchema } from '../state/state-schema.ts';
import { selectNodes } from './select-nodes.ts';

export interface RefreshCommandOptions {
  readonly select?: readonly string[];
  readonly cascade?: boolean;
  readonly onProgress?: (done: number, total: number, node: string) => void;
  readonly threads?: number;
  readonly trace?: RefreshOptions['trace'];
}

/**
 * Refreshes the selected MVs in dependency order and records each in mvkit.refresh_history.
 * The deployed nodes must be the project's: a refresh of an outdated deployment would
 * compute what the project no longer says.
 */
export async function refreshDeployment(db: Db, engine: Engine, manifest: Manifest, options: RefreshCommandOptions = {}): Promise<RefreshOutcome[]> {
  const selected = options.select?.length ? selectNodes(manifest, options.select) : manifest.nodes.map((n) => n.name);
  const mvs = manifest.nodes.filter((n) => n.kind === 'mv' && selected.includes(n.name));
  const deployed = new Map((await readDeployed(db)).map((d) => [d.name, d]));
  const outdated = mvs.filter((n) => deployed.get(n.name)?.fingerprint !== n.fingerprint).map((n) => n.name);
  if (outdated.length) {
    throw new RefreshError(`${outdated.length} MV(s) are not deployed as the project defines them: ${outdated.join(', ')}`, { hint: 'run `mvkit plan` and `mvkit apply` first' });
  }
  if (!mvs.length) return [];
  await ensureStateSchema(db);
  const results = await engine.refresh(db, manifest, { nodes: mvs.map((n) => n.name), cascade: options.cascade ?? false, ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.threads ? { threads: options.threads } : {}), ...(options.trace ? { trace: options.trace } : {}) });
  await recordRefreshes(db, results.map((r) => ({ node: r.node, mode: r.mode, rows: r.rows, durationMs: r.durationMs, detail: r.detail })));
  return results;
}
