import type { Manifest, ManifestColumn } from '../manifest.ts';
import { servedNodes, SERVING_SCHEMA } from './serving-ddl.ts';

export interface KyselyTypesOptions {
  /**
   * The TypeScript type of BIGINT columns (counts and sums). node-postgres returns int8 as a
   * string unless the application installs a parser (`pg.types.setTypeParser(20, Number)`);
   * `number` (the default) assumes it does, `string` does not.
   */
  readonly bigint?: 'number' | 'string';
}

/** The TypeScript type a Postgres driver returns for a column of the served tables. */
function tsType(c: ManifestColumn, options: KyselyTypesOptions): string {
  const base = c.type.toUpperCase().replace(/\(.*$/, '').trim();
  let t: string;
  if (/^(VARCHAR|CHAR|CHARACTER|TEXT|CHARACTER VARYING)$/.test(base)) t = 'string';
  else if (base === 'BIGINT') t = options.bigint ?? 'number';
  // Exact decimals come back as strings: a JavaScript number would round them.
  else if (base === 'NUMERIC' || base === 'DECIMAL') t = 'string';
  else if (/^(SMALLINT|INTEGER|INT|REAL|DOUBLE PRECISION|FLOAT)$/.test(base)) t = 'number';
  else if (base === 'BOOLEAN') t = 'boolean';
  else if (base === 'TIMESTAMP' || base === 'TIMESTAMPTZ' || base === 'DATE') t = 'Date';
  else t = 'unknown';
  return c.nullable ? `${t} | null` : t;
}

const pascal = (name: string) => name.split('_').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');

/**
 * A kysely `Database` interface for the served relations of the operational database: one row
 * interface per served model, keyed `'mvkit_serving.<model>'` as kysely names a table in a
 * schema. Application code written with `Kysely<Database>` is type-checked against the models.
 */
export function emitKyselyTypes(manifest: Manifest, options: KyselyTypesOptions = {}): string {
  const served = servedNodes(manifest);
  const lines = [
    `// The served relations of ${manifest.project}, as the operational database holds them (schema ${SERVING_SCHEMA}).`,
    '// Written by `mvkit sync --emit-types`; regenerate it after changing a served model rather than editing it.',
    options.bigint === 'string'
      ? '// BIGINT columns are strings, as node-postgres returns int8 by default.'
      : '// BIGINT columns are numbers: install the int8 parser, pg.types.setTypeParser(20, Number), or emit with --bigint string.',
    '',
  ];
  for (const { node } of served) {
    lines.push(`/** ${node.model}, declared at ${node.file}:${node.line}. Unique on (${node.served!.key.join(', ')}). */`, `export interface ${pascal(node.name)} {`);
    for (const c of node.columns) lines.push(`  ${c.name}: ${tsType(c, options)};`);
    lines.push('}', '');
  }
  lines.push('export interface Database {');
  for (const { node } of served) lines.push(`  '${SERVING_SCHEMA}.${node.name}': ${pascal(node.name)};`);
  lines.push('}', '');
  return lines.join('\n');
}
