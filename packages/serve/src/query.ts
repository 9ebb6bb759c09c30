import { BadRequestError } from './errors.ts';
import { isMeasure, quoteIdent, type ServedView } from './views.ts';

/** A validated request for one page of a view's rows. */
export interface PageRequest {
  readonly from: string | null;
  /** Inclusive; a date without a time covers its whole day. */
  readonly to: { readonly value: string; readonly wholeDay: boolean } | null;
  readonly channel: string | null;
  readonly campaign: string | null;
  readonly limit: number;
  /** The pagination key of the last row of the previous page, and how many rows with exactly that key were returned so far. */
  readonly cursor: { readonly key: readonly string[]; readonly seen: number } | null;
}

export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 100;
const PARAMS = ['from', 'to', 'channel', 'campaign', 'limit', 'cursor'] as const;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

function date(name: string, text: string): { value: string; wholeDay: boolean } {
  const m = DATE.exec(text);
  const d = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0))) : null;
  // The round trip catches 2026-02-30 and 25:00, which Date would silently roll over.
  const ok = d && m && d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]! && d.getUTCHours() === +(m[4] ?? 0) && d.getUTCMinutes() === +(m[5] ?? 0);
  if (!ok) throw new BadRequestError(`${name}=${JSON.stringify(text)} is not a date`, { hint: `use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], e.g. ${name}=2026-11-26` });
  return { value: d.toISOString().slice(0, 19).replace('T', ' '), wholeDay: m[4] === undefined };
}

export function encodeCursor(key: readonly string[], seen: number): string {
  return Buffer.from(JSON.stringify([...key, seen])).toString('base64url');
}

function decodeCursor(text: string, view: ServedView): { key: string[]; seen: number } {
  const bad = () => new BadRequestError(`cursor is not one this API returned for ${view.name}`, { hint: 'pass the next_cursor of the previous page unchanged, or leave cursor out for the first page' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== view.key.length + 1) throw bad();
  const seen = parsed.at(-1);
  const key = parsed.slice(0, -1);
  if (!Number.isInteger(seen) || seen < 1 || seen > 1_000_000 || !key.every((k) => typeof k === 'string' && k.length <= 256)) throw bad();
  return { key: key as string[], seen: seen as number };
}

/** Checks the query string of a request to `view`: unknown parameters, filters the view does not have and malformed values are 400s. */
export function parsePageRequest(view: ServedView, query: Readonly<Record<string, unknown>>): PageRequest {
  for (const [name, value] of Object.entries(query)) {
    if (!(PARAMS as readonly string[]).includes(name)) {
      const hint = name === 'tenant' || name === 'tenant_id' ? 'the tenant comes from the bearer token, never from the query' : `the parameters are ${PARAMS.join(', ')}`;
      throw new BadRequestError(`unknown parameter "${name}"`, { hint });
    }
    if (typeof value !== 'string') throw new BadRequestError(`parameter "${name}" is given more than once`, { hint: 'give each parameter at most once' });
  }
  const q = query as Readonly<Record<string, string | undefined>>;
  if ((q.from !== undefined || q.to !== undefined) && !view.time) throw new BadRequestError(`${view.name} has no time column to filter with from/to`, { hint: 'leave from and to out for this view' });
  const id = (name: 'channel' | 'campaign'): string | null => {
    const v = q[name];
    if (v === undefined) return null;
    if (!view.filters[name]) throw new BadRequestError(`${view.name} has no ${name} column to filter on`, { hint: `filters of ${view.name}: ${['from', 'to', ...Object.keys(view.filters)].join(', ')}` });
    if (!ID.test(v)) throw new BadRequestError(`${name}=${JSON.stringify(v)} is not an id`, { hint: `an id is 1 to 64 letters, digits, _ . : or -, e.g. ${name}=${name === 'channel' ? 'sms' : 'cmp_0001'}` });
    return v;
  };
  let limit = DEFAULT_LIMIT;
  if (q.limit !== undefined) {
    limit = /^\d{1,7}$/.test(q.limit) ? Number(q.limit) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) throw new BadRequestError(`limit=${JSON.stringify(q.limit)} is not a whole number from 1 to ${MAX_LIMIT}`, { hint: `e.g. limit=${DEFAULT_LIMIT}` });
  }
  const from = q.from === undefined ? null : date('from', q.from).value;
  const to = q.to === undefined ? null : date('to', q.to);
  if (from && to && from > to.value) throw new BadRequestError(`from (${q.from}) is after to (${q.to})`, { hint: 'swap them: from is the first day, to the last' });
  return { from, to, channel: id('channel'), campaign: id('campaign'), limit, cursor: q.cursor === undefined ? null : decodeCursor(q.cursor, view) };
}

/** A key column as the order compares it: NULL sorts as the lowest value, tied with it (the cursor counts ties). */
function keyExpr(view: ServedView, name: string): { expr: string; cast: string } {
  const col = view.columns.find((c) => c.name === name)!;
  const t = col.type.toUpperCase();
  const cast = t.startsWith('TIMESTAMP') ? 'timestamp' : t.startsWith('DATE') ? 'date' : 'text';
  const low = cast === 'text' ? `''` : `'-infinity'::${cast}`;
  const q = quoteIdent(name);
  return { expr: cast === 'text' ? `COALESCE(${q}::text, ${low})` : `COALESCE(${q}, ${low})`, cast };
}

/** The SQL of one page (at most limit + seen rows; the caller drops the `seen` rows the previous pages returned) and its parameters. */
export function pageSql(view: ServedView, tenant: string, r: PageRequest): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  // Also on a database whose row-level security filters by tenant: PGlite does not enforce it.
  const where = view.tenant ? [`${quoteIdent(view.tenant)} = ${p(tenant)}`] : ['true'];
  if (view.time && r.from) where.push(`${quoteIdent(view.time)} >= ${p(r.from)}::timestamp`);
  if (view.time && r.to) where.push(r.to.wholeDay ? `${quoteIdent(view.time)} < ${p(r.to.value)}::timestamp + interval '1 day'` : `${quoteIdent(view.time)} <= ${p(r.to.value)}::timestamp`);
  if (r.channel && view.filters.channel) where.push(`${quoteIdent(view.filters.channel)} = ${p(r.channel)}`);
  if (r.campaign && view.filters.campaign) where.push(`${quoteIdent(view.filters.campaign)} = ${p(r.campaign)}`);
  const keys = view.key.map((k) => keyExpr(view, k));
  if (r.cursor && keys.length) where.push(`(${keys.map((k) => k.expr).join(', ')}) >= (${r.cursor.key.map((v, i) => `${p(v)}::${keys[i]!.cast}`).join(', ')})`);
  const select = view.columns.map((c) => {
    const q = quoteIdent(c.name);
    const t = c.type.toUpperCase();
    if (t.startsWith('TIMESTAMP') || t.startsWith('DATE')) return `to_char(${q}, 'YYYY-MM-DD"T"HH24:MI:SS') AS ${q}`;
    if (isMeasure(c) && !t.startsWith('BOOLEAN')) return `${q}::float8 AS ${q}`;
    return q;
  });
  // The key as text, for the next cursor; the remaining columns make the order of tied rows deterministic.
  const keyCols = keys.map((k, i) => `(${k.expr})::text AS "__k${i}"`);
  const order = [...keys.map((k) => k.expr), ...view.columns.filter((c) => !view.key.includes(c.name) && c.name !== view.tenant).map((c) => `${quoteIdent(c.name)} NULLS FIRST`)];
  const sql = `SELECT ${[...select, ...keyCols].join(', ')} FROM ${view.relation} WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ${r.limit + (r.cursor?.seen ?? 0)}`;
  return { sql, params };
}

export interface Page {
  readonly rows: Record<string, unknown>[];
  readonly next_cursor: string | null;
}

/** Drops the rows earlier pages returned, strips the key columns and computes the next cursor. */
export function toPage(view: ServedView, r: PageRequest, raw: readonly Record<string, unknown>[]): Page {
  const keyOf = (row: Record<string, unknown>) => view.key.map((_, i) => String(row[`__k${i}`]));
  const same = (a: readonly string[], b: readonly string[]) => a.every((v, i) => v === b[i]);
  const skip = r.cursor ? r.cursor.seen : 0;
  const kept = raw.slice(skip);
  const rows = kept.map((row) => Object.fromEntries(view.columns.map((c) => [c.name, row[c.name] ?? null])));
  if (kept.length < r.limit || !kept.length) return { rows, next_cursor: null };
  const last = keyOf(kept.at(-1)!);
  let seen = kept.filter((row) => same(keyOf(row), last)).length;
  if (r.cursor && same(r.cursor.key, last)) seen += r.cursor.seen;
  return { rows, next_cursor: encodeCursor(last, seen) };
}
