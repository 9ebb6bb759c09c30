import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalyzeOptions, ExternalSource, Verdict } from '../../src/analyzer/index.ts';

export const FIXTURE_DIR = join(import.meta.dirname, 'fixtures');

export type Expectation =
  | { kind: 'verdict'; verdict: Verdict; codes: string[] }
  | { kind: 'parse-error'; line: number; column: number };

export interface Fixture {
  name: string;
  sql: string;
  expect: Expectation;
  options: AnalyzeOptions;
}

/**
 * A fixture states what it expects in its leading comment lines:
 *   -- expect: full outer-join chain-on-full-mv | incremental | parse-error 3:14
 *   -- mvs: base_mv=full, other=incremental       (options.knownMvs)
 *   -- views: a, b                                (options.views)
 *   -- temporary: t                               (options.temporaryTables)
 *   -- late: v                                    (options.lateBindingViews)
 *   -- external: kds=kinesis, pg=postgres         (options.externalSchemas)
 *   -- columns: receipts.event_at=timestamp       (options.columnTypes)
 *   -- doc: https://...                           (the page the expectation follows; not read)
 */
export function readFixture(name: string): Fixture {
  const sql = readFileSync(join(FIXTURE_DIR, name), 'utf8');
  const directives = new Map<string, string>();
  for (const line of sql.split('\n')) {
    const m = /^--\s*([a-z]+):\s*(.*)$/.exec(line.trim());
    if (m) directives.set(m[1]!, m[2]!.trim());
    else if (!line.trim().startsWith('--')) break;
  }
  const expect = directives.get('expect');
  if (!expect) throw new Error(`${name}: no "-- expect:" line`);
  const list = (key: string): string[] => (directives.get(key) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const options: AnalyzeOptions = {};
  if (directives.has('mvs')) {
    options.knownMvs = Object.fromEntries(list('mvs').map((pair) => pair.split('=').map((s) => s.trim()) as [string, Verdict]));
  }
  if (directives.has('views')) options.views = list('views');
  if (directives.has('temporary')) options.temporaryTables = list('temporary');
  if (directives.has('late')) options.lateBindingViews = list('late');
  if (directives.has('external')) options.externalSchemas = Object.fromEntries(list('external').map((pair) => pair.split('=').map((s) => s.trim()) as [string, ExternalSource]));
  if (directives.has('columns')) {
    const types: Record<string, Record<string, string>> = {};
    for (const pair of list('columns')) {
      const [path, type] = pair.split('=').map((s) => s.trim()) as [string, string];
      const table = path.slice(0, path.lastIndexOf('.'));
      (types[table] ??= {})[path.slice(path.lastIndexOf('.') + 1)] = type;
    }
    options.columnTypes = types;
  }
  return { name, sql, expect: parseExpectation(name, expect), options };
}

function parseExpectation(name: string, text: string): Expectation {
  const [head, ...rest] = text.split(/\s+/);
  if (head === 'parse-error') {
    const m = /^(\d+):(\d+)$/.exec(rest[0] ?? '');
    if (!m) throw new Error(`${name}: parse-error needs line:column`);
    return { kind: 'parse-error', line: Number(m[1]), column: Number(m[2]) };
  }
  if (head !== 'incremental' && head !== 'uncertain' && head !== 'full' && head !== 'invalid') throw new Error(`${name}: unknown verdict ${head}`);
  return { kind: 'verdict', verdict: head, codes: rest };
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.sql')).sort();
}
