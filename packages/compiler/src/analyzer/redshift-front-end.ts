import { OffsetMap, lineColumn, type Edit } from './offset-map.ts';
import { SqlParseError } from './sql-parse-error.ts';
import { identifierName, tokenize, type Token } from './tokenizer.ts';
import type { MvHeader } from './types.ts';

/** Redshift-only syntax the front end saw, at its offset in the original text. */
export type RedshiftMark =
  | { kind: 'approximate'; at: number; functionAt: number }
  | { kind: 'qualify'; at: number }
  | { kind: 'minus'; at: number }
  | { kind: 'sysdate'; at: number }
  | { kind: 'date-part'; at: number; part: string }
  | { kind: 'temp-table'; at: number; name: string }
  | { kind: 'top'; at: number };

export interface HeaderClauseOffsets {
  autoRefresh?: number;
  sortkey?: number;
  /** IF NOT EXISTS and a column list: not in the CMV syntax, reported as reasons rather than parse errors. */
  ifNotExists?: number;
  columnList?: number;
  /** USING ICEBERG, and the clauses an Iceberg MV does not take (BACKUP, DISTSTYLE, DISTKEY, SORTKEY, AUTO REFRESH). */
  iceberg?: number;
  nonIceberg?: { clause: string; at: number }[];
}

export interface FrontEndResult {
  header: MvHeader;
  clauses: HeaderClauseOffsets;
  /** The query part, rewritten to Postgres, with its way back to the original text. */
  query: OffsetMap;
  marks: RedshiftMark[];
  /** Tokens of the whole original text: reasons are placed on keywords found here. */
  tokens: Token[];
}

/**
 * Reads the Redshift MV header itself and rewrites the few Redshift-only constructs of the
 * query into Postgres the real parser accepts, recording each one as a mark.
 */
export function readRedshift(sql: string): FrontEndResult {
  const tokens = tokenize(sql);
  const cursor = new Cursor(sql, tokens);
  const { header, clauses } = readHeader(cursor);
  if (cursor.done()) cursor.fail(header.name ? 'expected a query after AS' : 'empty SQL: expected CREATE MATERIALIZED VIEW ... AS SELECT ..., or a SELECT');
  const queryStart = cursor.index;
  const { edits, marks } = rewriteQuery(tokens, queryStart);
  const query = OffsetMap.rewrite(sql, tokens[queryStart]!.start, sql.length, edits);
  return { header, clauses, query, marks, tokens };
}

class Cursor {
  index = 0;
  constructor(
    readonly sql: string,
    readonly tokens: readonly Token[],
  ) {}
  done(): boolean {
    return this.index >= this.tokens.length;
  }
  peek(ahead = 0): Token | undefined {
    return this.tokens[this.index + ahead];
  }
  next(what: string): Token {
    const token = this.tokens[this.index];
    if (!token) this.fail(`expected ${what}, found the end of the text`);
    this.index++;
    return token!;
  }
  expectKeyword(keywords: readonly string[], context: string): Token {
    // The expectation is written only when it fails.
    const token = this.tokens[this.index] ?? this.next(keywords.join(' or '));
    this.index++;
    if (!keywords.includes(token.keyword)) {
      this.fail(`expected ${keywords.join(' or ')} ${context}, found ${token.text}`, token);
    }
    return token;
  }
  expectPunct(text: string, context: string): Token {
    const token = this.tokens[this.index] ?? this.next(`"${text}"`);
    this.index++;
    if (token.text !== text) this.fail(`expected "${text}" ${context}, found ${token.text}`, token);
    return token;
  }
  identifier(what: string): string {
    const token = this.next(what);
    if (token.kind !== 'word' && token.kind !== 'quoted-ident') this.fail(`expected ${what}, found ${token.text}`, token);
    return identifierName(token);
  }
  fail(message: string, at?: Token): never {
    const last = this.tokens[this.tokens.length - 1];
    const offset = at ? at.start : (last?.end ?? 0);
    const { line, column } = lineColumn(this.sql, offset);
    throw new SqlParseError(message, line, column);
  }
}

const HEADER_CLAUSES = 'BACKUP, DISTSTYLE, DISTKEY, SORTKEY, AUTO REFRESH, USING ICEBERG or AS';

/** Skips a parenthesized list (a column list, PARTITIONED BY, TABLE PROPERTIES), nested parentheses included. */
function skipParens(c: Cursor): void {
  const open = c.expectPunct('(', 'to open the list');
  for (;;) {
    const t = c.next('")"');
    if (t.text === ')' && t.depth === open.depth) return;
  }
}

function readHeader(c: Cursor): { header: MvHeader; clauses: HeaderClauseOffsets } {
  const header: MvHeader = {};
  const clauses: HeaderClauseOffsets = {};
  const first = c.peek();
  if (first?.keyword !== 'CREATE') return { header, clauses };
  c.next('CREATE');
  const second = c.peek();
  if (second?.keyword === 'OR') c.fail('Redshift has no CREATE OR REPLACE MATERIALIZED VIEW: drop the MV and create it', second);
  if (second?.keyword !== 'MATERIALIZED') {
    c.fail(`expected MATERIALIZED VIEW after CREATE, found ${second?.text ?? 'the end of the text'}: only materialized views are analyzed`, second);
  }
  c.next('MATERIALIZED');
  c.expectKeyword(['VIEW'], 'after CREATE MATERIALIZED');
  if (c.peek()?.keyword === 'IF') {
    clauses.ifNotExists = c.peek()!.start;
    c.next('IF');
    c.expectKeyword(['NOT'], 'after IF');
    c.expectKeyword(['EXISTS'], 'after IF NOT');
  }

  const parts = [c.identifier('the materialized view name')];
  while (c.peek()?.text === '.') {
    c.next('.');
    parts.push(c.identifier('a name after "."'));
  }
  header.name = parts.join('.');
  if (c.peek()?.text === '(') {
    clauses.columnList = c.peek()!.start;
    skipParens(c);
  }

  const seen = new Set<string>();
  for (;;) {
    const token = c.next(HEADER_CLAUSES);
    const clause = token.keyword === 'COMPOUND' ? 'SORTKEY' : token.keyword;
    if (clause === 'AS') return { header, clauses };
    if (seen.has(clause)) c.fail(`${clause === 'AUTO' ? 'AUTO REFRESH' : clause} is given twice`, token);
    seen.add(clause);
    if (clause !== 'USING' && ['BACKUP', 'DISTSTYLE', 'DISTKEY', 'SORTKEY', 'AUTO'].includes(clause)) {
      (clauses.nonIceberg ??= []).push({ clause: clause === 'AUTO' ? 'AUTO REFRESH' : token.keyword === 'COMPOUND' ? 'COMPOUND SORTKEY' : clause, at: token.start });
    }
    switch (clause) {
      // CREATE MATERIALIZED VIEW ... USING ICEBERG [LOCATION 's3://...'] [PARTITIONED BY (...)] [TABLE PROPERTIES (...)] [CMV]
      case 'USING':
        c.expectKeyword(['ICEBERG'], 'after USING');
        clauses.iceberg = token.start;
        header.iceberg = true;
        break;
      case 'LOCATION':
        if (c.next("an S3 location in quotes").kind !== 'string') c.fail('expected the LOCATION in quotes', c.tokens[c.index - 1]);
        break;
      case 'PARTITIONED':
        c.expectKeyword(['BY'], 'after PARTITIONED');
        skipParens(c);
        break;
      case 'TABLE':
        c.expectKeyword(['PROPERTIES'], 'after TABLE');
        skipParens(c);
        break;
      case 'BACKUP':
        header.backup = c.expectKeyword(['YES', 'NO'], 'after BACKUP').keyword === 'YES';
        break;
      case 'DISTSTYLE':
        header.diststyle = c.expectKeyword(['EVEN', 'ALL', 'KEY'], 'after DISTSTYLE').keyword;
        break;
      case 'DISTKEY':
        c.expectPunct('(', 'after DISTKEY');
        header.distkey = c.identifier('a DISTKEY column');
        c.expectPunct(')', 'after the DISTKEY column');
        break;
      case 'SORTKEY': {
        clauses.sortkey = token.start;
        if (token.keyword === 'COMPOUND') c.expectKeyword(['SORTKEY'], 'after COMPOUND');
        c.expectPunct('(', 'after SORTKEY');
        const columns = [c.identifier('a SORTKEY column')];
        while (c.peek()?.text === ',') {
          c.next(',');
          columns.push(c.identifier('a SORTKEY column'));
        }
        c.expectPunct(')', 'after the SORTKEY columns');
        header.sortkey = columns;
        break;
      }
      case 'AUTO':
        clauses.autoRefresh = token.start;
        c.expectKeyword(['REFRESH'], 'after AUTO');
        header.autoRefresh = c.expectKeyword(['YES', 'NO'], 'after AUTO REFRESH').keyword === 'YES';
        break;
      default:
        c.fail(`unexpected ${token.text} in the materialized view header: expected ${HEADER_CLAUSES}`, token);
    }
  }
}

const DATE_PART_FUNCTIONS = new Set(['DATE_PART', 'DATEPART', 'DATEADD', 'DATEDIFF']);
const SET_OPERAND_START = new Set(['SELECT', 'WITH']);

function rewriteQuery(tokens: readonly Token[], from: number): { edits: Edit[]; marks: RedshiftMark[] } {
  const edits: Edit[] = [];
  const marks: RedshiftMark[] = [];
  const at = (i: number): Token | undefined => (i >= from ? tokens[i] : undefined);

  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = at(i - 1);
    const next = at(i + 1);
    const afterDot = prev?.text === '.' || prev?.keyword === 'AS';

    if (t.kind === 'string' && t.text.includes('\\') && !(prev?.keyword === 'E' && prev.end === t.start)) {
      // Redshift reads backslash escapes in every literal; Postgres only in E'...'.
      edits.push({ start: t.start, end: t.start, text: 'E' });
    } else if (t.kind === 'temp-ident') {
      edits.push({ start: t.start, end: t.end, text: `"${t.text}"` });
      marks.push({ kind: 'temp-table', at: t.start, name: t.text.toLowerCase() });
    } else if (t.kind !== 'word' || afterDot) {
      continue;
    } else if (t.keyword === 'APPROXIMATE' && (next?.keyword === 'COUNT' || next?.keyword === 'PERCENTILE_DISC') && at(i + 2)?.text === '(') {
      edits.push({ start: t.start, end: next.start, text: '' });
      marks.push({ kind: 'approximate', at: t.start, functionAt: next.start });
    } else if (t.keyword === 'MINUS' && prev && startsSetOperand(tokens, i + 1)) {
      edits.push({ start: t.start, end: t.end, text: 'EXCEPT' });
      marks.push({ kind: 'minus', at: t.start });
    } else if (t.keyword === 'QUALIFY' && prev && next && ![',', ')', '.'].includes(next.text) && next.keyword !== 'FROM') {
      // Postgres has no QUALIFY; it sits where HAVING would end, so it parses as (more) HAVING.
      edits.push({ start: t.start, end: t.end, text: hasHavingBefore(tokens, i, from) ? 'AND' : 'HAVING' });
      marks.push({ kind: 'qualify', at: t.start });
    } else if (t.keyword === 'SYSDATE' && next?.text !== '(' && next?.text !== '.') {
      edits.push({ start: t.start, end: t.end, text: 'sysdate()' });
      marks.push({ kind: 'sysdate', at: t.start });
    } else if (t.keyword === 'TOP' && (prev?.keyword === 'SELECT' || prev?.keyword === 'DISTINCT' || prev?.keyword === 'ALL') && next?.kind === 'number') {
      edits.push({ start: t.start, end: next.end, text: '' });
      marks.push({ kind: 'top', at: t.start });
    } else if (DATE_PART_FUNCTIONS.has(t.keyword) && next?.text === '(') {
      const part = at(i + 2);
      if (part?.kind === 'word' && at(i + 3)?.text === ',') {
        edits.push({ start: part.start, end: part.end, text: `'${part.text.toLowerCase()}'` });
        marks.push({ kind: 'date-part', at: part.start, part: part.text.toLowerCase() });
      }
    }
  }
  return { edits, marks };
}

/** MINUS is a set operator only where a SELECT (possibly parenthesized) follows. */
function startsSetOperand(tokens: readonly Token[], i: number): boolean {
  while (tokens[i]?.text === '(') i++;
  return SET_OPERAND_START.has(tokens[i]?.keyword ?? '');
}

/** Whether the SELECT that QUALIFY at index i belongs to already has a HAVING clause. */
function hasHavingBefore(tokens: readonly Token[], i: number, from: number): boolean {
  const depth = tokens[i]!.depth;
  for (let j = i - 1; j >= from; j--) {
    const t = tokens[j]!;
    if (t.depth < depth) return false;
    if (t.depth > depth) continue;
    if (t.keyword === 'HAVING') return true;
    if (t.keyword === 'SELECT' || t.keyword === 'UNION' || t.keyword === 'INTERSECT' || t.keyword === 'EXCEPT' || t.keyword === 'MINUS') return false;
  }
  return false;
}
