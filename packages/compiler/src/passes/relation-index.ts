/**
 * Names (MVs, views) indexed by the relation name the analyzer matches them on, so that each MV
 * is analyzed with only the names its DDL can mention: building the analyzer's tables from
 * every MV of the project for every MV made the eligibility pass grow with the square of the
 * project (8,000 MVs: 32 million entries built and scanned).
 */
export class RelationIndex<V> {
  private readonly buckets = new Map<string, string[]>();
  private readonly values = new Map<string, V>();

  /** Whether some key has this relation name. */
  hasName(name: string): boolean {
    return this.buckets.has(name);
  }

  set(key: string, value: V): void {
    if (!this.values.has(key)) {
      // As the analyzer reads a key: its last dotted part, lower-cased.
      const name = key.toLowerCase().split('.').pop()!;
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
