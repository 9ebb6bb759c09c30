import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeMv, emptyCatalog, initAnalyzer, readCatalog, SqlParseError, sqlStatements, statementText, type AnalysisResult, type StatementCatalog, type Verdict } from '@mvkit/compiler';

export interface AnalyzeFlags {
  target: string;
  json?: boolean;
  requireIncremental?: boolean;
}

type FileReport =
  | { file: string; verdict: Verdict; reasons: { code: string; message: string; line: number; column: number; hint: string }[] }
  | { file: string; verdict: 'error'; error: { message: string; line: number; column: number } }
  | { file: string; verdict: 'skipped'; skipped: string[] };

const EXIT_NOT_INCREMENTAL = 1;
const EXIT_BAD_INPUT = 2;

/** `mvkit analyze`: the exit code. */
export async function runAnalyze(args: readonly string[], flags: AnalyzeFlags): Promise<number> {
  if (flags.target !== 'redshift') return fail(`unknown target "${flags.target}": analyze knows only redshift`);
  if (args.length === 0) return fail('give at least one SQL file or directory');
  const files: string[] = [];
  let notSql = 0;
  for (const arg of args) {
    const found = sqlFiles(arg);
    if (typeof found === 'string') return fail(found);
    files.push(...found.sql);
    notSql += found.notSql;
  }
  const sources: { file: string; sql: string }[] = [];
  for (const file of files) {
    try {
      sources.push({ file, sql: readFileSync(file, 'utf8') });
    } catch (e) {
      return fail(`cannot read ${file}: ${(e as Error).message}`);
    }
  }

  await initAnalyzer();
  const { units, early } = splitSources(sources);
  const catalog = emptyCatalog();
  for (const { sql } of sources) readCatalog(sql, catalog);
  const analyzed = analyzeTogether(units, catalog);
  // Back in file order: a file's skip entry or tokenizer error sits where the file does.
  const order = new Map(sources.map(({ file }, i) => [file, i]));
  const reports = [...early, ...analyzed]
    .map((report, i) => ({ report, i }))
    .sort((a, b) => order.get(fileOf(a.report))! - order.get(fileOf(b.report))! || a.i - b.i)
    .map(({ report }) => report);
  if (flags.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
  else {
    for (const report of reports) printText(report);
    const summary = skipSummary(reports, notSql);
    if (summary) process.stdout.write(summary + '\n');
  }

  if (reports.some((r) => r.verdict === 'error')) return EXIT_BAD_INPUT;
  const mvs = reports.filter((r) => r.verdict !== 'skipped');
  if (flags.requireIncremental && mvs.some((r) => r.verdict !== 'incremental')) return EXIT_NOT_INCREMENTAL;
  return 0;
}

interface Unit {
  file: string;
  /** The file itself, or file:line when the file holds more than one statement to analyze. */
  label: string;
  sql: string;
}

/**
 * Each file becomes the statements worth analyzing (MVs, bare queries) plus one skip entry
 * naming what is not an MV; a file the tokenizer cannot read is an error entry.
 */
function splitSources(sources: readonly { file: string; sql: string }[]): { units: Unit[]; early: FileReport[] } {
  const units: Unit[] = [];
  const early: FileReport[] = [];
  for (const { file, sql } of sources) {
    let statements;
    try {
      statements = sqlStatements(sql);
    } catch (e) {
      if (!(e instanceof SqlParseError)) throw e;
      early.push({ file, verdict: 'error', error: { message: e.message, line: e.line, column: e.column } });
      continue;
    }
    const others = statements.filter((s) => s.kind === 'other');
    const wanted = statements.filter((s) => s.kind !== 'other');
    if (others.length > 0) early.push({ file, verdict: 'skipped', skipped: others.map((s) => s.summary) });
    // An empty file still goes to the analyzer, which says it is empty.
    if (statements.length === 0) units.push({ file, label: file, sql });
    for (const statement of wanted) {
      const line = sql.slice(0, statement.start).split('\n').length;
      units.push({ file, label: wanted.length > 1 ? `${file}:${line}` : file, sql: statementText(sql, statement) });
    }
  }
  return { units, early };
}

function fileOf(report: FileReport): string {
  return report.file.replace(/:\d+$/, '');
}

function skipSummary(reports: readonly FileReport[], notSql: number): string | undefined {
  const skipped = reports.flatMap((r) => (r.verdict === 'skipped' ? r.skipped : []));
  if (skipped.length === 0 && notSql === 0) return undefined;
  const analyzed = reports.filter((r) => r.verdict !== 'skipped').length;
  const parts = [];
  if (skipped.length > 0) parts.push(skipped.length === 1 ? '1 statement that is not a materialized view' : `${skipped.length} statements that are not materialized views`);
  if (notSql > 0) parts.push(notSql === 1 ? '1 file that is not .sql' : `${notSql} files that are not .sql`);
  return `analyzed ${analyzed} MV${analyzed === 1 ? '' : 's'}; skipped ${parts.join(' and ')}`;
}

/**
 * Each file is analyzed with the verdicts of the other files' MVs as known MVs, until no
 * verdict changes: a chain is only as incremental as its lowest link. Verdicts only get worse
 * as more is known, so this ends after at most one round per link.
 */
function analyzeTogether(sources: readonly Unit[], catalog: StatementCatalog): FileReport[] {
  let known: Record<string, Verdict> = {};
  let reports: FileReport[] = [];
  // Known from the first round on, which knows no MVs: an MV is never its own input.
  const names: (string | undefined)[] = [];
  for (let round = 0; round <= sources.length; round++) {
    const verdicts: Record<string, Verdict> = {};
    reports = sources.map(({ label: file, sql }, i) => {
      const others = Object.fromEntries(Object.entries(known).filter(([name]) => name !== names[i]));
      const { name, report } = analyzeOne(file, sql, others, catalog);
      names[i] = name;
      if (name && report.verdict !== 'error' && report.verdict !== 'skipped') verdicts[name] = report.verdict;
      return report;
    });
    if (JSON.stringify(verdicts) === JSON.stringify(known)) break;
    known = verdicts;
  }
  return reports;
}

function analyzeOne(file: string, sql: string, knownMvs: Record<string, Verdict>, catalog: StatementCatalog): { name?: string; report: FileReport } {
  let result: AnalysisResult;
  try {
    result = analyzeMv(sql, { knownMvs, ...catalog });
  } catch (e) {
    if (!(e instanceof SqlParseError)) throw e;
    return { report: { file, verdict: 'error', error: { message: e.message, line: e.line, column: e.column } } };
  }
  const reasons = result.reasons.map(({ code, message, line, column, hint }) => ({ code, message, line, column, hint }));
  const report: FileReport = { file, verdict: result.verdict, reasons };
  return result.header.name ? { name: result.header.name.toLowerCase(), report } : { report };
}

function printText(report: FileReport): void {
  if (report.verdict === 'error') {
    const { line, column, message } = report.error;
    process.stderr.write(`${report.file}:${line}:${column}: syntax error: ${message}\n`);
    return;
  }
  if (report.verdict === 'skipped') {
    process.stdout.write(`${report.file}: skipped, not a materialized view: ${report.skipped.join(', ')}\n`);
    return;
  }
  const lines = [`${report.file}: ${report.verdict}`];
  for (const r of report.reasons) lines.push(`  ${r.line}:${r.column} ${r.code}: ${r.message}`, `    hint: ${r.hint}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** The .sql files an argument names and how many other files a directory held, or a one-line error. */
function sqlFiles(path: string): { sql: string[]; notSql: number } | string {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return `no such file or directory: ${path}`;
  }
  if (!stat.isDirectory()) return { sql: [path], notSql: 0 };
  const entries = readdirSync(path, { recursive: true, encoding: 'utf8' }).filter((entry) => statSync(join(path, entry)).isFile());
  const sql = entries.filter((entry) => entry.endsWith('.sql'));
  return { sql: sql.sort().map((entry) => join(path, entry)), notSql: entries.length - sql.length };
}

function fail(message: string): number {
  process.stderr.write(`mvkit analyze: ${message}\n`);
  return EXIT_BAD_INPUT;
}
