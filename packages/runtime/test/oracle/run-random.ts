import { compileProject, type Manifest, type Model } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';
import { applyDeployment } from '../../src/apply/apply.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { diffRows } from './compare-rows.ts';
import { evaluateModels, type SourceData } from './evaluate-models.ts';
import { Rng } from './random-exprs.ts';
import { randomProject, type GeneratorOptions, type RandomProject } from './random-project.ts';
import { randomOps, SourceState, writeOp, type Op } from './random-workload.ts';
import { show } from './sql-values.ts';

// The drivers read a TIMESTAMP (without time zone) as local time, the oracle's timestamps are
// UTC: in this test process local time is UTC, whatever the machine's zone.
process.env.TZ = 'UTC';

export async function compileModels(name: string, models: readonly Model[]): Promise<Manifest> {
  const result = await compileProject({ dir: '/', config: { name }, models: [...models], macros: {}, loadDiagnostics: [] }, 'postgres');
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.manifest || errors.length) throw new Error(`validate rejects the project:\n${errors.map((d) => `  ${d.code} [${d.model}]: ${d.message}`).join('\n')}`);
  return result.manifest;
}

export interface RunSummary {
  readonly features: ReadonlySet<string>;
  readonly checks: number;
  /** Stored MV rows compared with the oracle's, over every check. */
  readonly rows: number;
}

/**
 * One random project on a fresh database: deployed with apply (sometimes its sources first,
 * written to, then the MVs on top of the data), then random operations; at each check every
 * MV is fully refreshed and its stored rows (`SELECT *`) compared with the reference evaluator's.
 * `open` gives an empty database.
 */
export interface RunOptions extends GeneratorOptions {
  /** Called when the project is done with the database `open` gave (default: close it). */
  readonly close?: (db: Db) => Promise<void>;
}

export async function runRandomProject(open: () => Promise<Db>, seed: number, opCount: number, options: RunOptions = {}): Promise<RunSummary> {
  const r = new Rng(seed);
  const p = randomProject(r, seed, options);
  let step = 'compile';
  const ops: Op[] = [];
  let db: Db | null = null;
  try {
    const manifest = await compileModels(`p${seed}`, p.models);
    const mvs = manifest.nodes.filter((n) => n.kind === 'mv').map((n) => n.name);
    ops.push(...randomOps(r, p, mvs, opCount));
    db = await open();
    const engine = await engineFor(db);
    const sourcesFirst = r.chance(0.3);
    let current = manifest;
    if (sourcesFirst) {
      step = 'apply of the sources';
      current = await compileModels(`p${seed}`, [...p.streams, ...p.dimensions, ...p.joins]);
      await applyDeployment(db, engine, current);
    } else {
      step = 'apply';
      await applyDeployment(db, engine, manifest);
    }
    const state = new SourceState(p.models);
    let checks = 0;
    let rows = 0;
    for (const [i, o] of ops.entries()) {
      if (sourcesFirst && current !== manifest && i >= ops.length / 3) {
        step = `apply of the whole project after op ${i}`;
        await applyDeployment(db, engine, manifest);
        current = manifest;
      }
      step = `op ${i + 1} (${o.op})`;
      if (o.op === 'refresh') {
        const select = o.select.filter((n) => current.nodes.some((x) => x.name === n));
        if (select.length) await refreshDeployment(db, engine, current, { select });
      } else if (o.op === 'check') {
        const results = await refreshDeployment(db, engine, current);
        // Every enrichment is maintained incrementally, a keyless one (of a stream) as a multiset.
        const enrichments = new Set(current.nodes.filter((n) => n.role === 'enrichment').map((n) => n.name));
        const full = results.filter((x) => enrichments.has(x.node) && x.mode !== 'incremental');
        if (full.length) throw new Error(`enrichments refreshed ${full.map((x) => `${x.node}: ${x.mode} (${x.detail ?? ''})`).join(', ')}`);
        rows += await expectOracle(db, p.models, current, state);
        checks++;
      } else {
        await writeOp(db, p.models, o);
        state.apply(o);
      }
    }
    return { features: p.features, checks, rows };
  } catch (e) {
    throw new Error(failure(p, seed, step, ops, e as Error));
  } finally {
    if (db) await (options.close ?? ((x: Db) => x.close()))(db);
  }
}

/** Every MV's and view's rows against the oracle's; the number of rows compared. */
export async function expectOracle(db: Db, models: readonly Model[], manifest: Manifest, state: SourceData): Promise<number> {
  const expected = evaluateModels(models, state);
  const bad: string[] = [];
  let compared = 0;
  for (const node of manifest.nodes) {
    if (node.kind === 'table') continue;
    const model = models.find((m) => m.name === node.model)!;
    const actual = await db.query(`SELECT * FROM ${node.name}`);
    const d = diffRows(model.columns, expected.get(model.name) ?? [], actual);
    compared += actual.length;
    if (d.missing.length || d.extra.length) {
      bad.push(`${node.name}: ${d.missing.length} row(s) of the definition missing, ${d.extra.length} row(s) not in the definition
    missing: ${JSON.stringify(d.missing.slice(0, 4))}
    extra:   ${JSON.stringify(d.extra.slice(0, 4))}`);
    }
  }
  if (bad.length) throw new Error(`MVs differ from the reference evaluator:\n  ${bad.join('\n  ')}`);
  return compared;
}

function failure(p: RandomProject, seed: number, step: string, ops: readonly Op[], e: Error): string {
  const opText = ops.map((o) => (o.op === 'events' ? `events ${o.stream} ×${o.rows.length}` : o.op === 'refresh' ? `refresh [${o.select.join(', ')}]` : o.op === 'check' ? 'check' : `${o.op} ${o.dimension} ${JSON.stringify(Object.values(o.op === 'upsert' ? o.row : o.key).map(show))}`));
  return [
    `random project seed ${seed} (replay: MVKIT_ORACLE_SEED=${seed}) failed at ${step}: ${e.message}`,
    'project:',
    ...p.description.map((l) => `  ${l}`),
    `operations: ${opText.join('; ')}`,
  ].join('\n');
}

/**
 * Empties a database for the next project, as a new one would be: the project's relations,
 * mvkit's state and the session's temp tables. Opening a PGlite costs seconds; this, milliseconds.
 */
export async function emptyDatabase(db: Db): Promise<void> {
  await db.exec('DISCARD TEMP; DROP SCHEMA IF EXISTS mvkit CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
}
