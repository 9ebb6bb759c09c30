import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { RefreshError } from '../errors.ts';
import { nodeRecord, withNodeLocks } from './catalog.ts';
import { externalHighMarks, readMarks } from './marks.ts';
import { captureOf, findNode, planNode } from './node-plan.ts';
import { dropStatements, nodeDdl } from './node-ddl.ts';
import { populate } from './programs.ts';

/**
 * Creates a node with its capture objects; an MV is populated from its inputs at their high
 * marks and its watermarks set to those marks, all in one transaction (so a failed create
 * leaves nothing behind).
 */
export async function createNode(db: Db, manifest: Manifest, name: string): Promise<void> {
  const node = findNode(manifest, name);
  if (await nodeRecord(db, name)) throw new RefreshError(`${name} already exists on this target`, { hint: 'drop it first (dropNode) to rebuild it' });
  const ddl = nodeDdl(manifest, node);
  const drop = dropStatements(manifest, node);
  if (node.kind !== 'mv') {
    await db.transaction(async (tx) => {
      for (const s of ddl) await tx.exec(s);
      await tx.query('INSERT INTO mvkit.ivm_nodes (name, kind, capture, drop_sql) VALUES ($1, $2, $3, $4)', [name, node.kind, captureOf(node), drop]);
    });
    return;
  }
  const plan = planNode(manifest, node);
  for (const i of plan.inputs) {
    if (!(await nodeRecord(db, i.relation))) throw new RefreshError(`${name} reads ${i.relation}, which has not been created`, { hint: 'create nodes in manifest order' });
  }
  // Holding the inputs' locks: no refresh of an input MV and no log trim runs between reading
  // the high marks and committing the watermarks that start from them.
  await withNodeLocks(db, [name, ...plan.inputs.map((i) => i.relation)], async () => {
    const external = plan.layout === 'full' ? new Map<string, number>() : await externalHighMarks(db, plan.inputs);
    await db.transaction(async (tx) => {
      await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      for (const s of ddl) await tx.exec(s);
      const marks = await readMarks(tx, plan.layout === 'full' ? [] : plan.inputs, new Map(), external);
      // The state at the high mark: a fresh node starts from position H, not from 0.
      const atHigh = new Map([...marks].map(([k, m]) => [k, { ...m, from: m.to, changes: 0 }]));
      await populate(tx, plan, atHigh);
      for (const [input, m] of atHigh) {
        await tx.query('INSERT INTO mvkit.ivm_watermarks (consumer, input, mark) VALUES ($1, $2, $3)', [name, input, m.to]);
      }
      await tx.query('INSERT INTO mvkit.ivm_nodes (name, kind, capture, layout, reason, drop_sql) VALUES ($1, $2, $3, $4, $5, $6)', [name, node.kind, captureOf(node), plan.layout, plan.reason, drop]);
    });
  });
}

/** Drops the relation, its capture objects and its watermarks, from the engine's own records. */
export async function dropNode(db: Db, name: string): Promise<void> {
  const rec = await nodeRecord(db, name);
  if (!rec) return;
  await withNodeLocks(db, [name], () =>
    db.transaction(async (tx) => {
      for (const s of rec.drop_sql) await tx.exec(s);
      await tx.query('DELETE FROM mvkit.ivm_watermarks WHERE consumer = $1 OR input = $1', [name]);
      await tx.query('DELETE FROM mvkit.ivm_nodes WHERE name = $1', [name]);
    }),
  );
}
