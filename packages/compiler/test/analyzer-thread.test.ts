import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../../bench/compile/generate.ts';
import { mixedVerdictModels } from './support/mixed-verdicts.ts';

// A large project's Redshift analysis runs in a worker thread (analyzer-pool.ts). Outside vitest,
// as the CLI runs, each project is compiled with the thread forced on and off: the diagnostics
// must be the same, and what they say is checked against analyses made in the compiler's thread.
type Run = {
  answers: number;
  lenient: { code: string; model?: string; severity: string; message: string; file?: string; line?: number }[];
  strict: unknown[];
  own: { mv: string; verdict: string; reasons: string[] }[];
  threaded?: { mv: string; verdict: string; reasons: string[] }[];
  shares?: { components: number; worker: number; own: number };
};
const script = join(import.meta.dirname, 'support/compile-analyses.ts');
const run = (dir: string, thread: '0' | '1' | 'split', ...args: string[]) => {
  // node itself, without the NODE_PATH a package manager's shim sets (the hoisted packages on it
  // would resolve what the worker must resolve as an installed compiler does).
  // Nothing kept from one compile to the next (analysis-cache.ts): each one analyzes every MV.
  const env: NodeJS.ProcessEnv = { ...process.env, MVKIT_ANALYZER_THREAD: thread, MVKIT_CACHE: '0' };
  delete env.NODE_PATH;
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env, timeout: 120_000, cwd: join(import.meta.dirname, '../../..') });
  if (r.status !== 0) throw new Error(`exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
};
const compile = (dir: string, thread: '0' | '1' | 'split', ...args: string[]) => run(dir, thread, ...args) as Run;

const tmp = mkdtempSync(join(tmpdir(), 'mvkit-analyzer-thread-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
// Every kind of verdict: a full MV (COUNT DISTINCT), an MV on it (chain rule), an outer join, SQL that does not parse.
const mixed = join(tmp, 'mixed');
mkdirSync(join(mixed, 'models'), { recursive: true });
mkdirSync(join(mixed, 'node_modules', '@mvkit'), { recursive: true });
symlinkSync(join(import.meta.dirname, '..'), join(mixed, 'node_modules', '@mvkit', 'compiler'));
writeFileSync(join(mixed, 'models', 'all.ts'), `import { aggregate, dimension, sqlModel, stream, t } from '@mvkit/compiler';
export const events = stream('events', {
  columns: { tenant_id: t.varchar(32), id: t.varchar(64), user_id: t.varchar(64), k: t.varchar(32), at: t.timestamp() },
  key: ['tenant_id', 'id'], tenant: 'tenant_id', eventTime: 'at',
});
export const kinds = dimension('kinds', { columns: { tenant_id: t.varchar(32), k: t.varchar(32), label: t.varchar(64) }, key: ['tenant_id', 'k'], tenant: 'tenant_id' });
export const users = aggregate('users_hourly', {
  from: events, groupBy: ['tenant_id'], bucket: { name: 'hour', grain: 'hour', column: 'at' },
  measures: (m, c) => ({ users: m.countDistinct(c.user_id) }),
});
${mixedVerdictModels}`);

describe('the Redshift analysis in a worker thread', () => {
  it('gives the diagnostics of the analysis in the compiler thread, for every kind of verdict', () => {
    const on = compile(mixed, '1');
    const off = compile(mixed, '0');
    expect(on.answers).toBeGreaterThan(0);
    expect(off.answers).toBe(0);
    expect(on.lenient).toEqual(off.lenient);
    expect(on.strict).toEqual(off.strict);
    // What the diagnostics say, from the analyses made in this thread and from the model file.
    const byMv = Object.fromEntries(on.own.map((a) => [a.mv, a]));
    expect(byMv.users_hourly!.verdict).toBe('full');
    expect(byMv.users_top!.reasons.map((r) => r.split(' ')[0])).toContain('chain-on-full-mv');
    expect(byMv.events_labelled!.reasons.map((r) => r.split(' ')[0])).toContain('outer-join');
    expect(on.threaded).toEqual(on.own);
    expect(byMv.broken_mv!.verdict).toBe('invalid');
    const said = on.lenient.map((d) => `${d.model}:${d.code}:${d.severity}`);
    expect(said).toEqual(expect.arrayContaining(['users_hourly:distinct-aggregate:warning', 'users_top:chain-on-full-mv:warning', 'events_labelled:outer-join:warning', 'broken_mv:sql-syntax:error']));
    expect(on.strict).toEqual(expect.arrayContaining([expect.objectContaining({ model: 'users_top', code: 'chain-on-full-mv', severity: 'error' })]));
  });

  it('gives the same diagnostics for the repository project and the LEFT JOIN fixture', () => {
    for (const dir of [join(import.meta.dirname, '../../..'), join(import.meta.dirname, 'fixtures/require-incremental/left-join')]) {
      const on = compile(dir, '1');
      const off = compile(dir, '0');
      expect(on.answers, dir).toBeGreaterThan(0);
      expect({ lenient: on.lenient, strict: on.strict }, dir).toEqual({ lenient: off.lenient, strict: off.strict });
    }
  });

  it('split between the worker and the compiler thread, by components, gives every verdict of one pass', () => {
    // The chain rule crosses MVs: users_top is full because users_hourly is, whichever thread has
    // which. The generated project (the bench's, 200 models) has 40 independent chains.
    const generated = join(tmp, 'generated');
    generateProject(generated, 200);
    mkdirSync(join(generated, 'node_modules', '@mvkit'), { recursive: true });
    symlinkSync(join(import.meta.dirname, '..'), join(generated, 'node_modules', '@mvkit', 'compiler'));
    for (const dir of [mixed, generated]) {
      const split = compile(dir, 'split');
      const off = compile(dir, '0');
      expect(split.shares!.components, dir).toBeGreaterThan(1);
      expect(split.shares!.worker + split.shares!.own, dir).toBe(split.own.length);
      expect(split.threaded, dir).toEqual(split.own);
      expect({ lenient: split.lenient, strict: split.strict }, dir).toEqual({ lenient: off.lenient, strict: off.strict });
    }
  });

  it('never keeps a process alive: one that only loads the project exits by itself', () => {
    // spawnSync's timeout kills a process that hangs, and run() then throws.
    expect(run(mixed, '1', '--load-only')).toEqual({ models: 6 });
  });

  it('falls back to the compiler thread when the worker is gone', () => {
    const stopped = compile(mixed, '1', '--stop-thread');
    const off = compile(mixed, '0');
    expect(stopped.answers).toBe(0);
    expect(stopped.lenient).toEqual(off.lenient);
  });
});
