import { lineColumn } from './offset-map.ts';
import { SqlParseError } from './sql-parse-error.ts';

export type TokenKind = 'word' | 'quoted-ident' | 'temp-ident' | 'string' | 'number' | 'punct' | 'operator';

export interface Token {
  kind: TokenKind;
  /** Exact source text, quotes included. */
  text: string;
  /** Upper-cased text of an unquoted word, '' otherwise: keywords are compared on this. */
  keyword: string;
  start: number;
  end: number;
  /** Parenthesis depth; a '(' and its ')' sit at the depth outside them. */
  depth: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const SPACE = /\s/;

// The same tests on a UTF-16 code unit, without a regular expression for ASCII.
const isSpace = (c: number): boolean => (c < 128 ? c === 32 || (c >= 9 && c <= 13) : SPACE.test(String.fromCharCode(c)));
const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
/** WORD_START.test */
const isWordStart = (c: number): boolean => isLetter(c) || c === 95 || c >= 128;
/** WORD_PART.test */
const isWordPart = (c: number): boolean => isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c >= 128;
const OPERATOR = /[+\-*/<>=~!@#%^&|`?:]/;

/**
 * Splits Redshift SQL into tokens, skipping whitespace and comments. It knows only what the
 * front end needs to rewrite safely: where strings, quoted identifiers and comments begin and
 * end (so a keyword inside them is never touched), and parenthesis depth.
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  const fail = (message: string, at: number): never => {
    const { line, column } = lineColumn(sql, at);
    throw new SqlParseError(message, line, column);
  };
  const push = (kind: TokenKind, start: number, end: number): void => {
    const text = sql.slice(start, end);
    tokens.push({ kind, text, keyword: kind === 'word' ? text.toUpperCase() : '', start, end, depth });
  };

  while (i < sql.length) {
    const ch = sql[i]!;
    const code = sql.charCodeAt(i);
    const next = sql[i + 1];
    if (isSpace(code)) {
      i++;
    } else if (ch === '-' && next === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (ch === '/' && next === '*') {
      // Postgres block comments nest.
      const start = i;
      let nesting = 0;
      do {
        if (sql.startsWith('/*', i)) { nesting++; i += 2; }
        else if (sql.startsWith('*/', i)) { nesting--; i += 2; }
        else i++;
      } while (nesting > 0 && i < sql.length);
      if (nesting > 0) fail('unterminated /* comment', start);
    } else if (ch === "'") {
      // Redshift accepts both '' and \' inside a literal.
      const start = i++;
      for (;;) {
        if (i >= sql.length) fail('unterminated quoted string', start);
        if (sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      push('string', start, ++i);
    } else if (ch === '"') {
      const start = i++;
      for (;;) {
        if (i >= sql.length) fail('unterminated quoted identifier', start);
        if (sql[i] === '"' && sql[i + 1] === '"') i += 2;
        else if (sql[i] === '"') break;
        else i++;
      }
      push('quoted-ident', start, ++i);
    } else if (ch === '#' && next !== undefined && WORD_START.test(next) && isRelationPosition(tokens)) {
      // Redshift names temporary tables #name; Postgres would read '#' as an operator.
      const start = i++;
      while (i < sql.length && WORD_PART.test(sql[i]!)) i++;
      push('temp-ident', start, i);
    } else if (isWordStart(code)) {
      const start = i;
      while (i < sql.length && isWordPart(sql.charCodeAt(i))) i++;
      push('word', start, i);
    } else if (/[0-9]/.test(ch) || (ch === '.' && next !== undefined && /[0-9]/.test(next))) {
      const start = i;
      while (i < sql.length && /[0-9.]/.test(sql[i]!)) i++;
      if (/[eE]/.test(sql[i] ?? '') && /[-+0-9]/.test(sql[i + 1] ?? '')) {
        i += 2;
        while (i < sql.length && /[0-9]/.test(sql[i]!)) i++;
      }
      push('number', start, i);
    } else if (ch === '(') {
      push('punct', i, ++i);
      depth++;
    } else if (ch === ')') {
      depth = Math.max(0, depth - 1);
      push('punct', i, ++i);
    } else if (/[,;.[\]]/.test(ch)) {
      push('punct', i, ++i);
    } else if (OPERATOR.test(ch)) {
      const start = i;
      while (i < sql.length && OPERATOR.test(sql[i]!) && !sql.startsWith('--', i) && !sql.startsWith('/*', i)) i++;
      push('operator', start, i);
    } else {
      fail(`unexpected character ${JSON.stringify(ch)}`, i);
    }
  }
  return tokens;
}

function isRelationPosition(tokens: readonly Token[]): boolean {
  const prev = tokens[tokens.length - 1];
  return prev !== undefined && (prev.keyword === 'FROM' || prev.keyword === 'JOIN' || prev.text === ',');
}

/** Identifier text as Postgres folds it: unquoted words lower-cased, quoted ones verbatim. */
export function identifierName(token: Token): string {
  if (token.kind === 'quoted-ident') return token.text.slice(1, -1).replace(/""/g, '"');
  return token.text.toLowerCase();
}
