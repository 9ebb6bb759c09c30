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
import { DOCS, type FoundReason, type ReasonCode } from './reasons.ts';
import { RelationName, RelationTable, type RelationLookup } from './relation-name.ts';
import type { Token } from './tokenizer.ts';
import type { AnalyzeOptions, ExternalSource, MvHeader, Verdict } from './types.ts';

export interface CheckInput {
  tokens: readonly Token[];
  /** Offset in the original text where the query (after the header) starts. */
  queryStart: number;
  marks: readonly RedshiftMark[];
  header: MvHeader;
  clauses: HeaderClauseOffsets;
  options: AnalyzeOptions;
  /** Tables the caller keeps itself, read instead of options.knownMvs and options.views. */
  lookups?: RelationLookups | undefined;
  /**
   * The original text's offset of a location of the tree (a UTF-8 byte offset in the rewritten
   * query, as the parser gives it): locations are moved only where a reason is placed.
   */
  toOriginal: (location: number) => number;
}

/**
 * The known MVs and plain views as tables the caller keeps (the eligibility pass, over the whole
 * manifest): each must resolve a relation exactly as a RelationTable of the options would.
 */
export interface RelationLookups {
  knownMvs: RelationLookup<Verdict>;
  views: RelationLookup<true>;
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

type Handler<T> = (checker: QueryChecker, node: T, scope: Scope) => void;

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
  private readonly knownMvs: RelationLookup<Verdict>;
  private readonly views: RelationLookup<true>;
  private readonly temporary: RelationTable<true>;
  private readonly approximateAt = new Map<number, number>();
  private readonly lateBinding: RelationTable<true>;
  private readonly external = new Map<string, ExternalSource>();
  private readonly externalRead = new Map<string, ExternalSource>();
  /** Relations named with a database (db.schema.table), at their offsets; others are in this database. */
  private readonly databases: { db: string | undefined; written: string; at: number }[] = [];
  private readonly dateTimeCalls: { fn: FuncCall; name: string; at: number }[] = [];
  private rootHasAggregate = false;

  /** One handler per node kind that matters; every other node is walked through. Shared by every checker. */
  private static readonly handlers: {
    SelectStmt: Handler<SelectStmt>;
    JoinExpr: Handler<JoinExpr>;
    RangeVar: Handler<RangeVar>;
    RangeSubselect: Handler<RangeSubselect>;
    SubLink: Handler<SubLink>;
    CommonTableExpr: Handler<CommonTableExpr>;
    FuncCall: Handler<FuncCall>;
    SQLValueFunction: Handler<SQLValueFunction>;
  } = {
    SelectStmt: (c, n, s) => c.selectStmt(n, s),
    JoinExpr: (c, n, s) => c.joinExpr(n, s),
    RangeVar: (c, n) => c.rangeVar(n),
    RangeSubselect: (c, n, s) => c.rangeSubselect(n, s),
    SubLink: (c, n, s) => c.subLink(n, s),
    CommonTableExpr: (c, n, s) => c.commonTableExpr(n, s),
    FuncCall: (c, n, s) => c.funcCall(n, s),
    SQLValueFunction: (c, n) => c.sqlValueFunction(n),
  };

  constructor(private readonly input: CheckInput) {
    const { knownMvs = {}, views = [], temporaryTables = [] } = input.options;
    this.knownMvs = input.lookups?.knownMvs ?? new RelationTable(Object.entries(knownMvs));
    this.views = input.lookups?.views ?? new RelationTable(views.map((v) => [v, true as const]));
    this.temporary = new RelationTable(temporaryTables.map((t) => [t, true as const]));
    this.lateBinding = new RelationTable((input.options.lateBindingViews ?? []).map((v) => [v, true as const]));
    for (const [schema, source] of Object.entries(input.options.externalSchemas ?? {})) this.external.set(schema.toLowerCase(), source);
    for (const mark of input.marks) if (mark.kind === 'approximate') this.approximateAt.set(mark.functionAt, mark.at);
  }

  run(stmt: SelectStmt): CheckResult {
    // A CTE needs a WITH: without one in the text, no walk of the whole tree for its names.
    if (this.input.tokens.some((t) => t.keyword === 'WITH')) collectCteNames(stmt, this.cteNames);
    this.rootHasAggregate = hasAggregate(stmt);
    this.selectStmt(stmt, { subqueryDepth: 0 });
    for (const c of this.dateTimeCalls) {
      const why = this.dateTimeAmbiguity(c.fn, c.name);
      if (why) this.add('date-time-ambiguous', c.at, why);
    }
    this.redshiftMarks();
    this.headerClauses();
    this.crossDatabase();
    this.autoRefresh();
    const relations = [...this.relations].sort((a, b) => a[1] - b[1]).map(([name]) => name);
    return { found: dedupe(this.found), relations };
  }

  /** A location of the tree in the original text (-1, none, stays -1). */
  private loc(location: number | undefined): number | undefined {
    return location === undefined || location < 0 ? location : this.input.toOriginal(location);
  }

  private add(code: ReasonCode, offset: number, message: string, hint?: string): void {
    this.found.push({ code, offset, message, ...(hint ? { hint } : {}) });
  }

  private visit(value: unknown, scope: Scope): void {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) this.visit(value[i], scope);
      return;
    }
    if (!isRecord(value)) return;
    const handlers = QueryChecker.handlers as Record<string, Handler<unknown> | undefined>;
    // for...in (no prototype in a JSON tree) visits the keys of Object.entries, in its order, without its arrays.
    for (const key in value) {
      const child = value[key];
      if (child === null || typeof child !== 'object') continue;
      const handler = handlers[key];
      if (handler && isRecord(child)) handler(this, child, scope);
      else this.visit(child, scope);
    }
  }

  private selectStmt(stmt: SelectStmt, scope: Scope): void {
    if (stmt.op && stmt.op !== 'SETOP_NONE') this.setOperation(stmt, scope);
    if (stmt.distinctClause) {
      const at = this.keywordBefore(this.loc(minLocation(stmt.targetList)) ?? this.loc(minLocation(stmt)), ['DISTINCT'], ['SELECT']);
      this.add('select-distinct', at, 'SELECT DISTINCT makes Redshift recompute the whole MV on every refresh');
    }
    if (stmt.sortClause?.length) {
      const at = this.keywordBefore(this.loc(minLocation(stmt.sortClause)), ['ORDER']);
      this.add('order-by', at, 'ORDER BY is not allowed in a materialized view: CREATE MATERIALIZED VIEW fails');
    }
    if (stmt.limitCount) {
      const at = this.keywordBefore(this.loc(minLocation(stmt.limitCount)) ?? this.loc(minLocation(stmt)), ['LIMIT', 'FETCH']);
      const keyword = this.tokenAt(at)?.keyword === 'FETCH' ? 'FETCH FIRST' : 'LIMIT';
      this.add('limit', at, `${keyword} is not allowed in a materialized view: CREATE MATERIALIZED VIEW fails`);
    }
    if (stmt.limitOffset) {
      const at = this.keywordBefore(this.loc(minLocation(stmt.limitOffset)) ?? this.loc(minLocation(stmt)), ['OFFSET']);
      this.add('offset', at, 'OFFSET is not allowed in a materialized view: CREATE MATERIALIZED VIEW fails');
    }
    const record = stmt as Record<string, unknown>;
    for (const key in record) {
      if (key !== 'larg' && key !== 'rarg') this.visit(record[key], scope);
    }
  }

  private setOperation(stmt: SelectStmt, scope: Scope): void {
    const at = this.keywordBefore(this.loc(minLocation(stmt.rarg)) ?? this.loc(minLocation(stmt)), [...SET_OPERATORS]);
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
        if (!this.rootHasAggregate && !this.input.header.sortkey) {
          this.add('union-all-ambiguous', at, `a top-level UNION ALL: the Redshift pages word its support differently (REFRESH MATERIALIZED VIEW: ${DOCS.rmv}; Refreshing a materialized view: ${DOCS.refresh}), so whether it stays incremental is not certain`);
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
      const joinAt = this.keywordBefore(this.loc(minLocation(join.rarg)) ?? this.loc(minLocation(join)), ['JOIN']);
      const at = this.keywordBefore(joinAt, ['LEFT', 'RIGHT', 'FULL'], ['JOIN', 'ON', 'USING', ',']);
      this.add('outer-join', at, `${kind} JOIN makes Redshift recompute the whole MV on every refresh: outer joins are not maintained incrementally`);
    }
    this.visit(join, scope);
  }

  private rangeVar(rv: RangeVar): void {
    const rel = new RelationName(rv.catalogname, rv.schemaname, rv.relname ?? '');
    const at = this.loc(rv.location) ?? this.input.queryStart;
    if (!rel.schema && this.cteNames.has(rel.name)) return;
    this.relations.set(rel.written, Math.min(at, this.relations.get(rel.written) ?? at));

    const known = this.knownMvs.get(rel);
    if (known) this.mvInputs.add(rel.written);
    if (known === 'full') {
      this.add('chain-on-full-mv', at, `${rel.written} is an MV that Redshift recomputes fully: an MV built on it is recomputed fully too`, `make ${rel.written} incremental first (mvkit analyze shows why it is not); every link of a chain must refresh incrementally`);
    } else if (known === 'invalid') {
      this.add('chain-on-invalid-mv', at, `${rel.written} is an MV that cannot be created, so this one cannot be either`);
    }
    this.databases.push({ db: rel.catalog, written: rel.written, at });
    if (rel.schema && this.external.has(rel.schema)) this.externalRead.set(rel.written, this.external.get(rel.schema)!);
    if (this.lateBinding.get(rel)) {
      this.add('late-binding-view', at, `${rel.written} is a late-binding view (WITH NO SCHEMA BINDING): an MV cannot read it and CREATE MATERIALIZED VIEW fails (${DOCS.cmv})`);
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
    this.add('subquery', this.loc(cte.location) ?? this.input.queryStart, `WITH ${cte.ctename} AS (...) is a subquery: Redshift recomputes the whole MV on every refresh`);
    this.visit(cte.ctequery, nested(scope));
  }

  private funcCall(fn: FuncCall, scope: Scope): void {
    const name = functionName(fn);
    const at = this.loc(fn.location) ?? this.input.queryStart;
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
    if (this.input.header.iceberg && !fn.over && (name === 'avg' || name === 'min' || name === 'max')) {
      this.add('iceberg-aggregate', at, `${shown} in an Iceberg MV (USING ICEBERG): only COUNT and SUM are maintained incrementally there, so Redshift recomputes it on every refresh (${DOCS.iceberg})`);
    }
    // Judged after the walk: the argument's type may come from a relation of FROM, read later.
    this.dateTimeCalls.push({ fn, name, at });
    if (MUTABLE_FUNCTIONS.has(name)) {
      const called = this.tokenAt(at)?.keyword === 'SYSDATE' && !fn.args ? 'SYSDATE' : `${shown}()`;
      this.mutableFunction(called, at);
    }
    if (LEADER_NODE_FUNCTIONS.test(name)) this.leaderNodeFunction(shown, at);
    this.visit(fn, scope);
  }

  private sqlValueFunction(fn: SQLValueFunction): void {
    const at = this.loc(fn.location) ?? this.input.queryStart;
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

  /**
   * Of the date-time functions, REFRESH MATERIALIZED VIEW lists only DATE(timestamp), DATE_TRUNC and
   * DATE_PART on date, time, interval or timetz as incremental, while it calls date-time functions
   * mutable: anything else is reported as uncertain, with the listed form to use instead.
   */
  private dateTimeAmbiguity(fn: FuncCall, name: string): string | undefined {
    if (name !== 'dateadd' && name !== 'datediff' && name !== 'convert_timezone' && name !== 'date_part' && name !== 'datepart' && name !== 'extract') return undefined;
    const doc = `the REFRESH MATERIALIZED VIEW page lists only DATE, DATE_TRUNC and DATE_PART on date/time/interval/timetz as incremental (${DOCS.rmv})`;
    if (name === 'dateadd' || name === 'datediff' || name === 'convert_timezone') return `${name.toUpperCase()} on a timestamp: ${doc}, so whether it stays incremental is not certain`;
    const arg = fn.args?.[1];
    const type = this.argType(arg);
    if (type === 'interval' || type === 'date' || type === 'time') return undefined;
    const shown = name === 'extract' ? 'EXTRACT' : 'DATE_PART';
    return `${shown} on ${type === 'timestamp' ? 'a timestamp' : 'a value not known to be a date, time or interval'}: ${doc}, so whether it stays incremental is not certain`;
  }

  /** What a DATE_PART/EXTRACT argument is, as far as the text and the given column types tell. */
  private argType(arg: unknown): 'interval' | 'date' | 'time' | 'timestamp' | undefined {
    if (!isRecord(arg)) return undefined;
    const expr = arg.A_Expr as { kind?: string; name?: { String?: { sval?: string } }[] } | undefined;
    if (expr?.kind === 'AEXPR_OP' && expr.name?.[0]?.String?.sval === '-') return 'interval';
    const cast = arg.TypeCast as { typeName?: { names?: { String?: { sval?: string } }[] } } | undefined;
    const castTo = cast?.typeName?.names?.at(-1)?.String?.sval?.toLowerCase();
    if (castTo) return castTo.startsWith('interval') ? 'interval' : castTo === 'date' ? 'date' : castTo.startsWith('time') && !castTo.startsWith('timestamp') ? 'time' : castTo.startsWith('timestamp') ? 'timestamp' : undefined;
    const call = arg.FuncCall as FuncCall | undefined;
    if (call && functionName(call) === 'date') return 'date';
    const ref = arg.ColumnRef as { fields?: { String?: { sval?: string } }[] } | undefined;
    const column = ref?.fields?.at(-1)?.String?.sval?.toLowerCase();
    if (!column) return undefined;
    for (const [table, columns] of Object.entries(this.input.options.columnTypes ?? {})) {
      if (![...this.relations.keys()].some((r) => r === table.toLowerCase() || r.endsWith(`.${table.toLowerCase()}`))) continue;
      const t = Object.entries(columns).find(([c]) => c.toLowerCase() === column)?.[1]?.toLowerCase();
      if (!t) continue;
      return t.startsWith('interval') ? 'interval' : t === 'date' ? 'date' : t.startsWith('timestamp') ? 'timestamp' : t.startsWith('time') ? 'time' : undefined;
    }
    return undefined;
  }

  /** Clauses the CMV syntax does not have, and those an Iceberg MV does not take [CMV]. */
  private headerClauses(): void {
    const { clauses } = this.input;
    if (clauses.ifNotExists !== undefined) {
      this.add('if-not-exists', clauses.ifNotExists, `CREATE MATERIALIZED VIEW has no IF NOT EXISTS in Redshift: the statement fails (${DOCS.cmv})`);
    }
    if (clauses.columnList !== undefined) {
      this.add('column-list', clauses.columnList, `CREATE MATERIALIZED VIEW takes no column list in Redshift: the statement fails (${DOCS.cmv})`);
    }
    if (clauses.iceberg !== undefined) {
      for (const c of clauses.nonIceberg ?? []) {
        this.add('iceberg-clause', c.at, `${c.clause} is not part of CREATE MATERIALIZED VIEW ... USING ICEBERG: the statement fails (${DOCS.cmv})`);
      }
    }
  }

  /**
   * Redshift recomputes an MV that reads tables of more than one database; one that reads a
   * single other database (or datashare) only can stay incremental [RF].
   */
  private crossDatabase(): void {
    const dbs = new Set(this.databases.map((d) => d.db ?? ''));
    if (dbs.size < 2) return;
    const list = [...dbs].map((d) => d || 'this database').join(', ');
    for (const d of this.databases) {
      if (!d.db) continue;
      this.add('cross-database-table', d.at, `${d.written} is in database ${d.db}, and the MV reads more than one database (${list}): Redshift recomputes the whole MV on every refresh (${DOCS.refresh})`);
    }
  }

  private autoRefresh(): void {
    const { header, clauses } = this.input;
    if (header.autoRefresh !== true || clauses.autoRefresh === undefined) return;
    // Streaming schemas (Kinesis, MSK/Kafka) and datashares take AUTO REFRESH; other external schemas do not [CMV].
    const refused = [...this.externalRead].filter(([, source]) => source !== 'kinesis' && source !== 'kafka' && source !== 'datashare');
    if (refused.length) {
      this.add('auto-refresh-external', clauses.autoRefresh, `AUTO REFRESH YES is refused for an MV on an external schema (${refused.map(([rel, src]) => `${rel}: ${src}`).join(', ')}): CREATE MATERIALIZED VIEW fails (${DOCS.cmv})`);
    }
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
    return this.keywordBefore(this.loc(minLocation(node)), ['(']);
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

