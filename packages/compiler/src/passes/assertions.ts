import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../errors.ts';
import type { Model } from '../dsl/model.ts';
import { acceptedOf, columnsOf, parseMaxAge } from '../emit/assertions.ts';
import type { ModelGraph } from '../graph.ts';

const KINDS = ['unique', 'notNull', 'acceptedValues', 'equalTotals', 'freshness'];

/**
 * The line of `word` inside the model's `assert:` block: the first line at or after the
 * assertion `kind` (after the declaration's `assert`) that names it quoted or as a key, else
 * that of `kind`, else the `assert` line, else the declaration's. Read from the source, since the assertion objects carry no location.
 */
function lineOf(m: Model, word: string, kind = word): number {
  let lines: string[];
  try {
    lines = readFileSync(m.loc.file, 'utf8').split('\n');
  } catch {
    return m.loc.line;
  }
  const assertAt = lines.findIndex((l, i) => i >= m.loc.line - 1 && /\bassert\s*:/.test(l));
  if (assertAt < 0) return m.loc.line;
  const kindAt = lines.findIndex((l, i) => i >= assertAt && new RegExp(`\\b${kind}\\s*:`).test(l));
  const start = kindAt < 0 ? assertAt : kindAt;
  const key = new RegExp(`(['"\`])${word.replace(/[^\w]/g, '')}\\1|\\b${word.replace(/[^\w]/g, '')}\\s*:`);
  const i = lines.findIndex((l, k) => k >= start && key.test(l));
  return (i >= 0 ? i : start) + 1;
}

/** Assertions name columns the model has, of the types they need, with levels and ages that read. */
export function assertionsPass(graph: ModelGraph): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of graph.models.values()) {
    const a = m.assert as Record<string, unknown> | undefined;
    if (!a) continue;
    const columns = Object.keys(m.columns);
    const problem = (near: string, message: string, hint: string, kind = near) =>
      out.push({ code: 'invalid-assertion', severity: 'error', message, model: m.name, file: m.loc.file, line: lineOf(m, near, kind), column: 1, hint });
    const known = (kind: string, c: string) => {
      if (!columns.includes(c)) problem(c, `assert.${kind} names "${c}", which is not a column of "${m.name}"`, `columns of "${m.name}": ${columns.join(', ')}`, kind);
      return columns.includes(c);
    };
    const level = (kind: string, l: unknown) => {
      if (l !== undefined && l !== 'error' && l !== 'warn') problem('level', `assert.${kind} has level ${JSON.stringify(l)}`, "use level: 'error' (refresh exits 1) or 'warn' (refresh warns and exits 0)", kind);
    };
    for (const kind of Object.keys(a)) {
      if (!KINDS.includes(kind)) problem(kind, `unknown assertion "${kind}" on "${m.name}"`, `assertions: ${KINDS.join(', ')}`);
    }
    for (const kind of ['unique', 'notNull'] as const) {
      const spec = a[kind] as Parameters<typeof columnsOf>[0] | undefined;
      if (!spec) continue;
      const { columns: cols, level: l } = columnsOf(spec);
      level(kind, l);
      if (!Array.isArray(cols) || !cols.length) problem(kind, `assert.${kind} names no column`, `e.g. ${kind}: ['${columns[0] ?? 'id'}']`);
      else for (const c of cols) known(kind, c);
    }
    for (const [c, spec] of Object.entries((a.acceptedValues ?? {}) as Record<string, Parameters<typeof acceptedOf>[0]>)) {
      if (!known('acceptedValues', c)) continue;
      const { values, level: l } = acceptedOf(spec);
      level('acceptedValues', l);
      if (!Array.isArray(values) || !values.length) problem(c, `assert.acceptedValues.${c} lists no value`, `e.g. acceptedValues: { ${c}: ['a', 'b'] }`, 'acceptedValues');
    }
    if (a.equalTotals) {
      const spec = a.equalTotals as Parameters<typeof columnsOf>[0] & { tolerance?: unknown };
      const { columns: cols, level: l } = columnsOf(spec);
      level('equalTotals', l);
      const source = 'from' in m ? m.from : null;
      if (!source) {
        problem('equalTotals', `assert.equalTotals on "${m.name}", a ${m.kind} that is not built from another model`, 'declare equalTotals on an aggregate, rollup, enrichment or view: its totals are compared with its `from` model\'s');
      } else {
        for (const c of cols) {
          if (!known('equalTotals', c)) continue;
          if (!(c in source.columns)) problem(c, `assert.equalTotals compares "${c}", which "${source.name}" (the model "${m.name}" is built from) does not have`, `columns of both: ${columns.filter((x) => x in source.columns).join(', ') || 'none'}`, 'equalTotals');
          else if (m.columns[c]!.base !== 'number') problem(c, `assert.equalTotals sums "${c}", of type ${m.columns[c]!.sql}`, 'compare numeric columns (measures) only', 'equalTotals');
        }
      }
      if (!Array.isArray(spec) && spec.tolerance !== undefined && !(typeof spec.tolerance === 'number' && spec.tolerance >= 0)) {
        problem('tolerance', `assert.equalTotals.tolerance is ${JSON.stringify(spec.tolerance)}`, 'a number >= 0: the largest absolute difference accepted', 'equalTotals');
      }
    }
    const f = a.freshness as { column?: string; maxAge?: unknown; level?: unknown } | undefined;
    if (f) {
      level('freshness', f.level);
      if (typeof f.column !== 'string') problem('freshness', 'assert.freshness names no column', "e.g. freshness: { column: 'event_at', maxAge: '2 hours' }");
      else if (known('freshness', f.column) && !['timestamp', 'date'].includes(m.columns[f.column]!.base)) {
        problem(f.column, `assert.freshness reads "${f.column}", of type ${m.columns[f.column]!.sql}`, 'name a TIMESTAMP or DATE column', 'freshness');
      }
      if (typeof f.maxAge !== 'string' || !parseMaxAge(f.maxAge)) problem('maxAge', `assert.freshness.maxAge is ${JSON.stringify(f.maxAge)}`, "a count and a unit: '90 minutes', '2 hours', '1 day'", 'freshness');
    }
  }
  return out;
}
