import { join, relative } from 'node:path';
import { CompileError, compileProject, type Manifest, type ManifestColumn, type ModelRows, type ModelTest, type Project, type TestStep } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { localEngine } from '../engines/local-engine.ts';
import * as ivm from '../ivm/index.ts';
import { deleteByKey, insertRows, upsertByKey } from '../load/write-rows.ts';
import { compareRows, type ComparedColumn, type RowsDiff } from './compare-rows.ts';
import { openTestEngine } from './test-engine.ts';

export interface ModelTestResult {
  readonly name: string;
  /** Relative to the project. */
  readonly file: string;
  readonly line: number;
  /** The models it expects rows of. */
  readonly models: readonly string[];
  readonly status: 'pass' | 'fail';
  readonly diffs: readonly RowsDiff[];
  /** What else failed: a test that names what the project does not have, a maintained MV that differs from its recomputation. */
  readonly problems: readonly string[];
  readonly steps: number;
  readonly durationMs: number;
}

export interface ModelTestRun {
  readonly results: readonly ModelTestResult[];
  readonly durationMs: number;
  /** Of which: starting the in-memory engine and compiling. */
  readonly setupMs: number;
}

/** A problem of the test itself (not of the models): reported as the test's failure with its file:line. */
class TestProblem extends Error {}

/** `given` split in two halves per input, or the steps as written. */
function stepsOf(t: ModelTest): readonly TestStep[] {
  if (t.steps?.length) return t.steps;
  const given = t.given ?? [];
  const half = (r: ModelRows, first: boolean) => ({ model: r.model, rows: first ? r.rows.slice(0, Math.ceil(r.rows.length / 2)) : r.rows.slice(Math.ceil(r.rows.length / 2)) });
  return [{ load: given.map((r) => half(r, true)) }, { load: given.map((r) => half(r, false)) }];
}

const text = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));

/** The node names a set of nodes is built from, the nodes included, in manifest order. */
function closure(manifest: Manifest, names: readonly string[]): string[] {
  const want = new Set<string>();
  const add = (n: string) => {
    if (want.has(n)) return;
    want.add(n);
    for (const d of manifest.nodes.find((x) => x.name === n)?.dependsOn ?? []) add(d);
  };
  names.forEach(add);
  return manifest.nodes.filter((n) => want.has(n.name)).map((n) => n.name);
}

/** Where a model's rows are: its relation, and the member filter of a joined stream. */
function relationOf(manifest: Manifest, model: string): { table: string; member: { column: string; value: string } | null; columns: readonly ManifestColumn[] } {
  const s = manifest.streams.find((x) => x.name === model);
  if (s) return { table: s.table, member: s.discriminator, columns: s.columns };
  const n = manifest.nodes.find((x) => x.name === model);
  if (!n) throw new TestProblem(`"${model}" is not a model of this project`);
  return { table: n.name, member: null, columns: n.columns };
}

function checkColumns(kind: string, model: string, rows: readonly Readonly<Record<string, unknown>>[], columns: readonly { name: string }[]): void {
  const known = new Set(columns.map((c) => c.name));
  for (const r of rows) for (const k of Object.keys(r)) {
    if (!known.has(k)) throw new TestProblem(`${kind} rows of "${model}" name "${k}", which is not one of its columns (${[...known].join(', ')})`);
  }
}

async function write(db: Db, manifest: Manifest, r: ModelRows, op: 'load' | 'delete'): Promise<void> {
  if (!r.rows.length) return;
  const m = r.model;
  const stream = manifest.streams.find((s) => s.name === m.name);
  if (stream && op === 'load') {
    checkColumns('input', m.name, r.rows, stream.columns);
    const d = stream.discriminator;
    const cols: ManifestColumn[] = d ? [...stream.columns, { name: d.column, type: 'VARCHAR', nullable: false }] : [...stream.columns];
    await insertRows(db, stream.table, cols, r.rows.map((row) => [...stream.columns.map((c) => text(row[c.name])), ...(d ? [d.value] : [])]));
    return;
  }
  const node = manifest.nodes.find((n) => n.name === m.name && n.role === 'dimension');
  if (!node?.key) throw new TestProblem(`"${m.name}" is a ${m.kind}: only streams (load) and dimensions (load, delete) take input rows`);
  checkColumns(op === 'load' ? 'input' : 'delete', m.name, r.rows, node.columns);
  const cols = [...node.key.map((k) => node.columns.find((c) => c.name === k)!), ...node.columns.filter((c) => !node.key!.includes(c.name))];
  const values = r.rows.map((row) => cols.map((c) => text(row[c.name])));
  if (op === 'delete') await deleteByKey(db, node.name, cols.slice(0, node.key.length), values.map((v) => v.slice(0, node.key!.length)));
  else await upsertByKey(db, node.name, cols, node.key.length, values);
}

/**
 * Runs model tests on one in-memory PGlite for the whole run. Each test: the nodes it needs
 * (what its expected models are built from) are created empty, the previous test's dropped;
 * each step's rows are written as the loader writes them and the MVs refreshed incrementally;
 * then every expected model is compared with its rows, and every MV involved is recomputed from
 * its SELECT and compared with what the engine maintained (`mvkit verify`).
 */
export async function runModelTests(project: Project, tests: readonly ModelTest[], options: { onResult?: (r: ModelTestResult) => void } = {}): Promise<ModelTestRun> {
  const started = performance.now();
  const compiled = await compileProject(project, 'postgres');
  if (!compiled.ok || !compiled.manifest) throw new CompileError([...compiled.diagnostics]);
  const manifest = compiled.manifest;
  const db = await openTestEngine(join(project.dir, '.mvkit', 'cache', 'pglite-initdb.tar.gz'));
  const engine = await localEngine('pglite');
  const results: ModelTestResult[] = [];
  let setupMs = 0;
  try {
    await ivm.installEngine(db);
    setupMs = performance.now() - started;
    let created: string[] = [];
    for (const t of tests) {
      const t0 = performance.now();
      const diffs: RowsDiff[] = [];
      const problems: string[] = [];
      const steps = stepsOf(t);
      try {
        for (const n of [...created].reverse()) await ivm.dropNode(db, n);
        created = [];
        const inputs = steps.flatMap((s) => [...(s.load ?? []), ...(s.delete ?? [])]).map((r) => relationOf(manifest, r.model.name).table);
        if (!t.expect.length) throw new TestProblem('the test expects nothing: list the rows of at least one model in `expect`');
        const targets = t.expect.map((e) => relationOf(manifest, e.model.name).table);
        const nodes = closure(manifest, [...targets, ...inputs]);
        for (const n of nodes) {
          await ivm.createNode(db, manifest, n);
          created.push(n);
        }
        const mvs = nodes.filter((n) => manifest.nodes.find((x) => x.name === n)?.kind === 'mv');
        for (const s of steps) {
          for (const r of s.delete ?? []) await write(db, manifest, r, 'delete');
          for (const r of s.load ?? []) await write(db, manifest, r, 'load');
          if (mvs.length) await engine.refresh(db, manifest, { nodes: mvs });
        }
        for (const e of t.expect) {
          const model = compiled.graph.models.get(e.model.name);
          const rel = relationOf(manifest, e.model.name);
          checkColumns('expected', e.model.name, e.rows, rel.columns);
          const named = [...new Set(e.rows.flatMap((r) => Object.keys(r)))];
          const names = named.length ? named : rel.columns.map((c) => c.name);
          const columns: ComparedColumn[] = names.map((name) => ({ name, base: model?.columns[name]?.base ?? 'text' }));
          // Times as text: the value stored, whatever the driver's time zone handling.
          const select = columns.map((c) => (c.base === 'timestamp' || c.base === 'date' ? `${c.name}::text AS ${c.name}` : c.name)).join(', ');
          const actual = await db.query<Record<string, unknown>>(`SELECT ${select} FROM ${rel.table}${rel.member ? ` WHERE ${rel.member.column} = $1` : ''}`, rel.member ? [rel.member.value] : []);
          const d = compareRows(e.model.name, columns, e.rows, actual);
          if (d) diffs.push(d);
        }
        for (const v of await ivm.verify(db, manifest, { select: mvs, limit: 5 })) {
          if (!v.equal) problems.push(`${v.node}: the incrementally maintained rows differ from a recomputation (${v.stale ?? `${v.missing.length} missing, ${v.extra.length} extra, e.g. ${JSON.stringify(v.missing[0] ?? v.extra[0])}`})`);
        }
      } catch (e) {
        // A value the column does not take (a database error) is the test's, like a wrong name.
        problems.push(e instanceof TestProblem ? e.message : `${(e as Error).message ?? String(e)}`);
      }
      const r: ModelTestResult = {
        name: t.name, file: relative(project.dir, t.loc.file) || t.loc.file, line: t.loc.line, models: t.expect.map((e) => e.model.name),
        status: diffs.length || problems.length ? 'fail' : 'pass', diffs, problems, steps: steps.length, durationMs: performance.now() - t0,
      };
      results.push(r);
      options.onResult?.(r);
    }
  } finally {
    await db.close();
  }
  return { results, durationMs: performance.now() - started, setupMs };
}
