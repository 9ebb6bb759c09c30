import type { SelectStmt } from 'libpg-query';
import { hasSqlDetails, loadModule, parseSync } from './libpg-query.ts';
import { MvkitError } from '../errors.ts';
import { lineColumn, type OffsetMap } from './offset-map.ts';
import { SqlParseError } from './sql-parse-error.ts';
import type { Token } from './tokenizer.ts';

let loading: Promise<void> | undefined;
let loaded = false;

/** The parser is WebAssembly and loads asynchronously, once (compiled as libpg-query.ts says). */
export async function loadParser(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  await loading;
}

/**
 * Parses the rewritten query with the real Postgres grammar and returns its one SELECT. Its
 * `location`s are the parser's, UTF-8 byte offsets in the rewritten query: `query.byteToOriginal`
 * moves one to the original text where it is needed (moving every one of them, a walk over the
 * whole tree, cost as much as a tenth of the analysis).
 */
export function parseSelect(sql: string, query: OffsetMap, tokens: readonly Token[]): SelectStmt {
  if (!loaded) throw new MvkitError('the SQL parser is not loaded', { hint: 'await initAnalyzer() before analyzeMv()' });
  const failAt = (message: string, offset: number): never => {
    // A cursor at the end of the input is shown right after the last token, not after trailing comments.
    const last = tokens[tokens.length - 1];
    const at = last && offset > last.end ? last.end : offset;
    const { line, column } = lineColumn(sql, at);
    throw new SqlParseError(message, line, column);
  };

  let tree: { stmts?: { stmt?: Record<string, unknown>; stmt_location?: number }[] };
  try {
    tree = parseSync(query.text);
  } catch (error) {
    if (!hasSqlDetails(error)) throw error;
    return failAt(error.message, query.codePointToOriginal(error.sqlDetails.cursorPosition));
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length === 0) return failAt('expected a SELECT query', query.toOriginal(0));
  if (stmts.length > 1) {
    const second = query.byteToOriginal(stmts[1]!.stmt_location ?? 0);
    const token = tokens.find((t) => t.start >= second);
    return failAt('expected a single query, found a second statement', token?.start ?? second);
  }
  const [kind, stmt] = Object.entries(stmts[0]!.stmt ?? {})[0] ?? [];
  if (kind !== 'SelectStmt') {
    return failAt(`expected a SELECT query, found ${kind ?? 'nothing'}`, query.toOriginal(0));
  }
  return stmt as SelectStmt;
}
