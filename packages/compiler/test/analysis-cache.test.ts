import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mixedVerdictModels } from './support/mixed-verdicts.ts';

// What a compile keeps in the project's .mvkit/cache (the MVs' Redshift analyses, the transformed
// model files and V8's code for them) and reads back the next time. Each compile runs in its own
// process, outside vitest, as the CLI runs; the oracle is the same compile with MVKIT_CACHE=0,
// which keeps and reads nothing.
type Run = {
  lenient: { code: string; model?: string; severity: string; message: string; file?: string; line?: number }[];
  strict: unknown[];
  manifest: unknown;
  stats: { hits: number; added: number } | null;
};
const script = join(import.meta.dirname, 'support/compile-cached.ts');
const compile = (dir: string, env: Record<string, string> = {}): Run => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, dir], {
    encoding: 'utf8', maxBuffer: 1 << 26, timeout: 120_000, cwd: join(import.meta.dirname, '../../..'),
    env: { ...process.env, MVKIT_ANALYZER_THREAD: '0', ...env },
  });
  if (r.status !== 0) throw new Error(`exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
};
/** The compile that keeps and reads nothing. */
const uncached = (dir: string) => compile(dir, { MVKIT_CACHE: '0' });
const same = (r: Run) => ({ lenient: r.lenient, strict: r.strict, manifest: r.manifest }) as unknown;
const cacheFiles = (dir: string) => readdirSync(join(dir, '.mvkit', 'cache')).sort();

const tmp = mkdtempSync(join(tmpdir(), 'mvkit-analysis-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Shape {
  /** users_hourly counts distinct users (Redshift recomputes it, and users_top on it) or counts rows. */
  distinct: boolean;
  /** The type of events.seen, read by DATE_PART in events_by_hour. */
  atType: 'timestamp' | 'date';
  /** A second, independent chain that is there or not. */
  extra: boolean;
  /** Where the SQL models users_top and after sit in their file (their lines are in the manifest). */
  blankLines: number;
}

function writeProject(dir: string, shape: Shape): void {
  mkdirSync(join(dir, 'models'), { recursive: true });
  // With type syntax (transformed); the other files are JavaScript as they are.
  writeFileSync(join(dir, 'models', 'events.ts'), `import { dimension, stream, t } from '@mvkit/compiler';
const column = (name: string) => name;
export const events = stream('events', {
  columns: { tenant_id: t.varchar(32), id: t.varchar(64), user_id: t.varchar(64), k: t.varchar(32), at: t.timestamp(), seen: t.${shape.atType}() },
  key: ['tenant_id', 'id'], tenant: column('tenant_id'), eventTime: 'at',
});
export const kinds = dimension('kinds', { columns: { tenant_id: t.varchar(32), k: t.varchar(32), label: t.varchar(64) }, key: ['tenant_id', 'k'], tenant: 'tenant_id' });
`);
  writeFileSync(join(dir, 'models', 'users.ts'), `import { aggregate, sqlModel, t } from '@mvkit/compiler';
import { events } from './events.ts';
export const users = aggregate('users_hourly', {
  from: events, groupBy: ['tenant_id', 'k'],
  measures: (m, c) => ({ users: m.${shape.distinct ? 'countDistinct(c.user_id)' : 'count()'} }),
});
${'\n'.repeat(shape.blankLines)}${mixedVerdictModels}export const byHour = sqlModel('events_by_hour', {
  materialized: 'mv', sql: 'SELECT tenant_id, DATE_PART(hour, seen) AS h, COUNT(*) AS n FROM {{ref "events"}} GROUP BY tenant_id, DATE_PART(hour, seen)',
  columns: { tenant_id: t.varchar(32), h: t.int(), n: t.bigint() }, tenant: 'tenant_id',
});
`);
  const extra = join(dir, 'models', 'extra.ts');
  if (shape.extra) {
    writeFileSync(extra, `import { aggregate, rollup } from '@mvkit/compiler';
import { events } from './events.ts';
export const perKind = aggregate('per_kind', { from: events, groupBy: ['tenant_id', 'k'], measures: (m) => ({ n: m.count() }) });
export const perTenant = rollup('per_tenant', { from: perKind, groupBy: ['tenant_id'] });
`);
  } else rmSync(extra, { force: true });
}

function newProject(name: string, shape: Shape): string {
  const dir = join(tmp, name);
  writeProject(dir, shape);
  mkdirSync(join(dir, 'node_modules', '@mvkit'), { recursive: true });
  symlinkSync(join(import.meta.dirname, '..'), join(dir, 'node_modules', '@mvkit', 'compiler'));
  return dir;
}

const base: Shape = { distinct: true, atType: 'timestamp', extra: false, blankLines: 0 };

describe('the project cache (.mvkit/cache)', () => {
  it('compiles an unchanged project again from the cache, to the same diagnostics and manifest', () => {
    const dir = newProject('unchanged', base);
    const first = compile(dir);
    const mvs = (first.manifest as { nodes: { kind: string }[] }).nodes.filter((n) => n.kind === 'mv').length;
    // Every MV that parses is analyzed once and kept; the one that does not parse is not kept.
    expect(first.stats).toEqual({ hits: 0, added: mvs - 1 });
    const again = compile(dir);
    expect(again.stats).toEqual({ hits: mvs - 1, added: 0 });
    expect(same(again)).toEqual(same(first));
    expect(same(again)).toEqual(same(uncached(dir)));
    // The diagnostics are the analyzer's, not an empty list kept by mistake.
    expect(again.lenient.map((d) => `${d.model}:${d.code}`)).toEqual(expect.arrayContaining([
      'users_hourly:distinct-aggregate', 'users_top:chain-on-full-mv', 'events_labelled:outer-join', 'broken_mv:sql-syntax',
    ]));
    // One file of analyses, transformed models and V8's code for them.
    const files = cacheFiles(dir);
    expect(files.filter((f) => /^analyses-.*\.json$/.test(f))).toHaveLength(1);
    expect(files.some((f) => /^models-transform-.*\.json$/.test(f))).toBe(true);
    expect(files.some((f) => /^models-script-.*\.js\.code$/.test(f))).toBe(true);
  });

  it('analyzes again an MV whose SQL is unchanged when what it reads changed: the chain rule, a column type', () => {
    const dir = newProject('upstream', base);
    const before = compile(dir);
    const said = (r: Run) => r.lenient.map((d) => `${d.model}:${d.code}:${d.severity}`);
    expect(said(before)).toContain('users_top:chain-on-full-mv:warning');

    // users_hourly no longer counts distinct users: users_top's SQL is the same, its verdict is not.
    writeProject(dir, { ...base, distinct: false });
    const chain = compile(dir);
    expect(same(chain)).toEqual(same(uncached(dir)));
    expect(said(chain)).not.toContain('users_top:chain-on-full-mv:warning');
    expect(chain.stats!.added).toBeGreaterThanOrEqual(2);
    expect(chain.stats!.hits).toBeGreaterThanOrEqual(1);

    // events.seen becomes a DATE: events_by_hour's SQL is the same, DATE_PART reads another type.
    const timestampSaid = said(chain).filter((d) => d.startsWith('events_by_hour:'));
    writeProject(dir, { ...base, distinct: false, atType: 'date' });
    const typed = compile(dir);
    const oracle = uncached(dir);
    expect(same(typed)).toEqual(same(oracle));
    // The premise, from compiles that cache nothing: the two types are judged differently.
    expect(said(oracle).filter((d) => d.startsWith('events_by_hour:'))).not.toEqual(timestampSaid);
  });

  it('reads a damaged cache as none, and writes it again', () => {
    const dir = newProject('damaged', base);
    const first = compile(dir);
    const cacheDir = join(dir, '.mvkit', 'cache');
    for (const f of cacheFiles(dir)) {
      // Truncated analyses and transforms, V8 code of another script.
      if (f.endsWith('.json')) writeFileSync(join(cacheDir, f), readFileSync(join(cacheDir, f), 'utf8').slice(0, 100));
      if (f.endsWith('.code')) writeFileSync(join(cacheDir, f), Buffer.from('not V8 code'));
    }
    const damaged = compile(dir);
    expect(same(damaged)).toEqual(same(first));
    expect(damaged.stats!.hits).toBe(0);
    const analyses = cacheFiles(dir).find((f) => f.startsWith('analyses-'))!;
    expect(Object.keys((JSON.parse(readFileSync(join(cacheDir, analyses), 'utf8')) as { analyses: object }).analyses)).toHaveLength(first.stats!.added);
    expect(compile(dir).stats!.added).toBe(0);
  });

  it('keeps nothing with MVKIT_CACHE=0', () => {
    const dir = newProject('off', base);
    const off = uncached(dir);
    expect(off.stats).toBeNull();
    expect(cacheFiles(dir).filter((f) => /^(analyses-|models-transform-)|\.code$/.test(f))).toEqual([]);
  });

  it('keeps the analyses the worker thread made', () => {
    const dir = newProject('thread', base);
    const threaded = compile(dir, { MVKIT_ANALYZER_THREAD: '1' });
    expect(threaded.stats!.added).toBeGreaterThan(0);
    const again = compile(dir, { MVKIT_ANALYZER_THREAD: '1' });
    expect(again.stats).toEqual({ hits: threaded.stats!.added, added: 0 });
    expect(same(again)).toEqual(same(uncached(dir)));
  });

  it('agrees with a compile that caches nothing over a random sequence of edits', () => {
    // A small linear congruential generator: the same sequence every run.
    let seed = 20261206;
    const next = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const dir = newProject('random', base);
    let shape = base;
    compile(dir);
    for (let step = 0; step < 6; step++) {
      const edit = next(4);
      shape = edit === 0 ? { ...shape, distinct: !shape.distinct }
        : edit === 1 ? { ...shape, atType: shape.atType === 'date' ? 'timestamp' : 'date' }
        : edit === 2 ? { ...shape, extra: !shape.extra }
        : { ...shape, blankLines: next(5) };
      writeProject(dir, shape);
      const cached = compile(dir);
      expect(cached.manifest, `step ${step}`).not.toBeNull();
      expect(same(cached), `step ${step}: ${JSON.stringify(shape)}`).toEqual(same(uncached(dir)));
    }
    // V8's code is kept for a script seen before: compiled once more, unchanged, each has it.
    compile(dir);
    // What the earlier versions of the files left is gone: the transformed file's transform, and
    // the two scripts (transformed, plain) with their code (the compiles with MVKIT_CACHE=0 leave
    // their transformed script, named otherwise, and remove nothing).
    const kept = cacheFiles(dir).filter((f) => /^models-\w+-[0-9a-f]{24}\./.test(f));
    expect(kept.filter((f) => /^models-transform-\w+\.json$/.test(f))).toHaveLength(1);
    const scripts = kept.filter((f) => /^models-script-\w+\.js$/.test(f));
    expect(scripts).toHaveLength(2);
    expect(kept.filter((f) => f.endsWith('.code'))).toEqual(scripts.map((f) => `${f}.code`));
    expect(kept).toHaveLength(5);
  });
});
