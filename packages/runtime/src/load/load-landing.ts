import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Manifest, ManifestColumn } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { LoadError } from '../errors.ts';
import { coerceValue } from './coerce-value.ts';
import { feedOfFile, feedRoutes, type FeedRoute } from './feeds.ts';
import { claimFile, ensureLoadedFiles, findLoaded, recordCounts, strandedTables } from './loaded-files.ts';
import { parseCsv, parseNdjson, type ParsedLine } from './parse-records.ts';
import { deleteByKey, insertRows, markDeletedByKey, upsertByKey } from './write-rows.ts';

export interface Reject {
  readonly file: string;
  readonly line: number;
  readonly error: string;
  readonly raw: string;
}

export type FileStatus = 'loaded' | 'already-loaded' | 'unknown-feed';

export interface FileResult {
  /** Relative to the landing directory, with `/`: the identity recorded in mvkit.loaded_files. */
  readonly path: string;
  readonly feed: string;
  readonly status: FileStatus;
  readonly rows: number;
  readonly rejected: number;
  readonly rejectsFile?: string;
  /** Streams: the newest event time among the loaded rows (ISO 8601). */
  readonly newestEventAt?: string;
}

export interface LoadSummary {
  readonly landing: string;
  readonly files: readonly FileResult[];
  readonly filesLoaded: number;
  readonly filesSkipped: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  /** The first rejects (all of them are in the rejects files). */
  readonly rejects: readonly Reject[];
  /** Per stream, the newest event time loaded by this run. */
  readonly newestEventAt: Readonly<Record<string, string>>;
  /** Why a table stays empty although files of its feeds are recorded as loaded, with the fix. */
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

export type LoadProgress =
  | { readonly kind: 'file'; readonly path: string; readonly index: number; readonly total: number }
  | { readonly kind: 'in-transaction'; readonly path: string; readonly rows: number };

export interface LoadOptions {
  readonly landing: string;
  readonly onProgress?: (p: LoadProgress) => void;
  /**
   * Test hook (crash tests): sleep this long inside a file's transaction, after its rows are written; only in
   * files whose path contains `pauseInFile` when given.
   */
  readonly pauseInTransactionMs?: number;
  readonly pauseInFile?: string;
}

const EXTENSIONS = /\.(ndjson|jsonl|csv)$/;
const MAX_REPORTED_REJECTS = 100;
const CHANGED_AT: ManifestColumn = { name: 'changed_at', type: 'TIMESTAMP', nullable: true };

/**
 * The feeds to load first inside a folder: the project's dimensions (manifest nodes of role dimension),
 * so that the events of a batch find the master data that came with them.
 */
export function dimensionFeeds(manifest: Manifest): Set<string> {
  return new Set(manifest.nodes.filter((n) => n.role === 'dimension').map((n) => n.name));
}

/** CDC files under `landing` in load order: by folder (time), then dimensions (`first`) before streams inside one folder. */
export function listLandingFiles(landing: string, first: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      // Hidden entries are batches still being written; `_rejects` and other `_` folders are ours.
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && EXTENSIONS.test(e.name)) out.push(relative(landing, p).split(sep).join('/'));
    }
  };
  if (!existsSync(landing)) throw new LoadError(`landing directory ${landing} does not exist`, { hint: 'pass --landing DIR, or create sample files with `mvkit generate`' });
  walk(landing);
  const rank = (p: string) => (first.has(feedOfFile(p)) ? 0 : 1);
  const dirOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('/')));
  return out.sort((a, b) => (dirOf(a) < dirOf(b) ? -1 : dirOf(a) > dirOf(b) ? 1 : rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)));
}

export function rejectsPathFor(landing: string, path: string): string {
  return join(landing, '_rejects', `${path.replace(/\//g, '__')}.rejects.ndjson`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const toIso = (ts: string) => `${ts.replace(' ', 'T').slice(0, 23)}Z`;

interface Prepared {
  readonly rows: (string | null)[][];
  readonly deletes: (string | null)[][];
  readonly rejects: Reject[];
  readonly newest?: string;
}

/** Parses and checks every line; what the database would refuse is rejected here, so a file's transaction does not fail on one row. */
function prepare(path: string, text: string, route: FeedRoute): Prepared {
  const csv = path.endsWith('.csv');
  let parsed: ParsedLine[];
  if (csv) {
    const r = parseCsv(text);
    if (r.headerError) return { rows: [], deletes: [], rejects: [{ file: path, line: 1, error: r.headerError, raw: text.split('\n')[0] ?? '' }] };
    parsed = r.rows;
  } else {
    parsed = parseNdjson(text);
  }
  const rejects: Reject[] = [];
  const columns = route.kind === 'dimension' ? orderKeyFirst(route.columns, route.key) : route.columns;
  const byKey = new Map<string, { del: boolean; values: (string | null)[] }>();
  const rows: (string | null)[][] = [];
  let newest: string | undefined;
  const timeIndex = route.kind === 'stream' ? columns.findIndex((c) => c.name === route.eventTime) : -1;
  for (const p of parsed) {
    if ('error' in p) { rejects.push({ file: path, line: p.line, error: p.error, raw: p.raw }); continue; }
    const rec = p.record;
    const op = typeof rec.op === 'string' ? rec.op.toLowerCase() : rec.op;
    let error: string | undefined;
    if (route.kind === 'stream' && op !== undefined && op !== null && op !== 'insert') error = `streams are append-only: op "${String(op)}" is not insert`;
    if (route.kind === 'dimension' && op !== 'insert' && op !== 'update' && op !== 'delete') error = `op must be insert, update or delete, got ${JSON.stringify(rec.op ?? null)}`;
    const isDelete = op === 'delete';
    const values: (string | null)[] = [];
    if (!error) {
      const checked = isDelete && route.kind === 'dimension' ? columns.slice(0, route.key.length) : columns;
      for (const c of checked) {
        const v = coerceValue(rec[c.name], c);
        if (!v.ok) { error = v.error; break; }
        values.push(v.value);
      }
      // A kept delete stamps the record's change time (the load's time when it has none).
      if (!error && isDelete && route.kind === 'dimension' && route.softDelete) {
        const v = coerceValue(rec.changed_at, CHANGED_AT);
        if (v.ok) values.push(v.value);
        else error = v.error;
      }
    }
    if (error) { rejects.push({ file: path, line: p.line, error, raw: p.raw }); continue; }
    if (route.kind === 'stream') {
      rows.push(values);
      const t = values[timeIndex];
      if (t && (!newest || t > newest)) newest = t;
    } else {
      // The file's net effect per key, in line order: the last op wins; updates carry the full row.
      const key = JSON.stringify(values.slice(0, route.key.length));
      byKey.delete(key);
      byKey.set(key, { del: isDelete, values });
    }
  }
  if (route.kind === 'stream') return { rows, deletes: [], rejects, newest };
  const upserts = [...byKey.values()].filter((v) => !v.del).map((v) => v.values);
  const deletes = [...byKey.values()].filter((v) => v.del).map((v) => v.values);
  return { rows: upserts, deletes, rejects };
}

function orderKeyFirst(columns: readonly ManifestColumn[], key: readonly string[]): ManifestColumn[] {
  return [...key.map((k) => columns.find((c) => c.name === k) as ManifestColumn), ...columns.filter((c) => !key.includes(c.name))];
}

async function writeRoute(tx: Db, route: FeedRoute, prep: Prepared): Promise<void> {
  if (route.kind === 'stream') {
    const d = route.discriminator;
    const cols: ManifestColumn[] = d ? [...route.columns, { name: d.column, type: 'VARCHAR', nullable: false }] : [...route.columns];
    await insertRows(tx, route.table, cols, d ? prep.rows.map((r) => [...r, d.value]) : prep.rows);
    return;
  }
  const cols = orderKeyFirst(route.columns, route.key);
  if (prep.deletes.length && route.softDelete) await markDeletedByKey(tx, route.table, cols.slice(0, route.key.length), route.softDelete, prep.deletes);
  else if (prep.deletes.length) await deleteByKey(tx, route.table, cols.slice(0, route.key.length), prep.deletes);
  if (prep.rows.length) await upsertByKey(tx, route.table, cols, route.key.length, prep.rows);
}

/** Tables left empty under their loaded-file records: `load` says so instead of skipping their files in silence. */
async function strandedWarnings(db: Db, routes: ReadonlyMap<string, FeedRoute>): Promise<string[]> {
  const byTable = new Map<string, string[]>();
  for (const r of routes.values()) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r.name]);
  const stranded = await strandedTables(db, [...byTable].map(([table, feeds]) => ({ table, feeds: feeds.sort() })));
  return stranded.map((s) => {
    const feeds = s.feeds.map((f) => `'${f}'`).join(', ');
    return `${s.table} has no rows, yet ${s.files} file(s) of its feed(s) ${s.feeds.join(', ')} are recorded as loaded (${s.rows} row(s)): ` +
      'the table was recreated or emptied after they loaded, so load skips them. ' +
      `To load them again: DELETE FROM mvkit.loaded_files WHERE feed IN (${feeds}); then run mvkit load.`;
  });
}

async function requireTables(db: Db, tables: readonly string[]): Promise<void> {
  // to_regclass follows the search path, as the INSERTs will.
  const rows = await db.query<{ name: string; found: boolean }>('SELECT t AS name, to_regclass(t) IS NOT NULL AS found FROM unnest($1::text[]) AS t', [tables]);
  const missing = rows.filter((r) => !r.found).map((r) => r.name);
  if (missing.length) throw new LoadError(`the target has no table ${missing.join(', ')} to load into`, { hint: 'deploy the project first: mvkit apply' });
}

/**
 * Loads every new CDC file under `landing`, exactly once: each file is one transaction that claims its path
 * in mvkit.loaded_files and writes its rows, so a crash loads none of it and a second run skips it.
 * A file is its path relative to `landing`: the same path with the same content is skipped, with other
 * content refused (files are immutable), and the same content under a new path is a new file that loads
 * (change data repeats itself: a dimension row may go A → B → A).
 */
export async function loadLanding(db: Db, manifest: Manifest, options: LoadOptions): Promise<LoadSummary> {
  const started = performance.now();
  const { landing } = options;
  const pause = options.pauseInTransactionMs ?? 0;
  const pauseIn = options.pauseInFile ?? '';
  const routes = feedRoutes(manifest);
  await ensureLoadedFiles(db);
  await requireTables(db, [...new Set([...routes.values()].map((r) => r.table))]);
  const paths = listLandingFiles(landing, dimensionFeeds(manifest));
  const files: FileResult[] = [];
  const rejects: Reject[] = [];
  const newestEventAt: Record<string, string> = {};
  let rowsRejected = 0;
  for (const [index, path] of paths.entries()) {
    options.onProgress?.({ kind: 'file', path, index, total: paths.length });
    const feed = feedOfFile(path);
    const route = routes.get(feed);
    if (!route) { files.push({ path, feed, status: 'unknown-feed', rows: 0, rejected: 0 }); continue; }
    const bytes = readFileSync(join(landing, path));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const same = await findLoaded(db, path);
    if (same && same.sha256 !== sha256) {
      throw new LoadError(`${path} changed after it was loaded (sha256 ${same.sha256.slice(0, 12)}… then, ${sha256.slice(0, 12)}… now)`, {
        hint: `CDC files are immutable: put new records in a new file. To reload this one on purpose: DELETE FROM mvkit.loaded_files WHERE path = '${path}' (its old rows stay loaded)`,
      });
    }
    if (same) { files.push({ path, feed, status: 'already-loaded', rows: 0, rejected: 0 }); continue; }
    const prep = prepare(path, bytes.toString('utf8'), route);
    const rejectsFile = rejectsPathFor(landing, path);
    const claimed = await db.transaction(async (tx) => {
      if (!(await claimFile(tx, path, sha256, feed, route.table))) return false;
      await writeRoute(tx, route, prep);
      await recordCounts(tx, path, prep.rows.length + prep.deletes.length, prep.rejects.length);
      if (pause > 0 && path.includes(pauseIn)) { options.onProgress?.({ kind: 'in-transaction', path, rows: prep.rows.length }); await sleep(pause); }
      // Written before the commit and overwritten on a retry: a crash cannot leave loaded rows without their rejects.
      if (prep.rejects.length) {
        mkdirSync(join(landing, '_rejects'), { recursive: true });
        writeFileSync(rejectsFile, prep.rejects.map((r) => JSON.stringify(r)).join('\n') + '\n');
      } else if (existsSync(rejectsFile)) {
        rmSync(rejectsFile);
      }
      return true;
    });
    if (!claimed) { files.push({ path, feed, status: 'already-loaded', rows: 0, rejected: 0 }); continue; }
    rowsRejected += prep.rejects.length;
    for (const r of prep.rejects) if (rejects.length < MAX_REPORTED_REJECTS) rejects.push(r);
    const newest = prep.newest ? toIso(prep.newest) : undefined;
    if (newest && (!newestEventAt[feed] || newest > newestEventAt[feed]!)) newestEventAt[feed] = newest;
    files.push({
      path, feed, status: 'loaded', rows: prep.rows.length + prep.deletes.length, rejected: prep.rejects.length,
      ...(prep.rejects.length ? { rejectsFile: relative(landing, rejectsFile).split(sep).join('/') } : {}),
      ...(newest ? { newestEventAt: newest } : {}),
    });
  }
  const loaded = files.filter((f) => f.status === 'loaded');
  return {
    landing, files, filesLoaded: loaded.length, filesSkipped: files.length - loaded.length,
    rowsLoaded: loaded.reduce((s, f) => s + f.rows, 0), rowsRejected, rejects, newestEventAt,
    warnings: await strandedWarnings(db, routes),
    durationMs: Math.round(performance.now() - started),
  };
}
