import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../src/bin.ts');
// Usage errors are found before any project is read or database opened: an empty project folder will do.
const project = mkdtempSync(join(tmpdir(), 'mvkit-usage-'));

function mvkit(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, '-p', project, ...args], { cwd: import.meta.dirname, encoding: 'utf8', env: { ...process.env, MVKIT_DATABASE_URL: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// The README: "exit codes: 0 ok, 1 errors found (or refused), 2 usage or unreadable input".
describe('usage errors exit 2 through the real CLI, with one message and no stack trace', () => {
  it.each([
    ['an unknown command', ['frobnicate'], "error: unknown command 'frobnicate'"],
    ['an unknown option', ['compile', '--frobnicate'], "error: unknown option '--frobnicate'"],
    ['a missing option argument', ['compile', '--target'], "error: option '-t, --target <target>' argument missing"],
    ['no command at all', [], 'Usage: mvkit [options] [command]'],
    ['a bad --threads', ['refresh', '--threads', 'abc'], 'mvkit: --threads must be a whole number of at least 1, not "abc"\n  hint: use --threads 1 to refresh one MV at a time\n'],
    ['a bad --threads for run', ['run', '--threads', '0'], 'mvkit: --threads must be a whole number of at least 1, not "0"'],
    ['a bad --interval', ['run', '--interval', 'soon'], 'mvkit: --interval must be a number of seconds (0 or more), not "soon"'],
    ['a bad --batches', ['run', '--batches', '2.5'], 'mvkit: --batches must be a whole number of at least 1, not "2.5"'],
    ['a bad demo --events', ['demo', '--events', '0'], 'mvkit: --events must be a whole number of at least 1, not "0"\n  hint: e.g. --events 20000\n'],
    ['a bad generate --tenants', ['generate', '--tenants', 'some'], 'mvkit: --tenants must be a whole number of at least 1, not "some"'],
    ['an unknown compile target', ['compile', '--target', 'snowflake'], 'mvkit: unknown compile target "snowflake"'],
    ['--redshift-copy without --iam-role', ['load', '--redshift-copy', 's3://bucket/landing'], 'mvkit: --redshift-copy needs --iam-role'],
    ['a bad serve --from', ['serve', '--from', 'nope'], 'mvkit: --from must be operational or warehouse, not "nope"'],
    ['serve --tokens on the operational database', ['serve', '--tokens', 'tokens.json'], 'mvkit: --tokens is for --from warehouse: the operational database keeps its own tokens'],
    ['a bad serve --port', ['serve', '--port', 'http'], 'mvkit: --port must be a whole number of at least 0, not "http"'],
  ])('%s', (_what, args, message) => {
    const r = mvkit(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });

  it('--help is no error: exit 0, every command listed', () => {
    const r = mvkit(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['compile', 'validate', 'graph', 'analyze', 'plan', 'apply', 'refresh', 'status', 'verify', 'dev', 'generate', 'load', 'run', 'demo']) expect(r.out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });
});
