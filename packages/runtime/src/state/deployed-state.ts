import type { Db } from '../db/db.ts';
import type { DeployedNode, NodeDefinition } from '../plan/plan-types.ts';
import type { PhysicalAttributes } from '@mvkit/compiler';
import { hasState, now, parseJson } from './state-schema.ts';

interface Row {
  name: string; kind: DeployedNode['kind']; role: string; fingerprint: string;
  physical: unknown; definition: unknown; deployed_at: Date | string;
}

/** The deployed nodes, in the order they were deployed. Empty when mvkit never ran here. */
export async function readDeployed(db: Db): Promise<DeployedNode[]> {
  if (!(await hasState(db))) return [];
  const rows = await db.query<Row>('SELECT name, kind, role, fingerprint, physical, definition, deployed_at FROM mvkit.deployed_nodes ORDER BY deployed_at, name');
  return rows.map((r) => ({
    name: r.name, kind: r.kind, role: r.role, fingerprint: r.fingerprint,
    physical: parseJson<PhysicalAttributes>(r.physical), definition: parseJson<NodeDefinition>(r.definition),
    deployedAt: r.deployed_at instanceof Date ? r.deployed_at.toISOString() : String(r.deployed_at),
  }));
}

/** Records a node as deployed (replacing its row), or deletes it when `node` is null. */
export async function recordDeployed(db: Db, name: string, node: DeployedNode | null, applyId: string): Promise<void> {
  await db.query('DELETE FROM mvkit.deployed_nodes WHERE name = $1', [name]);
  if (!node) return;
  await db.query(
    'INSERT INTO mvkit.deployed_nodes (name, kind, role, fingerprint, physical, definition, deployed_at, apply_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [node.name, node.kind, node.role, node.fingerprint, JSON.stringify(node.physical), JSON.stringify(node.definition), now(), applyId],
  );
}
