import type { Manifest, ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';

/** The signatures of packages/runtime/src/ivm/index.ts that deploy and refresh use. */
export interface IvmRefreshResult {
  readonly node: string;
  readonly mode: 'incremental' | 'full';
  readonly reason?: string;
  readonly rowsChanged: number;
  readonly inputRows: number;
  readonly durationMs: number;
}

export interface IvmApi {
  installEngine(db: Db): Promise<void>;
  nodeDdl(manifest: Manifest, node: ManifestNode): string[];
  createNode(db: Db, manifest: Manifest, name: string): Promise<void>;
  dropNode(db: Db, name: string): Promise<void>;
  refreshAll(db: Db, manifest: Manifest, options?: { select?: readonly string[]; onProgress?: (done: number, total: number, node: string) => void }): Promise<IvmRefreshResult[]>;
  /** Optional: input rows not yet folded into each MV. */
  pendingChanges?(db: Db, manifest: Manifest): Promise<Map<string, number>>;
}

const nodeOf = (m: Manifest, name: string) => {
  const n = m.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`node ${name} is not in the manifest`);
  return n;
};

const populate = (n: ManifestNode) => {
  const cols = n.columns.map((c) => c.name).join(', ');
  return `INSERT INTO ${n.name} (${cols}) SELECT ${cols} FROM (\n${n.sql}\n) AS q;`;
};

/**
 * TEMPORARY stand-in until the incremental engine lands: the postgres manifest's DDL, MVs
 * populated and refreshed by full recompute. Only used when src/ivm/index.ts is absent.
 */
export const fallbackIvm: IvmApi = {
  async installEngine() {},
  nodeDdl: (_m, n) => (n.kind === 'mv' ? [...n.ddl, populate(n)] : [...n.ddl]),
  async createNode(db, m, name) {
    for (const s of fallbackIvm.nodeDdl(m, nodeOf(m, name))) await db.exec(s);
  },
  async dropNode(db, name) {
    const rows = await db.query<{ t: string }>('SELECT table_type AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1', [name]);
    if (!rows[0]) return;
    await db.exec(`DROP ${rows[0].t === 'VIEW' ? 'VIEW' : 'TABLE'} ${name}`);
  },
  async refreshAll(db, m, options = {}) {
    const mvs = m.nodes.filter((n) => n.kind === 'mv' && (!options.select || options.select.includes(n.name)));
    const out: IvmRefreshResult[] = [];
    for (const [i, n] of mvs.entries()) {
      const t0 = performance.now();
      const rows = await db.transaction(async (tx) => {
        await tx.exec(`DELETE FROM ${n.name}`);
        await tx.exec(populate(n));
        return Number((await tx.query<{ c: number }>(`SELECT COUNT(*)::int AS c FROM ${n.name}`))[0]?.c ?? 0);
      });
      out.push({ node: n.name, mode: 'full', reason: 'stand-in executor recomputes fully', rowsChanged: rows, inputRows: rows, durationMs: performance.now() - t0 });
      options.onProgress?.(i + 1, mvs.length, n.name);
    }
    return out;
  },
};
