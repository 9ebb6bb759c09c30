import { columnRefs, ddlOf, type Manifest, type ManifestColumn, type ManifestNode } from '@mvkit/compiler';
import { KEY_COLLATION, SEQ, attached, captureFunction, logTable } from './catalog.ts';
import { captureOf, countsNonNull, isTextColumn, lookupExpr, planNode, plainColumn, typeBase, type NodePlan } from './node-plan.ts';

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
      return [...base, `ALTER TABLE ${node.name} ADD COLUMN ${SEQ} bigint GENERATED ALWAYS AS IDENTITY;`, `CREATE INDEX ${attached(node.name, 'seq')} ON ${node.name} USING brin (${SEQ});`];
    }
    return [...base, ...logDdl(node), ...triggerDdl(node)];
  }
  const plan = planNode(manifest, node);
  // The storage's unique index on _ivm_k (the key as one value) already keeps one row per key,
  // and every lookup, join and upsert of the engine goes through it: the declared key's own
  // unique index would be a second btree to maintain on every write, looked up by nothing.
  const kept = plan.layout === 'full' ? base : ddlOf({ ...node, key: null }, 'postgres');
  return [...kept, ...storageDdl(plan), ...logDdl(node), ...inputIndexDdl(plan)];
}

/** What dropNode runs, recorded at creation so that a drop needs no manifest. */
export function dropStatements(manifest: Manifest, node: ManifestNode): string[] {
  if (node.kind === 'view') return [`DROP VIEW IF EXISTS ${node.name};`];
  const out = [`DROP TABLE IF EXISTS ${node.name};`];
  if (captureOf(node) === 'log') out.push(`DROP TABLE IF EXISTS ${logTable(node.name)};`);
  if (node.kind === 'table' && captureOf(node) === 'log') out.push(`DROP FUNCTION IF EXISTS ${captureFunction(node.name)}();`);
  if (node.kind === 'mv') for (const i of inputIndexes(planNode(manifest, node))) out.unshift(`DROP INDEX IF EXISTS ${i.name};`);
  return out;
}

function storageDdl(plan: NodePlan): string[] {
  const name = plan.node.name;
  if (plan.layout === 'full') return [];
  const hidden = [`_ivm_k text COLLATE "${KEY_COLLATION}"`];
  if (plan.layout === 'agg') {
    hidden.push('_ivm_count bigint NOT NULL DEFAULT 0');
    // SUM over only NULLs is NULL: the count of non-null arguments tells when a sum goes back to NULL (see countsNonNull).
    for (const a of plan.aggs) if (countsNonNull(a)) hidden.push(`_ivm_nn_${a.name} bigint NOT NULL DEFAULT 0`);
  }
  // Groups are updated in place on every refresh: free space on each page lets Postgres keep
  // the new version on the same page without touching the indexes (a HOT update).
  const storage = plan.layout === 'agg' ? [`ALTER TABLE ${name} SET (fillfactor = 70);`] : [];
  return [
    ...storage,
    `ALTER TABLE ${name} ${hidden.map((h) => `ADD COLUMN ${h}`).join(', ')};`,
    // The key as one value (JSON text of the key columns: NULL-safe and hashable), for lookups and joins.
    // Compared bytewise (see KEY_COLLATION). A multiset's _ivm_k is a whole row, repeated by its
    // copies and of any length: a hash index finds them by equality with no limit on the size.
    plan.multiset
      ? `CREATE INDEX ${attached(name, 'k')} ON ${name} USING hash (_ivm_k);`
      : `CREATE UNIQUE INDEX ${attached(name, 'k')} ON ${name} (_ivm_k);`,
  ];
}

/**
 * A change log: numbered signed rows. No index on the number: a log is appended to in number
 * order, read from a consumer's watermark to its end and trimmed from its start, so it holds
 * only what its slowest consumer has not folded in yet, and every read of it is a scan of about
 * that much; an index would cost each logged row an entry and serve no read better.
 */
function logDdl(node: ManifestNode): string[] {
  const cols = node.columns.map((c) => `  ${c.name} ${c.type}`).join(',\n');
  return [`CREATE TABLE ${logTable(node.name)} (\n  _seq bigint GENERATED ALWAYS AS IDENTITY,\n  _w integer NOT NULL,\n${cols}\n);`];
}

/** The trigger function that copies a mutable table's changes into its log (`orReplace`: after a column change). */
function captureFunctionDdl(node: ManifestNode, orReplace = false): string {
  const n = node.name;
  const cols = node.columns.map((c) => c.name).join(', ');
  return `CREATE ${orReplace ? 'OR REPLACE ' : ''}FUNCTION ${captureFunction(n)}() RETURNS trigger LANGUAGE plpgsql AS $$
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
END $$;`;
}

/**
 * A mutable table's capture after columns are added or dropped: the log gets the same columns
 * and the trigger function is replaced, so the capture keeps up. The function stops copying a
 * dropped column before the column goes (it comes first); an added column is in the log before
 * the function copies it.
 */
export function captureColumnDdl(node: ManifestNode, change: { add?: readonly ManifestColumn[]; drop?: readonly string[]; retype?: readonly { readonly column: string; readonly to: string }[] }): string[] {
  if (node.kind !== 'table' || captureOf(node) !== 'log') return [];
  const log = logTable(node.name);
  // The log's copy of a widened column is widened too (the trigger copies by name: it stays).
  if (change.retype) return change.retype.map((c) => `ALTER TABLE ${log} ALTER COLUMN ${c.column} TYPE ${c.to};`);
  const replaceFn = captureFunctionDdl(node, true);
  if (change.drop) return [replaceFn, ...change.drop.map((c) => `ALTER TABLE ${log} DROP COLUMN ${c};`)];
  return [...(change.add ?? []).map((c) => `ALTER TABLE ${log} ADD COLUMN ${c.name} ${c.type};`), replaceFn];
}

function triggerDdl(node: ManifestNode): string[] {
  const n = node.name;
  const fn = captureFunction(n);
  return [
    captureFunctionDdl(node),
    // One trigger per event: transition tables are only allowed on single-event triggers.
    `CREATE TRIGGER ${attached(n, 'ins')} AFTER INSERT ON ${n} REFERENCING NEW TABLE AS ivm_new FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${attached(n, 'upd')} AFTER UPDATE ON ${n} REFERENCING OLD TABLE AS ivm_old NEW TABLE AS ivm_new FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${attached(n, 'del')} AFTER DELETE ON ${n} REFERENCING OLD TABLE AS ivm_old FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${attached(n, 'trunc')} BEFORE TRUNCATE ON ${n} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
  ];
}

interface InputIndex {
  readonly name: string;
  readonly table: string;
  readonly exprs: readonly string[];
}

/**
 * Indexes on an MV's inputs that its delta programs look rows up by (the input is an MV, whose
 * writes the engine already pays for; landing tables get none, to keep their writes cheap):
 * - MIN/MAX over an input with deletions recompute the touched groups from the input: an index
 *   on the group expressions (plain columns and DATE_TRUNC of a TIMESTAMP, which is immutable).
 * - a join term R ⋈ ΔS looks up the rows of the driving input matching the changed dimension
 *   rows: an index on the driving input's join columns (its storage has no index on the declared
 *   key, only on _ivm_k, so no existing index serves the lookup).
 */
export function inputIndexes(plan: NodePlan): InputIndex[] {
  if (plan.layout === 'full' || !plan.inputs.length) return [];
  const out: InputIndex[] = [];
  const first = plan.inputs[0]!;
  if (plan.layout === 'agg' && plan.inputs.length === 1 && first.capture === 'log' && plan.aggs.some((a) => a.fn === 'min' || a.fn === 'max')) {
    // Plain columns and DATE_TRUNC of a TIMESTAMP column (immutable; of a TIMESTAMPTZ it is not).
    const ok = plan.projections.every((p) => {
      if (plainColumn(plan, p.node) !== null) return true;
      const arg = p.node.kind === 'dateTrunc' ? plainColumn(plan, p.node.arg) : null;
      return arg !== null && typeBase(first.types[arg]) === 'TIMESTAMP';
    });
    // Lookups match every column by equality, so the order is free: time buckets and other
    // non-text columns first. New rows mostly fall in the latest bucket, so inserts land in
    // the index's last pages, and most comparisons are decided by a cheap timestamp comparison
    // before any text is compared (paired timing, 3,000 inserts into a 2.5M-row input: the
    // index's share of the insert ~30 % lower than with the bucket last). Text is keyed
    // bytewise (lookupExpr).
    const isText = (p: NodePlan['projections'][number]) => isTextColumn(plan, p);
    const ps = plan.projections;
    if (ok) out.push({ name: attached(first.relation, plan.node.name), table: first.relation, exprs: [...ps.filter((p) => !isText(p)), ...ps.filter(isText)].map((p) => lookupExpr(plan, p)) });
  }
  if (first.engineWritten && plan.inputs.length > 1) {
    const lookups = plan.inputs.slice(1).map((j, k) => ({
      k,
      // The driving input's columns the join condition reads, in the order it reads them.
      cols: (j.onExpr ? columnRefs(j.onExpr) : []).filter((c) => c.rel === first.alias).map((c) => c.name).filter((c, i, a) => a.indexOf(c) === i),
    }));
    // An index serves a lookup by any leading part of its columns: a lookup whose columns lead
    // another one's (tenant_id and tenant_id, campaign_id) needs no index of its own, and every
    // index the engine adds costs each write of the input an entry.
    const leads = (a: readonly string[], b: readonly string[]) => a.length <= b.length && a.every((c, i) => b[i] === c);
    lookups.forEach(({ k, cols }) => {
      if (!cols.length) return;
      const served = lookups.some((o) => o.k !== k && o.cols.length && leads(cols, o.cols) && (o.cols.length > cols.length || o.k < k));
      if (!served) out.push({ name: attached(first.relation, `${plan.node.name}_${k + 1}`), table: first.relation, exprs: cols });
    });
  }
  return out;
}

function inputIndexDdl(plan: NodePlan): string[] {
  return inputIndexes(plan).map((i) => `CREATE INDEX ${i.name} ON ${i.table} (${i.exprs.join(', ')});`);
}
