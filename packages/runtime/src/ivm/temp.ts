import { createHash } from 'node:crypto';
import { explainable, type Db, type Statement } from '../db/db.ts';

/**
 * Session temp tables that a refresh fills and its COMMIT empties (ON COMMIT DELETE ROWS),
 * created once per session and definition instead of created and dropped in every refresh:
 * creating a temp table writes the catalogs (pg_class, pg_type, pg_attribute, ...) and dropping
 * it at commit deletes those rows again, about 1.5 ms per table; refilling one costs a fraction.
 * The name carries a hash of everything its column types derive from, so a changed definition
 * gets a table of its own. A rolled-back refresh leaves the table empty (or, if it was created
 * in that transaction, absent; the next refresh creates it again).
 *
 * Their variable-length columns are stored PLAIN (inline, uncompressed), so the tables have no
 * TOAST table: every COMMIT of a transaction that touched a temp table empties every ON COMMIT
 * DELETE ROWS table of the session, and emptying one with a TOAST table (its heap, the TOAST
 * heap, and the TOAST index rebuilt) costs ~0.25 ms against ~0.02 ms without; a session that
 * refreshes a chain holds a few tables per MV. A row that does not fit a page inline fails with
 * "row is too big" (54000): the engine then switches to TOASTed tables (see toastedTemps), which
 * have names of their own. Creating a table this way costs ~3 ms more, once per session (a chain's
 * first refresh in a session: ~15 tables); it is paid back after about a dozen refreshes.
 */
const state = { plain: true };

/** From now on (in this process), temp tables keep TOAST: for rows too wide to store inline. False if they already did. */
export function toastedTemps(): boolean {
  if (!state.plain) return false;
  state.plain = false;
  return true;
}

/**
 * Runs a refresh transaction; when a row is too wide for the session temp tables' inline storage,
 * once more with TOASTed ones (see toastedTemps).
 */
export async function withToastRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (e) {
    if (!isRowTooBig(e) || !toastedTemps()) throw e;
    return attempt();
  }
}

/** Whether an error is Postgres refusing a row wider than a page (PLAIN storage, no TOAST). */
export function isRowTooBig(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === '54000' && /row is too big/i.test(String((e as Error).message));
}

/** The session temp table of `role` for node `owner`, named by what its columns derive from. */
export function tempName(role: string, owner: string, definition: readonly unknown[]): string {
  const storage = state.plain ? 'plain' : 'toast';
  // Named once per definition: the definition's objects (a manifest node, a plan's inputs: several
  // KB of JSON) are the engine's plans, which are not edited in place, so they are told apart by
  // identity; the name is the hash of JSON.stringify([role, owner, definition, storage]).
  const key = `${role}\n${owner}\n${storage}\n${definition.map(identity).join('\n')}`;
  let name = names.get(key);
  if (name === undefined) {
    if (names.size >= 1024) names.clear();
    const h = createHash('sha1').update(JSON.stringify([role, owner, definition, storage])).digest('hex').slice(0, 12);
    names.set(key, (name = `_ivm_${role}_${h}`));
  }
  return name;
}

const names = new Map<string, string>();
const ids = new WeakMap<object, number>();
let lastId = 0;

/** A value as a short text: an object by its identity, anything else by its JSON. */
function identity(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(JSON.stringify(v));
  let id = ids.get(v);
  if (id === undefined) ids.set(v, (id = ++lastId));
  return `#${id}`;
}

const digests = new Map<string, string>();

/** The SHA-1 of a text in hex, remembered for the texts a session sends again and again (statement names). */
function digest(text: string): string {
  let d = digests.get(text);
  if (d === undefined) {
    if (digests.size >= 512) digests.clear();
    digests.set(text, (d = createHash('sha1').update(text).digest('hex')));
  }
  return d;
}

/**
 * Creates `name` unless it exists, with the columns (names and types) of `shape`'s result:
 * through a throwaway table whose variable-length columns are set to PLAIN, which LIKE ...
 * INCLUDING STORAGE copies before the table's TOAST need is decided. One DO block: when the
 * table exists it is a lookup (cheaper than CREATE TABLE IF NOT EXISTS ... AS, which plans the
 * SELECT each time).
 */
export function ensureTemp(name: string, shape: string): string {
  if (!state.plain) return `CREATE TEMP TABLE IF NOT EXISTS ${name} ON COMMIT DELETE ROWS AS ${shape}\nWITH NO DATA`;
  const s = `${name}_shape`;
  return `DO $ivm_temp$ BEGIN IF to_regclass('pg_temp.${name}') IS NULL THEN `
    + `CREATE TEMP TABLE ${s} AS ${shape}\nWITH NO DATA; `
    + `EXECUTE COALESCE((SELECT 'ALTER TABLE pg_temp.${s} ' || string_agg(format('ALTER COLUMN %I SET STORAGE PLAIN', attname), ', ') FROM pg_attribute WHERE attrelid = 'pg_temp.${s}'::regclass AND attnum > 0 AND NOT attisdropped AND attlen = -1), 'SELECT 1'); `
    + `CREATE TEMP TABLE ${name} (LIKE pg_temp.${s} INCLUDING STORAGE) ON COMMIT DELETE ROWS; `
    + `DROP TABLE pg_temp.${s}; END IF; END $ivm_temp$`;
}

/** Creates the table from the SELECT's shape unless it exists, then fills it from the SELECT. */
export function fillTemp(name: string, select: string, temps?: TempCache): Statement[] {
  return [...(temps ? temps.create(name, select) : [ensureTemp(name, select)]), explainable(`INSERT INTO ${name}\n${select}`)];
}

type Session = { created: Set<string>; analyzed: Set<string>; prepared: Set<string>; generation: number };

/** Statements one session keeps prepared at most (see TempCache.prepare); beyond, statements are sent as they are. */
export const MAX_PREPARED = 64;

/**
 * What the engine knows of one connection's session temp tables: the ones that exist (created
 * by a transaction that committed, or found existing by one) and the ones with statistics
 * (analyzed, once they held enough rows, by a transaction that committed). Known tables are
 * used without their DO block, and statistics are gathered by a plain ANALYZE when a delta is
 * first large enough, instead of a DO block that checks it in every refresh: a DO block is
 * compiled each time it runs, ~5 ms on PGlite (a little on native Postgres), and a chain's
 * refresh sent ~20 of them.
 * Kept per connection object (a session lives as long as its connection); what a transaction
 * learns counts only once it has committed (a rolled-back CREATE leaves no table).
 */
export class TempCache {
  private static readonly sessions = new WeakMap<Db, Session>();
  private readonly created = new Set<string>();
  private readonly analyzed = new Set<string>();
  private constructor(private readonly session: Session) {}

  /** The cache of `db`'s session (the connection object refreshes are called with). */
  static of(db: Db): TempCache {
    let s = TempCache.sessions.get(db);
    if (!s) TempCache.sessions.set(db, (s = { created: new Set(), analyzed: new Set(), prepared: new Set(), generation: 0 }));
    return new TempCache(s);
  }

  /**
   * A statement that a session runs again and again, run through a server-side prepared statement
   * so that it is planned once instead of at every refresh (a group merge of ~8 CTEs plans in
   * ~1.5-2.5 ms, often as long as it runs on a small delta): `setup` (PREPARE, the first time in
   * the session) and `run` (EXECUTE), to send in one script; `done` once that script succeeded.
   * Without parameters, Postgres plans it once, at its first EXECUTE, and reuses the plan until a
   * relation it reads changes (DDL, new statistics); the plan was made for the sizes of the
   * temp tables then, so the caller names a size class (`size`) and each class is prepared on
   * its own. The statement's text must be the same at every refresh (no per-refresh literals).
   * PREPARE outlives a rolled-back transaction, and a failed script may or may not have reached
   * it: after a failure (`failed`) the session's statements are prepared afresh under new names.
   */
  prepare(sql: string, size: number): { setup: string[]; run: Statement; done: () => void } {
    const s = this.session;
    const name = `_ivm_p_${digest(`${size}\n${sql}`).slice(0, 16)}_${s.generation}`;
    if (s.prepared.has(name)) return { setup: [], run: explainable(`EXECUTE ${name}`), done: () => undefined };
    if (s.prepared.size >= MAX_PREPARED) return { setup: [], run: explainable(sql), done: () => undefined };
    return { setup: [`PREPARE ${name} AS ${sql}`], run: explainable(`EXECUTE ${name}`), done: () => s.prepared.add(name) };
  }

  /** A script with a PREPARE failed: whether it was prepared is unknown. */
  failed(): void {
    this.session.prepared.clear();
    this.session.generation++;
  }

  /** ensureTemp's statement, unless the table is known to exist. */
  create(name: string, shape: string): string[] {
    if (this.session.created.has(name)) return [];
    this.created.add(name);
    return [ensureTemp(name, shape)];
  }

  like(name: string, relation: string): string[] {
    return this.create(name, `SELECT * FROM ${relation}`);
  }

  /** The table has statistics from this transaction on (known once it has committed). */
  noteAnalyzed(name: string): void {
    this.analyzed.add(name);
  }

  isAnalyzed(name: string): boolean {
    return this.session.analyzed.has(name);
  }

  /** The transaction committed: what it created and analyzed is known from now on. */
  committed(): void {
    for (const n of this.created) this.session.created.add(n);
    for (const n of this.analyzed) this.session.analyzed.add(n);
  }
}

/**
 * Statistics for a session temp table, gathered once per session: the first time it holds at
 * least `minRows` rows (before that its reltuples is -1, never analyzed). Without statistics the
 * planner knows a temp table's size but not how many distinct values its columns hold, assumes
 * 200 for each and so expects a join of a delta with a small dimension table to keep only a
 * few rows: it then looks every delta row up by index, one by one, where hashing the dimension
 * table once is several times faster (2,500 delta rows joined with three dimension tables:
 * ~21 ms against ~4 ms). ANALYZE costs ~10 ms, so it is not run per refresh: the statistics (and
 * the rows per page in pg_class) outlive the ON COMMIT DELETE ROWS emptying, and the planner
 * scales them to the table's actual size in every later refresh. A delta smaller than
 * `minRows` plans well enough without them and is not a fair sample. Should the refresh that
 * gathered them roll back, pg_class keeps the row count (ANALYZE writes it in place) but the
 * statistics go: that table plans without them, as before, for the rest of the session.
 */
export const ANALYZE_MIN_ROWS = 500;

export function analyzeOnce(name: string, minRows = ANALYZE_MIN_ROWS): string {
  return `DO $ivm_analyze$ BEGIN IF (SELECT reltuples FROM pg_class WHERE oid = 'pg_temp.${name}'::regclass) < 0 AND (SELECT count(*) FROM (SELECT 1 FROM pg_temp.${name} LIMIT ${minRows}) s) >= ${minRows} THEN ANALYZE pg_temp.${name}; END IF; END $ivm_analyze$`;
}

/** A table with the columns of `relation`, created unless it exists. */
export function likeTemp(name: string, relation: string): string {
  return ensureTemp(name, `SELECT * FROM ${relation}`);
}
