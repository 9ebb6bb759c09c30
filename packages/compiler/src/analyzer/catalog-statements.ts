import { sqlStatements } from './statements.ts';
import { identifierName, tokenize, type Token } from './tokenizer.ts';
import type { AnalyzeOptions, ExternalSource } from './types.ts';

/**
 * What the other statements given with the MVs say about the relations an MV reads: plain views,
 * late-binding views (WITH NO SCHEMA BINDING, https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_VIEW.html),
 * and external schemas by source (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_EXTERNAL_SCHEMA.html),
 * so that an MV over a view, or AUTO REFRESH over a federated or Spectrum schema, gets its verdict.
 */
export type StatementCatalog = Required<Pick<AnalyzeOptions, 'views' | 'lateBindingViews' | 'externalSchemas'>>;

const SOURCES: Record<string, ExternalSource> = { KINESIS: 'kinesis', KAFKA: 'kafka', MSK: 'kafka', POSTGRES: 'postgres', MYSQL: 'mysql', DATA: 'spectrum', HIVE: 'spectrum', REDSHIFT: 'datashare' };

export function emptyCatalog(): StatementCatalog {
  return { views: [], lateBindingViews: [], externalSchemas: {} };
}

/** Adds the views and external schemas that `sql` creates to `into`. Text that does not tokenize is left to the analyzer to report. */
export function readCatalog(sql: string, into: StatementCatalog = emptyCatalog()): StatementCatalog {
  let statements;
  try {
    statements = sqlStatements(sql);
  } catch {
    return into;
  }
  for (const s of statements) {
    if (s.kind !== 'other' || !s.summary.startsWith('CREATE')) continue;
    const tokens = tokenize(sql.slice(s.start, s.end)).filter((t) => t.text !== ';');
    const words = tokens.map((t) => t.keyword);
    let i = 1;
    if (words[i] === 'OR' && words[i + 1] === 'REPLACE') i += 2;
    if (words[i] === 'VIEW') {
      const name = qualifiedName(tokens, i + 1);
      if (!name) continue;
      // Late binding: WITH NO SCHEMA BINDING at the end of the statement.
      const late = words.slice(-4).join(' ') === 'WITH NO SCHEMA BINDING';
      (late ? into.lateBindingViews : into.views).push(name);
    } else if (words[i] === 'EXTERNAL' && words[i + 1] === 'SCHEMA') {
      let j = i + 2;
      if (words[j] === 'IF' && words[j + 1] === 'NOT' && words[j + 2] === 'EXISTS') j += 3;
      const name = qualifiedName(tokens, j);
      const from = words.indexOf('FROM', j);
      if (!name || from < 0) continue;
      into.externalSchemas[name] = SOURCES[words[from + 1] ?? ''] ?? 'other';
    }
  }
  return into;
}

function qualifiedName(tokens: readonly Token[], i: number): string | undefined {
  const parts: string[] = [];
  for (;;) {
    const t = tokens[i];
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted-ident')) break;
    parts.push(identifierName(t).toLowerCase());
    if (tokens[i + 1]?.text !== '.') break;
    i += 2;
  }
  return parts.length ? parts.join('.') : undefined;
}
