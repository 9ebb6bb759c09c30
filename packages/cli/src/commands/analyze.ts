import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { analyzeMv, initAnalyzer, SqlParseError, type AnalysisResult, type Verdict } from '@mvkit/compiler';

interface AnalyzeFlags {
  target: string;
  json?: boolean;
  requireIncremental?: boolean;
}

type FileReport =
  | { file: string; verdict: Verdict; reasons: { code: string; message: string; line: number; column: number; hint: string }[] }
  | { file: string; verdict: 'error'; error: { message: string; line: number; column: number } };

const EXIT_NOT_INCREMENTAL = 1;
const EXIT_BAD_INPUT = 2;

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description(
      'Check SQL files of materialized views for Redshift incremental refresh. Files are analyzed together: an MV built on ' +
        'another analyzed MV inherits its chain verdict. Exits 1 with --require-incremental if any is not incremental, 2 on unreadable or unparsable input.',
    )
    .argument('[files...]', 'SQL files, or directories (every *.sql inside, recursively, sorted)')
    .option('--target <target>', 'the warehouse whose rules apply (only redshift)', 'redshift')
    .option('--json', 'print a JSON array, one entry per file')
    .option('--require-incremental', 'exit 1 if any MV is not refreshed incrementally')
    .action(async (args: string[], flags: AnalyzeFlags) => {
      process.exitCode = await runAnalyze(args, flags);
    });
}

async function runAnalyze(args: readonly string[], flags: AnalyzeFlags): Promise<number> {
  if (flags.target !== 'redshift') return fail(`unknown target "${flags.target}": analyze knows only redshift`);
  if (args.length === 0) return fail('give at least one SQL file or directory');
  const files: string[] = [];
  for (const arg of args) {
    const found = sqlFiles(arg);
    if (typeof found === 'string') return fail(found);
    files.push(...found);
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
  const reports = analyzeTogether(sources);
  if (flags.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
  else for (const report of reports) printText(report);

  if (reports.some((r) => r.verdict === 'error')) return EXIT_BAD_INPUT;
  if (flags.requireIncremental && reports.some((r) => r.verdict !== 'incremental')) return EXIT_NOT_INCREMENTAL;
  return 0;
}

/**
 * Each file is analyzed with the verdicts of the other files' MVs as known MVs, until no
 * verdict changes: a chain is only as incremental as its lowest link. Verdicts only get worse
 * as more is known, so this ends after at most one round per link.
 */
function analyzeTogether(sources: readonly { file: string; sql: string }[]): FileReport[] {
  let known: Record<string, Verdict> = {};
  let reports: FileReport[] = [];
  // Known from the first round on, which knows no MVs: an MV is never its own input.
  const names: (string | undefined)[] = [];
  for (let round = 0; round <= sources.length; round++) {
    const verdicts: Record<string, Verdict> = {};
    reports = sources.map(({ file, sql }, i) => {
      const others = Object.fromEntries(Object.entries(known).filter(([name]) => name !== names[i]));
      const { name, report } = analyzeOne(file, sql, others);
      names[i] = name;
      if (name && report.verdict !== 'error') verdicts[name] = report.verdict;
      return report;
    });
    if (JSON.stringify(verdicts) === JSON.stringify(known)) break;
    known = verdicts;
  }
  return reports;
}

function analyzeOne(file: string, sql: string, knownMvs: Record<string, Verdict>): { name?: string; report: FileReport } {
  let result: AnalysisResult;
  try {
    result = analyzeMv(sql, { knownMvs });
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
  const lines = [`${report.file}: ${report.verdict}`];
  for (const r of report.reasons) lines.push(`  ${r.line}:${r.column} ${r.code}: ${r.message}`, `    hint: ${r.hint}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** The .sql files an argument names, or a one-line error. */
function sqlFiles(path: string): string[] | string {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return `no such file or directory: ${path}`;
  }
  if (!stat.isDirectory()) return [path];
  const entries = readdirSync(path, { recursive: true, encoding: 'utf8' });
  return entries
    .filter((entry) => entry.endsWith('.sql') && statSync(join(path, entry)).isFile())
    .sort()
    .map((entry) => join(path, entry));
}

function fail(message: string): number {
  process.stderr.write(`mvkit analyze: ${message}\n`);
  return EXIT_BAD_INPUT;
}
