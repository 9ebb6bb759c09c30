export type Verdict = 'incremental' | 'full' | 'invalid';

export interface AnalyzerReason {
  code: string;
  message: string;
  /** 1-based, in the original SQL text, of the construct that causes it. */
  line: number;
  column: number;
  hint: string;
  severity: 'full' | 'invalid';
}

export interface MvHeader {
  name?: string;
  backup?: boolean;
  diststyle?: string;
  distkey?: string;
  sortkey?: string[];
  autoRefresh?: boolean;
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
}
