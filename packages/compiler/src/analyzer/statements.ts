import { tokenize, type Token } from './tokenizer.ts';

/**
 * One statement of a SQL file. `mv` is a CREATE MATERIALIZED VIEW, `query` anything the
 * analyzer should read (a bare query, or a CREATE it does not know, so that a misspelt
 * MATERIALIZED still fails as a syntax error), `other` a statement that is not an MV at all.
 */
export interface SqlStatement {
  kind: 'mv' | 'query' | 'other';
  /** Offsets in the file, the closing ';' included. */
  start: number;
  end: number;
  /** e.g. "CREATE TABLE message_events", "REFRESH MATERIALIZED VIEW messages": what was skipped. */
  summary: string;
}

// What a compile output (and a hand-written deploy script) holds besides MVs.
const OTHER_STATEMENTS = new Set([
  'REFRESH', 'DROP', 'ALTER', 'INSERT', 'UPDATE', 'DELETE', 'GRANT', 'REVOKE', 'COMMENT', 'SET', 'RESET',
  'BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'TRUNCATE', 'COPY', 'UNLOAD', 'CALL', 'ANALYZE', 'VACUUM', 'MERGE',
]);
const CREATE_MODIFIERS = new Set(['OR', 'REPLACE', 'TEMP', 'TEMPORARY', 'LOCAL', 'EXTERNAL', 'UNIQUE']);
const CREATE_OTHER = new Set(['TABLE', 'VIEW', 'SCHEMA', 'FUNCTION', 'PROCEDURE', 'INDEX', 'USER', 'GROUP', 'DATABASE', 'DATASHARE']);

/**
 * Splits SQL text at top-level semicolons and sorts each statement by its leading keywords.
 * Throws SqlParseError for text the tokenizer cannot read (an unterminated string or comment).
 */
export function sqlStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let current: Token[] = [];
  const close = (end: number): void => {
    if (current.length > 0) statements.push(classify(current, end));
    current = [];
  };
  for (const token of tokenize(sql)) {
    if (token.text === ';' && token.depth === 0) close(token.end);
    else current.push(token);
  }
  close(sql.length);
  return statements;
}

function classify(tokens: readonly Token[], end: number): SqlStatement {
  const start = tokens[0]!.start;
  const words = tokens.slice(0, 6).map((t) => t.keyword);
  if (words[0] === 'CREATE') {
    let i = 1;
    while (CREATE_MODIFIERS.has(words[i] ?? '')) i++;
    if (words[i] === 'MATERIALIZED') return { kind: 'mv', start, end, summary: 'CREATE MATERIALIZED VIEW' };
    const object = words[i] ?? '';
    if (CREATE_OTHER.has(object)) {
      const name = tokens[i + 1]?.kind === 'word' || tokens[i + 1]?.kind === 'quoted-ident' ? ` ${tokens[i + 1]!.text}` : '';
      return { kind: 'other', start, end, summary: `CREATE ${object}${name}` };
    }
    return { kind: 'query', start, end, summary: 'CREATE' };
  }
  if (OTHER_STATEMENTS.has(words[0] ?? '')) {
    return { kind: 'other', start, end, summary: tokens.slice(0, 4).map((t, i) => (i < 3 && t.keyword) || t.text).join(' ') };
  }
  return { kind: 'query', start, end, summary: 'query' };
}

/** The file's text with everything outside one statement blanked, so lines and columns stay the file's. */
export function statementText(sql: string, statement: SqlStatement): string {
  const blank = (text: string): string => text.replace(/[^\n]/g, ' ');
  return blank(sql.slice(0, statement.start)) + sql.slice(statement.start, statement.end) + blank(sql.slice(statement.end));
}
