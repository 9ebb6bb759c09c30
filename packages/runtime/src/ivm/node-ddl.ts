import { ddlOf, type Manifest, type ManifestNode } from '@mvkit/compiler';
import { SEQ, logTable } from './catalog.ts';
import { captureOf, planNode, type NodePlan } from './node-plan.ts';

/**
 * Every statement that creates a node locally, capture included:
 * - append-only tables (streams, landing): an identity column appended LAST (positional
 *   INSERTs of the declared columns keep working) and a BRIN index on it: the delta is a range
 *   of sequence numbers, found without a btree to maintain on every insert.
 * - mutable tables (dimensions): a signed change log filled by statement-level triggers with
 *   transition tables, so plain INSERT/UPDATE/DELETE from any connection is captured; TRUNCATE
 *   is refused because it would bypass the log.
 * - MVs: a storage table with the declared columns (views on top select them by name), hidden
 *   helper columns, a unique index on the key, and a change log the engine writes itself.
 */
export function nodeDdl(manifest: Manifest, node: ManifestNode): string[] {
  const base = ddlOf(node, 'postgres');
  const capture = captureOf(node);
  if (node.kind === 'view') return base;
  if (node.kind === 'table') {
    if (capture === 'seq') {
      return [...base, `ALTER TABLE ${node.name} ADD COLUMN ${SEQ} bigint GENERATED ALWAYS AS IDENTITY;`, `CREATE INDEX ${node.name}__ivm_seq ON ${node.name} USING brin (${SEQ});`];
    }
    return [...base, ...logDdl(node), ...triggerDdl(node)];
  }
  const plan = planNode(manifest, node);
  return [...base, ...storageDdl(plan), ...logDdl(node), ...inputIndexDdl(plan)];
}

/** What dropNode runs, recorded at creation so that a drop needs no manifest. */
export function dropStatements(manifest: Manifest, node: ManifestNode): string[] {
  if (node.kind === 'view') return [`DROP VIEW IF EXISTS ${node.name};`];
  const out = [`DROP TABLE IF EXISTS ${node.name};`];
  if (captureOf(node) === 'log') out.push(`DROP TABLE IF EXISTS ${logTable(node.name)};`);
  if (node.kind === 'table' && captureOf(node) === 'log') out.push(`DROP FUNCTION IF EXISTS mvkit.ivm_capture_${node.name}();`);
  if (node.kind === 'mv') {
    const idx = inputIndexName(planNode(manifest, node));
    if (idx) out.unshift(`DROP INDEX IF EXISTS ${idx};`);
  }
  return out;
}

function storageDdl(plan: NodePlan): string[] {
  const name = plan.node.name;
  if (plan.layout === 'full') return [];
  const hidden = ['_ivm_k text'];
  if (plan.layout === 'agg') {
    hidden.push('_ivm_count bigint NOT NULL DEFAULT 0');
    // SUM over only NULLs is NULL: the count of non-null arguments tells when a sum goes back to NULL.
    for (const a of plan.aggs) if (a.fn === 'sum') hidden.push(`_ivm_nn_${a.name} bigint NOT NULL DEFAULT 0`);
  }
  return [
    `ALTER TABLE ${name} ${hidden.map((h) => `ADD COLUMN ${h}`).join(', ')};`,
    // The key as one value (JSON text of the key columns: NULL-safe and hashable), for lookups and joins.
    `CREATE UNIQUE INDEX ${name}__ivm_k ON ${name} (_ivm_k);`,
  ];
}

function logDdl(node: ManifestNode): string[] {
  const cols = node.columns.map((c) => `  ${c.name} ${c.type}`).join(',\n');
  return [`CREATE TABLE ${logTable(node.name)} (\n  _seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  _w integer NOT NULL,\n${cols}\n);`];
}

function triggerDdl(node: ManifestNode): string[] {
  const n = node.name;
  const cols = node.columns.map((c) => c.name).join(', ');
  const fn = `mvkit.ivm_capture_${n}`;
  return [
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'TRUNCATE of % bypasses its change log', TG_TABLE_NAME USING HINT = 'delete with DELETE; the incremental engine captures INSERT, UPDATE and DELETE';
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO ${logTable(n)} (_w, ${cols}) SELECT -1, ${cols} FROM ivm_old;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO ${logTable(n)} (_w, ${cols}) SELECT 1, ${cols} FROM ivm_new;
  END IF;
  RETURN NULL;
END $$;`,
    // One trigger per event: transition tables are only allowed on single-event triggers.
    `CREATE TRIGGER ${n}__ivm_ins AFTER INSERT ON ${n} REFERENCING NEW TABLE AS ivm_new FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${n}__ivm_upd AFTER UPDATE ON ${n} REFERENCING OLD TABLE AS ivm_old NEW TABLE AS ivm_new FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${n}__ivm_del AFTER DELETE ON ${n} REFERENCING OLD TABLE AS ivm_old FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${n}__ivm_trunc BEFORE TRUNCATE ON ${n} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
  ];
}

/**
 * MIN/MAX over an input with deletions recompute the touched groups from the input; an index
 * on the input's group expressions turns that into index lookups instead of a scan. Only for
 * plain columns and DATE_TRUNC of one (immutable on TIMESTAMP), over a single input.
 */
export function inputIndexName(plan: NodePlan): string | null {
  if (plan.layout !== 'agg' || plan.inputs.length !== 1 || !plan.aggs.some((a) => a.fn === 'min' || a.fn === 'max')) return null;
  const input = plan.inputs[0]!;
  if (input.capture !== 'log') return null;
  const ok = plan.projections.every((p) => {
    if (/^[a-z_][a-z0-9_]*$/i.test(p.expr)) return true;
    const m = /^DATE_TRUNC\('[a-z]+', ([a-z_][a-z0-9_]*)\)$/i.exec(p.expr);
    return !!m && input.types[m[1]!] === 'TIMESTAMP';
  });
  return ok ? `${input.relation}__ivm_${plan.node.name}` : null;
}

function inputIndexDdl(plan: NodePlan): string[] {
  const idx = inputIndexName(plan);
  if (!idx) return [];
  return [`CREATE INDEX ${idx} ON ${plan.inputs[0]!.relation} (${plan.projections.map((p) => p.expr).join(', ')});`];
}
