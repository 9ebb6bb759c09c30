import type { RelationLookup, RelationName } from '../analyzer/index.ts';

/**
 * Names (MVs, views, tables) indexed by the relation name the analyzer matches them on. The
 * analyzer reads the known MVs and the views from here directly (get), and is given the column
 * types of only the names its DDL can mention (pick): building the analyzer's tables from every
 * MV of the project for every MV made the eligibility pass grow with the square of the project
 * (8,000 MVs: 32 million entries built and scanned), and building them per MV from the names
 * of its DDL cost as much as parsing a small MV.
 */
export class RelationIndex<V> implements RelationLookup<V> {
  private readonly buckets = new Map<string, string[]>();
  private readonly values = new Map<string, V>();

  /**
   * What a RelationTable of every entry (in the order they were set) resolves `rel` to: the
   * first entry of its name whose schema is the one written, else the first where either side
   * has no schema.
   */
  get(rel: RelationName): V | undefined {
    const bucket = this.buckets.get(rel.name);
    if (!bucket) return undefined;
    let loose: string | undefined;
    for (const key of bucket) {
      // As RelationTable reads a key: lower-cased, the part before the name is the schema ('' is none).
      const parts = key.toLowerCase().split('.');
      parts.pop();
      const schema = parts.pop() || undefined;
      if (schema === rel.schema) return this.values.get(key);
      if (loose === undefined && (!schema || !rel.schema)) loose = key;
    }
    return loose === undefined ? undefined : this.values.get(loose);
  }

  /** The value set for exactly this key. */
  at(key: string): V | undefined {
    return this.values.get(key);
  }

  /** Whether some key has this relation name. */
  hasName(name: string): boolean {
    return this.buckets.has(name);
  }

  set(key: string, value: V): void {
    if (!this.values.has(key)) {
      const name = relationNameOf(key);
      const bucket = this.buckets.get(name);
      if (bucket) bucket.push(key);
      else this.buckets.set(name, [key]);
    }
    this.values.set(key, value);
  }

  /**
   * The entries whose relation name is one of `words`, in the order they were set (the
   * analyzer prefers the first of two entries of the same name); all of them when `words` is
   * null.
   */
  pick(words: ReadonlySet<string> | null): [string, V][] {
    if (!words) return [...this.values];
    const out: [string, V][] = [];
    for (const w of words) for (const key of this.buckets.get(w) ?? []) out.push([key, this.values.get(key)!]);
    return out;
  }
}

/** A key's relation name, as the analyzer reads it: its last dotted part, lower-cased. */
export function relationNameOf(key: string): string {
  const lower = key.toLowerCase();
  return lower.slice(lower.lastIndexOf('.') + 1);
}

/** Postgres truncates longer identifiers; a name near the limit is matched against everything. */
const MAX_IDENT_BYTES = 63;

/**
 * Every relation name the SQL can mention, lower-cased as the analyzer compares them: each run
 * of characters between punctuation and each double-quoted identifier. A superset, never
 * less: null (match against every name) for Unicode-escaped identifiers and names Postgres
 * would truncate.
 */
export function mentionedNames(sql: string): Set<string> | null;
/** Only the names `keep` accepts (in the same order), the others still checked for the byte limit. */
export function mentionedNames(sql: string, keep: (name: string) => boolean): Set<string> | null;
export function mentionedNames(sql: string, keep?: (name: string) => boolean): Set<string> | null {
  const lower = sql.toLowerCase();
  if (lower.includes('u&')) return null;
  const words = new Set<string>();
  // A UTF-16 unit is at most 3 bytes of UTF-8: a shorter word cannot reach the limit.
  const add = (w: string): boolean => {
    if (w.length * 3 >= MAX_IDENT_BYTES && Buffer.byteLength(w, 'utf8') >= MAX_IDENT_BYTES) return false;
    if (!keep || keep(w)) words.add(w);
    return true;
  };
  if (lower.includes('"')) for (const m of lower.matchAll(/"((?:[^"]|"")*)"/g)) if (!add(m[1]!.replace(/""/g, '"'))) return null;
  for (const w of lower.match(/[^\s.,()[\];:=<>+\-*/%'"|&!~^@?{}`]+/g) ?? []) if (!add(w)) return null;
  return words;
}
