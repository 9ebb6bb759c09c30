import type {
  CommonTableExpr,
  FuncCall,
  JoinExpr,
  RangeSubselect,
  RangeVar,
  SelectStmt,
  SQLValueFunction,
  SubLink,
} from 'libpg-query';
import { collectCteNames, firstTokenAtOrAfter, functionName, hasAggregate, isRecord, minLocation } from './parse-tree.ts';
import { LEADER_NODE_FUNCTIONS, MUTABLE_FUNCTIONS, MUTABLE_VALUE_FUNCTIONS, NON_INCREMENTAL_AGGREGATES, SYSTEM_PREFIX, SYSTEM_SCHEMAS } from './redshift-catalog.ts';
import type { HeaderClauseOffsets, RedshiftMark } from './redshift-front-end.ts';
import type { FoundReason, ReasonCode } from './reasons.ts';
import { RelationName, RelationTable } from './relation-name.ts';
import type { Token } from './tokenizer.ts';
import type { AnalyzeOptions, MvHeader, Verdict } from './types.ts';

export interface CheckInput {
  tokens: readonly Token[];
  /** Offset in the original text where the query (after the header) starts. */
  queryStart: number;
  marks: readonly RedshiftMark[];
  header: MvHeader;
  clauses: HeaderClauseOffsets;
  options: AnalyzeOptions;
}

export interface CheckResult {
  found: FoundReason[];
  relations: string[];
}

const SET_OPERATORS = new Set(['UNION', 'INTERSECT', 'EXCEPT', 'MINUS']);

interface Scope {
  /** 0 at the MV's own query and the branches of its top-level set operations. */
  subqueryDepth: number;
}

type Handler<T> = (node: T, scope: Scope) => void;

export function checkQuery(stmt: SelectStmt, input: CheckInput): CheckResult {
  return new QueryChecker(input).run(stmt);
}

class QueryChecker {
  private readonly found: FoundReason[] = [];
  /** Relation → offset of its first mention: the tree is not walked in text order. */
  private readonly relations = new Map<string, number>();
  private readonly cteNames = new Set<string>();
  private readonly mutable: string[] = [];
  private readonly mvInputs = new Set<string>();
  private readonly knownMvs: RelationTable<Verdict>;
  private readonly views: RelationTable<true>;
  private readonly temporary: RelationTable<true>;
  private readonly approximateAt = new Map<number, number>();
  private rootHasAggregate = false;

  /** One handler per node kind that matters; every other node is walked through. */
  private readonly handlers: {
    SelectStmt: Handler<SelectStmt>;
    JoinExpr: Handler<JoinExpr>;
    RangeVar: Handler<RangeVar>;
    RangeSubselect: Handler<RangeSubselect>;
    SubLink: Handler<SubLink>;
    CommonTableExpr: Handler<CommonTableExpr>;
    FuncCall: Handler<FuncCall>;
    SQLValueFunction: Handler<SQLValueFunction>;
  } = {
    SelectStmt: (n, s) => this.selectStmt(n, s),
    JoinExpr: (n, s) => this.joinExpr(n, s),
    RangeVar: (n) => this.rangeVar(n),
    RangeSubselect: (n, s) => this.rangeSubselect(n, s),
    SubLink: (n, s) => this.subLink(n, s),
    CommonTableExpr: (n, s) => this.commonTableExpr(n, s),
    FuncCall: (n, s) => this.funcCall(n, s),
    SQLValueFunction: (n) => this.sqlValueFunction(n),
  };

  constructor(private readonly input: CheckInput) {
    const { knownMvs = {}, views = [], temporaryTables = [] } = input.options;
    this.knownMvs = new RelationTable(Object.entries(knownMvs));
    this.views = new RelationTable(views.map((v) => [v, true as const]));
    this.temporary = new RelationTable(temporaryTables.map((t) => [t, true as const]));
    for (const mark of input.marks) if (mark.kind === 'approximate') this.approximateAt.set(mark.functionAt, mark.at);
  }

  run(stmt: SelectStmt): CheckResult {
    collectCteNames(stmt, this.cteNames);
    this.rootHasAggregate = hasAggregate(stmt);
    this.selectStmt(stmt, { subqueryDepth: 0 });
    this.redshiftMarks();
    this.autoRefresh();
    const relations = [...this.relations].sort((a, b) => a[1] - b[1]).map(([name]) => name);
    return { found: dedupe(this.found), relations };
  }

  private add(code: ReasonCode, offset: number, message: string, hint?: string): void {
    this.found.push({ code, offset, message, ...(hint ? { hint } : {}) });
  }

  private visit(value: unknown, scope: Scope): void {
    if (Array.isArray(value)) {
      for (const item of value) this.visit(item, scope);
      return;
    }
    if (!isRecord(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const handler = (this.handlers as Record<string, Handler<unknown> | undefined>)[key];
      if (handler && isRecord(child)) handler(child, scope);
      else this.visit(child, scope);
    }
  }

  private selectStmt(stmt: SelectStmt, scope: Scope): void {
    if (stmt.op && stmt.op !== 'SETOP_NONE') this.setOperation(stmt, scope);
    if (stmt.distinctClause) {
      const at = this.keywordBefore(minLocation(stmt.targetList) ?? minLocation(stmt), ['DISTINCT'], ['SELECT']);
      this.add('select-distinct', at, 'SELECT DISTINCT makes Redshift recompute the whole MV on every refresh');
    }
    if (stmt.sortClause?.length) {
      const at = this.keywordBefore(minLocation(stmt.sortClause), ['ORDER']);
      this.add('order-by', at, 'ORDER BY is not allowed in a materialized view: CREATE MATERIALIZED VIEW fails');
    }
    if (stmt.limitCount) {
      const at = this.keywordBefore(minLocation(stmt.limitCount) ?? minLocation(stmt), ['LIMIT', 'FETCH']);
      const keyword = this.tokenAt(at)?.keyword === 'FETCH' ? 'FETCH FIRST' : 'LIMIT';
      this.add('limit', at, `${keyword} is not allowed in a materialized view: CREATE MATERIALIZED VIEW fails`);
    }
    if (stmt.limitOffset) {
      const at = this.keywordBefore(minLocation(stmt.limitOffset) ?? minLocation(stmt), ['OFFSET']);
      this.add('offset', at, 'OFFSET is not allowed in a materialized view: CREATE MATERIALIZED VIEW fails');
    }
    for (const [key, child] of Object.entries(stmt)) {
      if (key !== 'larg' && key !== 'rarg') this.visit(child, scope);
    }
  }

  private setOperation(stmt: SelectStmt, scope: Scope): void {
    const at = this.keywordBefore(minLocation(stmt.rarg) ?? minLocation(stmt), [...SET_OPERATORS]);
    const written = this.tokenAt(at)?.keyword ?? stmt.op!.replace('SETOP_', '');
    if (stmt.op === 'SETOP_UNION' && stmt.all) {
      if (scope.subqueryDepth > 0) {
        this.add('union-all-in-subquery', at, 'UNION ALL inside a subquery makes Redshift recompute the whole MV on every refresh');
      } else {
        if (this.rootHasAggregate) {
          this.add('union-all-with-aggregate', at, 'UNION ALL in a query with aggregates or GROUP BY makes Redshift recompute the whole MV on every refresh');
        }
        if (this.input.header.sortkey) {
          this.add('union-all-with-sortkey', at, 'UNION ALL in an MV with a SORTKEY makes Redshift recompute the whole MV on every refresh');
        }
      }
    } else {
      this.add('set-operation', at, `${written} makes Redshift recompute the whole MV on every refresh: only a top-level UNION ALL is incremental`);
    }
    // Branches of a set operation are part of the same query, not subqueries.
    if (stmt.larg) this.selectStmt(stmt.larg, scope);
    if (stmt.rarg) this.selectStmt(stmt.rarg, scope);
  }

  private joinExpr(join: JoinExpr, scope: Scope): void {
    const kind = { JOIN_LEFT: 'LEFT', JOIN_RIGHT: 'RIGHT', JOIN_FULL: 'FULL' }[join.jointype as string];
    if (kind) {
      const joinAt = this.keywordBefore(minLocation(join.rarg) ?? minLocation(join), ['JOIN']);
      const at = this.keywordBefore(joinAt, ['LEFT', 'RIGHT', 'FULL'], ['JOIN', 'ON', 'USING', ',']);
      this.add('outer-join', at, `${kind} JOIN makes Redshift recompute the whole MV on every refresh: outer joins are not maintained incrementally`);
    }
    this.visit(join, scope);
  }

  private rangeVar(rv: RangeVar): void {
    const rel = new RelationName(rv.catalogname, rv.schemaname, rv.relname ?? '');
    const at = rv.location ?? this.input.queryStart;
    if (!rel.schema && this.cteNames.has(rel.name)) return;
    this.relations.set(rel.written, Math.min(at, this.relations.get(rel.written) ?? at));

    const known = this.knownMvs.get(rel);
    if (known) this.mvInputs.add(rel.written);
    if (known === 'full') {
      this.add('chain-on-full-mv', at, `${rel.written} is an MV that Redshift recomputes fully: an MV built on it is recomputed fully too`, `make ${rel.written} incremental first (mvkit analyze shows why it is not); every link of a chain must refresh incrementally`);
    } else if (known === 'invalid') {
      this.add('chain-on-invalid-mv', at, `${rel.written} is an MV that cannot be created, so this one cannot be either`);
    }
    if (rel.catalog) {
      this.add('cross-database-table', at, `${rel.written} is in another database (${rel.catalog}): Redshift recomputes the whole MV on every refresh`);
    }
    const systemSchema = rel.schema !== undefined && SYSTEM_SCHEMAS.has(rel.schema);
    if (systemSchema || ((!rel.schema || rel.schema === 'pg_catalog') && SYSTEM_PREFIX.test(rel.name))) {
      this.add('system-table', at, `${rel.written} is a system table or view: an MV cannot read it and CREATE MATERIALIZED VIEW fails`);
    }
    if (rel.name.startsWith('#') || this.temporary.get(rel)) {
      this.add('temporary-table', at, `${rel.written} is a temporary table: an MV cannot read it and CREATE MATERIALIZED VIEW fails`);
    }
    if (this.views.get(rel)) {
      this.add('view-input', at, `${rel.written} is a plain view: an MV cannot read it and CREATE MATERIALIZED VIEW fails`);
    }
  }

  private rangeSubselect(sub: RangeSubselect, scope: Scope): void {
    this.add('subquery', this.parenBefore(sub.subquery), 'a subquery in FROM makes Redshift recompute the whole MV on every refresh');
    this.visit(sub, nested(scope));
  }

  private subLink(link: SubLink, scope: Scope): void {
    const what = {
      EXISTS_SUBLINK: 'an EXISTS subquery',
      ANY_SUBLINK: 'an IN/ANY subquery',
      ALL_SUBLINK: 'an ALL subquery',
      EXPR_SUBLINK: 'a scalar subquery',
      ARRAY_SUBLINK: 'an ARRAY subquery',
    }[link.subLinkType as string] ?? 'a subquery';
    this.add('subquery', this.parenBefore(link.subselect), `${what} makes Redshift recompute the whole MV on every refresh`);
    this.visit(link.testexpr, scope);
    this.visit(link.subselect, nested(scope));
  }

  private commonTableExpr(cte: CommonTableExpr, scope: Scope): void {
    this.add('subquery', cte.location ?? this.input.queryStart, `WITH ${cte.ctename} AS (...) is a subquery: Redshift recomputes the whole MV on every refresh`);
    this.visit(cte.ctequery, nested(scope));
  }

  private funcCall(fn: FuncCall, scope: Scope): void {
    const name = functionName(fn);
    const at = fn.location ?? this.input.queryStart;
    const shown = name.toUpperCase();
    const approximateAt = this.approximateAt.get(at);
    if (fn.over) {
      this.add('window-function', at, `window function ${shown}(...) OVER (...) makes Redshift recompute the whole MV on every refresh`);
    } else if (approximateAt !== undefined) {
      this.add('approximate-aggregate', approximateAt, `APPROXIMATE ${shown} is not maintained incrementally: Redshift recomputes the whole MV on every refresh`);
    } else if (NON_INCREMENTAL_AGGREGATES.has(name) || fn.agg_within_group) {
      this.add('non-incremental-aggregate', at, `${shown} is not maintained incrementally: Redshift recomputes the whole MV on every refresh`, NON_INCREMENTAL_AGGREGATES.get(name));
    } else if (fn.agg_distinct) {
      this.add('distinct-aggregate', at, `${shown}(DISTINCT ...) is not maintained incrementally: Redshift recomputes the whole MV on every refresh`);
    }
    if (MUTABLE_FUNCTIONS.has(name)) {
      const called = this.tokenAt(at)?.keyword === 'SYSDATE' && !fn.args ? 'SYSDATE' : `${shown}()`;
      this.mutableFunction(called, at);
    }
    if (LEADER_NODE_FUNCTIONS.test(name)) this.leaderNodeFunction(shown, at);
    this.visit(fn, scope);
  }

  private sqlValueFunction(fn: SQLValueFunction): void {
    const at = fn.location ?? this.input.queryStart;
    const mutable = MUTABLE_VALUE_FUNCTIONS[fn.op!];
    if (mutable) this.mutableFunction(mutable, at);
    if (fn.op === 'SVFOP_CURRENT_SCHEMA') this.leaderNodeFunction('CURRENT_SCHEMA', at);
  }

  private mutableFunction(called: string, at: number): void {
    if (!this.mutable.includes(called)) this.mutable.push(called);
    this.add('mutable-function', at, `${called} is mutable: Redshift recomputes the whole MV on every refresh and always reports it stale`);
  }

  private leaderNodeFunction(shown: string, at: number): void {
    this.add('leader-node-function', at, `${shown} runs only on the leader node: CREATE MATERIALIZED VIEW fails`);
  }

  private redshiftMarks(): void {
    for (const mark of this.input.marks) {
      if (mark.kind === 'qualify') {
        this.add('qualify', mark.at, 'QUALIFY filters on window functions, which makes Redshift recompute the whole MV on every refresh');
      } else if (mark.kind === 'top') {
        this.add('limit', mark.at, 'TOP is not allowed in a materialized view: CREATE MATERIALIZED VIEW fails');
      }
    }
  }

  private autoRefresh(): void {
    const { header, clauses } = this.input;
    if (header.autoRefresh !== true || clauses.autoRefresh === undefined) return;
    if (this.mvInputs.size > 0) {
      this.add('auto-refresh-nested', clauses.autoRefresh, `AUTO REFRESH YES is refused for an MV built on another MV (${[...this.mvInputs].join(', ')}): CREATE MATERIALIZED VIEW fails`);
    }
    if (this.mutable.length > 0) {
      this.add('auto-refresh-mutable', clauses.autoRefresh, `AUTO REFRESH YES is refused for an MV that uses a mutable function (${this.mutable.join(', ')}): CREATE MATERIALIZED VIEW fails`);
    }
  }

  // Some nodes (joins, set operations, ORDER BY) carry no location of their own: their keyword
  // is found in the original tokens just before the first located node that follows it.

  private keywordBefore(offset: number | undefined, keywords: readonly string[], stopAt: readonly string[] = []): number {
    const from = offset ?? this.input.queryStart;
    const tokens = this.input.tokens;
    for (let i = firstTokenAtOrAfter(tokens, from) - 1; i >= 0 && tokens[i]!.start >= this.input.queryStart; i--) {
      const t = tokens[i]!;
      const word = t.keyword || t.text;
      if (keywords.includes(word)) return t.start;
      if (stopAt.includes(word)) break;
    }
    return from;
  }

  private parenBefore(node: unknown): number {
    return this.keywordBefore(minLocation(node), ['(']);
  }

  private tokenAt(offset: number): Token | undefined {
    const tokens = this.input.tokens;
    const t = tokens[firstTokenAtOrAfter(tokens, offset)];
    return t?.start === offset ? t : undefined;
  }
}

function nested(scope: Scope): Scope {
  return { subqueryDepth: scope.subqueryDepth + 1 };
}

function dedupe(found: FoundReason[]): FoundReason[] {
  const seen = new Set<string>();
  return found
    .filter((r) => {
      const key = `${r.code}@${r.offset}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.offset - b.offset || a.code.localeCompare(b.code));
}

