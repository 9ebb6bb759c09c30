import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerAnalyze } from '../../../cli/src/commands/analyze.ts';

// commander is a dependency of the CLI package only: load it from there.
type Program = Parameters<typeof registerAnalyze>[0];
const { Command } = createRequire(join(import.meta.dirname, '../../../cli/package.json'))('commander') as {
  Command: new (name?: string) => Program;
};

const FIXTURES = relative(process.cwd(), join(import.meta.dirname, 'cli-fixtures'));
const MIXED = join(FIXTURES, 'mixed');
const BROKEN = join(FIXTURES, 'broken');

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs `mvkit analyze ...` in process, as the CLI's registry would register it. */
async function analyze(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const program = new Command('mvkit').exitOverride();
  registerAnalyze(program);
  try {
    await program.parseAsync(['node', 'mvkit', 'analyze', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stdout, stderr, exitCode };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('mvkit analyze', () => {
  it('analyzes a directory of mixed files as JSON, sorted, recursively, with the chain across files', async () => {
    const run = await analyze(MIXED, '--json');
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
    const reports = JSON.parse(run.stdout) as { file: string; verdict: string; reasons: { code: string; line: number; column: number; hint: string }[] }[];
    expect(reports.map((r) => [r.file, r.verdict])).toEqual([
      [join(MIXED, 'a-incremental.sql'), 'incremental'],
      [join(MIXED, 'b-full.sql'), 'full'],
      [join(MIXED, 'c-invalid.sql'), 'invalid'],
      [join(MIXED, 'nested/d-chain.sql'), 'full'],
    ]);
    expect(reports[0]!.reasons).toEqual([]);
    // LEFT JOIN on line 4, column 1; ORDER BY after "SELECT message_id FROM submissions " (35 chars).
    expect(reports[1]!.reasons.map((r) => [r.code, r.line, r.column])).toEqual([['outer-join', 4, 1]]);
    expect(reports[2]!.reasons.map((r) => [r.code, r.line, r.column])).toEqual([['order-by', 1, 36]]);
    // d-chain reads pivot, the MV of b-full.sql, which Redshift recomputes fully.
    expect(reports[3]!.reasons.map((r) => [r.code, r.line, r.column])).toEqual([['chain-on-full-mv', 3, 6]]);
    expect(Object.keys(reports[1]!.reasons[0]!).sort()).toEqual(['code', 'column', 'hint', 'line', 'message']);
  });

  it('prints one line per file and each reason with its hint as text', async () => {
    const run = await analyze(join(MIXED, 'b-full.sql'), join(MIXED, 'a-incremental.sql'));
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${join(MIXED, 'b-full.sql')}: full`);
    expect(lines[1]).toMatch(/^ {2}4:1 outer-join: LEFT JOIN /);
    expect(lines[2]).toMatch(/^ {4}hint: use the stream-join pattern/);
    expect(lines[3]).toBe(`${join(MIXED, 'a-incremental.sql')}: incremental`);
    expect(lines).toHaveLength(4);
  });

  it('exits 1 with --require-incremental when any MV is not incremental, 0 when all are', async () => {
    expect((await analyze(MIXED, '--require-incremental')).exitCode).toBe(1);
    expect((await analyze(join(MIXED, 'a-incremental.sql'), '--require-incremental')).exitCode).toBe(0);
  });

  it('exits 2 on a syntax error and names file, line and column', async () => {
    const bad = join(BROKEN, 'b-bad.sql');
    const run = await analyze(BROKEN);
    expect(run.exitCode).toBe(2);
    // "FROM receipts GROUP " is 20 characters: the parser stops at tenant_id, line 4 column 21.
    expect(run.stderr).toBe(`${bad}:4:21: syntax error: syntax error at or near "tenant_id"\n`);
    expect(run.stdout).toBe(`${join(BROKEN, 'a-good.sql')}: incremental\n`);
  });

  it('still prints the JSON array on a syntax error, with an error entry', async () => {
    const run = await analyze(BROKEN, '--json', '--require-incremental');
    expect(run.exitCode).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual([
      { file: join(BROKEN, 'a-good.sql'), verdict: 'incremental', reasons: [] },
      { file: join(BROKEN, 'b-bad.sql'), verdict: 'error', error: { message: 'syntax error at or near "tenant_id"', line: 4, column: 21 } },
    ]);
  });

  it('exits 2 with one line for a missing file, an unknown target, or no files', async () => {
    const missing = await analyze(join(FIXTURES, 'nope.sql'));
    expect(missing).toEqual({ stdout: '', stderr: `mvkit analyze: no such file or directory: ${join(FIXTURES, 'nope.sql')}\n`, exitCode: 2 });
    const target = await analyze(MIXED, '--target', 'snowflake');
    expect(target.exitCode).toBe(2);
    expect(target.stderr).toMatch(/^mvkit analyze: unknown target "snowflake"[^\n]*\n$/);
    expect((await analyze()).exitCode).toBe(2);
  });

  it('accepts --target redshift explicitly', async () => {
    expect((await analyze(join(MIXED, 'a-incremental.sql'), '--target', 'redshift')).exitCode).toBe(0);
  });
});

describe('mvkit analyze with the views and external schemas given beside the MVs', () => {
  it('an MV over a plain or late-binding view is invalid, AUTO REFRESH over a federated schema is invalid, over a stream it is not', async () => {
    const run = await analyze(join(FIXTURES, 'catalog'), '--json');
    const reports = JSON.parse(run.stdout) as { file: string; verdict: string; reasons?: { code: string }[] }[];
    const verdict = (f: string) => reports.find((r) => r.file.endsWith(f));
    expect(verdict('10_on_view.sql')).toMatchObject({ verdict: 'invalid', reasons: [expect.objectContaining({ code: 'view-input' })] });
    expect(verdict('20_on_late_view.sql')).toMatchObject({ verdict: 'invalid', reasons: [expect.objectContaining({ code: 'late-binding-view' })] });
    expect(verdict('30_federated_auto.sql')).toMatchObject({ verdict: 'invalid', reasons: [expect.objectContaining({ code: 'auto-refresh-external' })] });
    expect(verdict('40_stream_auto.sql')).toMatchObject({ verdict: 'incremental' });
  });
});
