import type { AcceptedValue, AssertLevel, AssertSpec } from '../dsl/assert.ts';
import type { Model } from '../dsl/model.ts';
import type { ModelGraph } from '../graph.ts';
import { quoteLiteral, type TargetName } from './dialect.ts';
import { relationNodeOf } from './select.ts';

export type AssertionKind = 'unique' | 'notNull' | 'acceptedValues' | 'equalTotals' | 'freshness';

/**
 * One assertion of a model, compiled for a target. `sql` is a plain SELECT of the offending rows
 * (none: it holds), reading only the model's relation (and, for equalTotals, the one it is built
 * from): a user who may SELECT from the deployed relations may run it, on Redshift too.
 */
export interface CompiledAssertion {
  /** `<model>.<kind>` (acceptedValues: `<model>.acceptedValues.<column>`): the name results are recorded under. */
  readonly id: string;
  readonly model: string;
  /** The relation it reads, as a node of the manifest (a joined stream's landing table). */
  readonly relation: string;
  readonly kind: AssertionKind;
  readonly level: AssertLevel;
  readonly columns: readonly string[];
  /** What holds when it passes, in words: `unique on (tenant_id, message_id)`. */
  readonly description: string;
  readonly sql: string;
}

/** `'2 hours'` → [2, 'hour']; null when it does not read as a count and a unit. */
export function parseMaxAge(text: string): [number, 'minute' | 'hour' | 'day'] | null {
  const m = /^\s*(\d+)\s*(minute|hour|day)s?\s*$/i.exec(text);
  return m ? [Number(m[1]), m[2]!.toLowerCase() as 'minute' | 'hour' | 'day'] : null;
}

/** The columns and level of a columns-or-object spec. */
export function columnsOf(spec: readonly string[] | { readonly columns: readonly string[]; readonly level?: AssertLevel }): { columns: readonly string[]; level: AssertLevel } {
  return Array.isArray(spec) ? { columns: spec, level: 'error' } : { columns: (spec as { columns: readonly string[] }).columns, level: (spec as { level?: AssertLevel }).level ?? 'error' };
}

export function acceptedOf(spec: NonNullable<AssertSpec['acceptedValues']>[string]): { values: readonly AcceptedValue[]; level: AssertLevel } {
  if (!spec) return { values: [], level: 'error' };
  return Array.isArray(spec) ? { values: spec, level: 'error' } : { values: (spec as { values: readonly AcceptedValue[] }).values, level: (spec as { level?: AssertLevel }).level ?? 'error' };
}

/** `FROM` text of a model's rows: its relation, or a joined stream's rows of its landing table. */
function rowsOf(graph: ModelGraph, name: string): { relation: string; from: string } {
  const r = relationNodeOf(graph, name, null);
  const from = r.member ? `(SELECT * FROM ${r.name} WHERE ${r.member.column} = ${quoteLiteral(r.member.value)}) AS r` : r.name;
  return { relation: r.name, from };
}

/** The current UTC time as a TIMESTAMP (columns hold UTC without a zone). */
const nowUtc = (target: TargetName) => (target === 'redshift' ? 'GETDATE()' : "(now() AT TIME ZONE 'UTC')");

/**
 * The model's assertions as SQL for the target. Expects a project the assertions pass
 * (passes/assertions.ts) found valid: names are not checked here.
 */
export function modelAssertions(graph: ModelGraph, m: Model, target: TargetName): CompiledAssertion[] {
  const a = m.assert;
  if (!a) return [];
  const { relation, from } = rowsOf(graph, m.name);
  const out: CompiledAssertion[] = [];
  const add = (kind: AssertionKind, level: AssertLevel, columns: readonly string[], description: string, sql: string, suffix = '') =>
    out.push({ id: `${m.name}.${kind}${suffix}`, model: m.name, relation, kind, level, columns, description, sql });
  if (a.unique) {
    const { columns, level } = columnsOf(a.unique);
    const cols = columns.join(', ');
    add('unique', level, columns, `unique on (${cols})`, `SELECT ${cols}, COUNT(*) AS row_count FROM ${from} GROUP BY ${cols} HAVING COUNT(*) > 1`);
  }
  if (a.notNull) {
    const { columns, level } = columnsOf(a.notNull);
    add('notNull', level, columns, `no NULL in ${columns.join(', ')}`, `SELECT * FROM ${from} WHERE ${columns.map((c) => `${c} IS NULL`).join(' OR ')}`);
  }
  for (const [column, spec] of Object.entries(a.acceptedValues ?? {})) {
    const { values, level } = acceptedOf(spec);
    const list = values.map((v) => quoteLiteral(v)).join(', ');
    add('acceptedValues', level, [column], `${column} in (${list})`,
      `SELECT ${column}, COUNT(*) AS row_count FROM ${from} WHERE ${column} IS NOT NULL AND ${column} NOT IN (${list}) GROUP BY ${column}`, `.${column}`);
  }
  if (a.equalTotals && 'from' in m) {
    const spec = a.equalTotals;
    const { columns, level } = columnsOf(spec);
    const tolerance = Array.isArray(spec) ? 0 : ((spec as { tolerance?: number }).tolerance ?? 0);
    const source = rowsOf(graph, m.from.name);
    const parts = columns.map((c) =>
      `SELECT ${quoteLiteral(c)} AS column_name, t.total AS model_total, s.total AS source_total FROM (SELECT SUM(${c}) AS total FROM ${from}) AS t CROSS JOIN (SELECT SUM(${c}) AS total FROM ${source.from}) AS s WHERE ABS(COALESCE(t.total, 0) - COALESCE(s.total, 0)) > ${tolerance}`);
    add('equalTotals', level, columns, `totals of ${columns.join(', ')} equal those of ${m.from.name}${tolerance ? ` (within ${tolerance})` : ''}`, parts.join('\nUNION ALL\n'));
  }
  if (a.freshness) {
    const age = parseMaxAge(a.freshness.maxAge);
    const c = a.freshness.column;
    if (age) {
      const since = target === 'redshift' ? `DATEADD(${age[1]}, -${age[0]}, ${nowUtc(target)})` : `${nowUtc(target)} - INTERVAL '${age[0]} ${age[1]}s'`;
      add('freshness', a.freshness.level ?? 'error', [c], `newest ${c} at most ${a.freshness.maxAge} old`,
        `SELECT MAX(${c}) AS newest, ${nowUtc(target)} AS checked_at FROM ${from} HAVING MAX(${c}) IS NULL OR MAX(${c}) < ${since}`);
    }
  }
  return out;
}

/** Every assertion of the project, in the graph's order; `models`: only those of these models. */
export function compileAssertions(graph: ModelGraph, target: TargetName, models?: readonly string[]): CompiledAssertion[] {
  return graph.order
    .filter((n) => !models || models.includes(n))
    .flatMap((n) => modelAssertions(graph, graph.models.get(n)!, target));
}

/** The assertions of a target as one SQL file (the golden files), each preceded by its id and level. */
export function assertionsSqlFile(assertions: readonly CompiledAssertion[]): string {
  return assertions.map((a) => `-- ${a.id} (${a.level}): ${a.description}\n${a.sql};\n`).join('\n');
}
