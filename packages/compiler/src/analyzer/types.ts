/**
 * `uncertain`: nothing says Redshift recomputes, but the documentation is ambiguous about a
 * construct the MV uses (each such reason gives the rewrite that is certain).
 */
export type Verdict = 'incremental' | 'uncertain' | 'full' | 'invalid';

export interface AnalyzerReason {
  code: string;
  message: string;
  /** 1-based, in the original SQL text, of the construct that causes it. */
  line: number;
  column: number;
  hint: string;
  severity: 'uncertain' | 'full' | 'invalid';
}

export interface MvHeader {
  name?: string;
  backup?: boolean;
  diststyle?: string;
  distkey?: string;
  sortkey?: string[];
  autoRefresh?: boolean;
  /** USING ICEBERG: the MV is stored as an Apache Iceberg table, with its own rules. */
  iceberg?: boolean;
}

export interface AnalysisResult {
  verdict: Verdict;
  reasons: AnalyzerReason[];
  header: MvHeader;
  /** Every table or MV read in FROM/JOIN, lower-cased and qualified as written, in order of appearance. */
  relations: string[];
}

export interface AnalyzeOptions {
  /** Verdicts of MVs this one may read (the chain rule); keys as `schema.name` or `name`. */
  knownMvs?: Record<string, Verdict>;
  /** Plain views, which an MV cannot read. */
  views?: string[];
  temporaryTables?: string[];
  /** Late-binding views (CREATE VIEW ... WITH NO SCHEMA BINDING), which an MV cannot read either. */
  lateBindingViews?: string[];
  /** External schemas by name and source (CREATE EXTERNAL SCHEMA ... FROM KINESIS | KAFKA | MSK | POSTGRES | MYSQL | DATA CATALOG ...). */
  externalSchemas?: Record<string, ExternalSource>;
  /** Column types of the tables the MVs read (`table` or `schema.table` → column → SQL type), to judge DATE_PART's argument. */
  columnTypes?: Record<string, Record<string, string>>;
}

export type ExternalSource = 'kinesis' | 'kafka' | 'postgres' | 'mysql' | 'spectrum' | 'datashare' | 'other';
