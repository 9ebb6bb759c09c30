/** A relation as written in FROM/JOIN, lower-cased. */
export class RelationName {
  readonly catalog?: string;
  readonly schema?: string;
  readonly name: string;
  /** catalog.schema.name, as far as written. */
  readonly written: string;
  constructor(catalog: string | undefined, schema: string | undefined, name: string) {
    if (catalog) this.catalog = catalog.toLowerCase();
    if (schema) this.schema = schema.toLowerCase();
    this.name = name.toLowerCase();
    this.written = [this.catalog, this.schema, this.name].filter(Boolean).join('.');
  }
}

/** A table of names as the checker reads it: the value a relation, as written, resolves to. */
export interface RelationLookup<V> {
  get(rel: RelationName): V | undefined;
}

/**
 * Names the caller knows (MVs, views, temporary tables). Without the search_path a name can
 * only be matched as written: qualified names must agree on the schema, and an unqualified
 * name on either side matches on the relation name alone.
 */
export class RelationTable<V> implements RelationLookup<V> {
  private readonly entries: { schema?: string; name: string; value: V }[] = [];
  constructor(entries: Iterable<readonly [string, V]>) {
    for (const [key, value] of entries) {
      const parts = key.toLowerCase().split('.');
      const name = parts.pop()!;
      const schema = parts.pop();
      this.entries.push({ ...(schema ? { schema } : {}), name, value });
    }
  }
  get(rel: RelationName): V | undefined {
    const candidates = this.entries.filter((e) => e.name === rel.name);
    const exact = candidates.find((e) => e.schema === rel.schema);
    if (exact) return exact.value;
    return candidates.find((e) => !e.schema || !rel.schema)?.value;
  }
}
