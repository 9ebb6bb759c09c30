import { createHash } from 'node:crypto';
import type { ManifestNode } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';

/**
 * The engine's own state, in schema mvkit (tables ivm_*; the deploy state of plan/apply lives
 * next to it under other names). Everything the engine needs to drop or trim a node is here, so
 * that dropNode works without a manifest.
 */
const INSTALL = `
CREATE SCHEMA IF NOT EXISTS mvkit;
CREATE TABLE IF NOT EXISTS mvkit.ivm_nodes (
  name text PRIMARY KEY,
  kind text NOT NULL,
  -- 'seq': append-only table with an identity column; 'log': signed change log; 'none'
  capture text NOT NULL,
  -- MVs: 'agg' | 'rows' | 'full' (storage layout and refresh mode)
  layout text,
  reason text,
  drop_sql text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS mvkit.ivm_watermarks (
  consumer text NOT NULL,
  input text NOT NULL,
  -- The input's change position (sequence or log number) that the consumer has folded in.
  mark bigint NOT NULL,
  PRIMARY KEY (consumer, input)
);
CREATE TABLE IF NOT EXISTS mvkit.ivm_refreshes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  node text NOT NULL,
  mode text NOT NULL,
  reason text,
  rows_changed bigint NOT NULL,
  input_rows bigint NOT NULL,
  duration_ms double precision NOT NULL,
  refreshed_at timestamptz NOT NULL DEFAULT now()
);
`;

/** Idempotent. The transaction-level advisory lock keeps two concurrent installs from racing on CREATE. */
export async function installEngine(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('mvkit.ivm.install', 0))`);
    await tx.exec(INSTALL);
  });
}

export interface NodeRecord {
  readonly name: string;
  readonly kind: string;
  readonly capture: 'seq' | 'log' | 'none';
  readonly layout: 'agg' | 'rows' | 'full' | null;
  readonly reason: string | null;
  readonly drop_sql: string[];
  /** The collation of an MV's stored key column (_ivm_k), null without one: see KEY_COLLATION. */
  readonly key_collation: string | null;
}

/**
 * The collation of the key column _ivm_k of MV storage. "C" compares bytes: the key is only
 * ever looked up and joined by equality, never ordered for anyone to see, and its unique index
 * then costs about a third less per entry than under a libc collation such as C.UTF-8. Storage
 * created by an earlier engine has the database's collation; the engine's statements compare
 * keys under "C", which that index cannot serve (every lookup would scan the table): such an MV
 * is refused until `mvkit apply` rebuilds it (its DDL differs, so apply does).
 */
export const KEY_COLLATION = 'C';

/**
 * The first statements of a refresh transaction: one snapshot (REPEATABLE READ), CREATE ... IF
 * NOT EXISTS notices quiet, asynchronous commit (a refresh holds only derived data, and its MVs,
 * logs and watermarks commit together: a server crash can lose the newest refreshes, WAL keeping
 * them in order, never half of one; the next refresh redoes them; it spares a WAL flush per
 * refresh on servers that wait for it), and memory for
 * hashing a large delta: at the default 4 MB a batch of 100,000 events spills its grouping to
 * disk (25,000 groups: 8 MB in memory, 1.6 MB on disk, ~40 % slower); 32 MB, for this transaction only.
 */
export const REFRESH_SETTINGS = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET LOCAL client_min_messages = warning; SET LOCAL synchronous_commit = off; SET LOCAL work_mem = '32MB'";

function recordSql(name: string): string {
  return recordsSql([name]);
}

/** The records of the named nodes (those that exist), with their key column's collation. */
export function recordsSql(names: readonly string[]): string {
  return `SELECT n.name, n.kind, n.capture, n.layout, n.reason, n.drop_sql,
  (SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation WHERE a.attrelid = to_regclass(quote_ident(n.name)) AND a.attname = '_ivm_k' AND NOT a.attisdropped)::text AS key_collation
FROM mvkit.ivm_nodes n WHERE n.name IN (${names.map(quote).join(', ')})`;
}

/**
 * Whether a refresh of an MV writes its change log: only when something reads the log. The
 * readers today are the MVs built on it (`hasConsumers`: one has a watermark on it, read under
 * the node's lock); a reader outside the engine (a node served to another database, say) is one
 * more condition here. An MV whose log nothing reads also has its log emptied after a refresh.
 */
export function needsChangeLog(_node: ManifestNode, hasConsumers: boolean): boolean {
  return hasConsumers;
}

export async function nodeRecord(db: Db, name: string): Promise<NodeRecord | undefined> {
  const rows = await db.query<NodeRecord>(recordSql(name));
  return rows[0];
}

/**
 * Takes the node's lock (as withNodeLocks does) and reads its record under it, in one round
 * trip. The caller releases the lock (unlockNode, or unlockSql after a COMMIT).
 */
export async function lockNodeRecord(db: Db, name: string): Promise<NodeRecord | undefined> {
  const rows = await db.script<NodeRecord>([lockSql(name), recordSql(name)]);
  return rows[0];
}

/** Postgres truncates identifiers to 63 bytes, silently: two long derived names could become one. */
const MAX_IDENT = 63;

/**
 * A name the engine derives (index, log, trigger, function), kept within Postgres' identifier
 * limit: as it is when it fits, else its first bytes and a hash of the whole, so that the same
 * name always maps to the same identifier and two different ones stay apart.
 */
export function pgName(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENT) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 10);
  let head = name;
  while (Buffer.byteLength(head, 'utf8') > MAX_IDENT - hash.length - 1) head = head.slice(0, -1);
  return `${head}_${hash}`;
}

/** Where a node's change log lives (only for capture = 'log'). */
export function logTable(name: string): string {
  return `mvkit.${pgName(`ivm_log_${name}`)}`;
}

/** The trigger function that fills a mutable table's change log. */
export function captureFunction(name: string): string {
  return `mvkit.${pgName(`ivm_capture_${name}`)}`;
}

/** An object the engine attaches to a relation: `<relation>__ivm_<suffix>` (indexes, triggers). */
export function attached(relation: string, suffix: string): string {
  return pgName(`${relation}__ivm_${suffix}`);
}

export const SEQ = '_ivm_seq';

/**
 * Engine sessions serialize per node with a session-level advisory lock: refreshes of one MV
 * never overlap (which is what makes its log numbers commit in order), and createNode holds
 * its inputs' locks so that nobody trims a log it is about to read.
 */
function lockKey(name: string): string {
  return `hashtextextended('mvkit.ivm:' || ${quote(name)}, 0)`;
}

/** Waits for the node's lock and takes it, at session level. */
export function lockSql(name: string): string {
  return `SELECT pg_advisory_lock(${lockKey(name)})`;
}

export async function withNodeLocks<T>(db: Db, names: readonly string[], fn: () => Promise<T>): Promise<T> {
  // Sorted: two sessions taking overlapping sets cannot deadlock.
  const sorted = [...new Set(names)].sort();
  const taken: string[] = [];
  try {
    for (const n of sorted) {
      await db.query(lockSql(n));
      taken.push(n);
    }
    return await fn();
  } finally {
    for (const n of taken.reverse()) await db.query(unlockSql(n)).catch(() => undefined);
  }
}

/** The advisory lock key of a node, as an SQL expression (for statements that take the lock themselves). */
export function nodeLockKey(name: string): string {
  return lockKey(name);
}

export async function tryNodeLock(db: Db, name: string): Promise<boolean> {
  const [r] = await db.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${lockKey(name)}) AS ok`);
  return !!r?.ok;
}

export async function unlockNode(db: Db, name: string): Promise<void> {
  await db.query(unlockSql(name));
}

/** Releases the node's lock; never fails (a lock not held is a warning and false). */
export function unlockSql(name: string): string {
  return `SELECT pg_advisory_unlock(${lockKey(name)})`;
}

export function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
