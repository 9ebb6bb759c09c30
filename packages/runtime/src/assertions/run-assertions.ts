import { compileAssertions, type CompiledAssertion, type Manifest, type ModelGraph } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { RefreshError } from '../errors.ts';
import { now } from '../state/state-schema.ts';
import { recordAssertionResults, type AssertionResult } from './assertion-results.ts';

/** Offending rows kept with a failed result and printed. */
export const SAMPLE_ROWS = 5;

/** A value as JSON shows it: dates as ISO text, bigints as text. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v;
  return out;
}

/**
 * The assertions of the models that own the given manifest nodes (all models when `nodes` is
 * absent), compiled for the manifest's target.
 */
export function assertionsFor(graph: ModelGraph, manifest: Manifest, nodes?: readonly string[]): CompiledAssertion[] {
  const all = compileAssertions(graph, manifest.target);
  if (!nodes) return all;
  const models = new Set(manifest.nodes.filter((n) => nodes.includes(n.name)).map((n) => n.model));
  return all.filter((a) => models.has(a.model) || nodes.includes(a.model));
}

/**
 * Runs each assertion's query (a count of its offending rows, then a sample when there are
 * some) and records the results in mvkit.assertion_results. Never throws for a failed
 * assertion: the caller decides what an error-level failure does to its exit code.
 */
export async function runAssertions(db: Db, assertions: readonly CompiledAssertion[], command: string): Promise<AssertionResult[]> {
  const results: AssertionResult[] = [];
  for (const a of assertions) {
    const started = performance.now();
    let failingRows: number;
    let sample: Record<string, unknown>[];
    try {
      const [c] = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM (${a.sql}) AS offending`);
      failingRows = Number(c?.n ?? 0);
      sample = failingRows ? (await db.query<Record<string, unknown>>(`SELECT * FROM (${a.sql}) AS offending LIMIT ${SAMPLE_ROWS}`)).map(plain) : [];
    } catch (e) {
      // Not a verdict on the data: the relation is not there (not applied yet) or not readable.
      throw new RefreshError(`assertion ${a.id} of model ${a.model} could not run: ${(e as Error).message}`, { hint: 'run `mvkit apply` first; the user needs SELECT on the model\'s relation' });
    }
    results.push({
      id: a.id, model: a.model, kind: a.kind, level: a.level, description: a.description, status: failingRows ? 'fail' : 'pass',
      failingRows, sample, durationMs: performance.now() - started, command, at: now(),
    });
  }
  await recordAssertionResults(db, results);
  return results;
}

/** Whether an error-level assertion failed: the command exits 1. */
export const assertionsFailed = (results: readonly AssertionResult[]): boolean => results.some((r) => r.status === 'fail' && r.level === 'error');

/** The failed assertions as text (model, what should hold, how many rows break it, a sample); empty when all passed. */
export function renderAssertionFailures(results: readonly AssertionResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    if (r.status === 'pass') continue;
    out.push(`${r.level === 'error' ? 'error' : 'warning'}: assertion ${r.id} failed on model ${r.model}: expected ${r.description}; ${r.failingRows} offending row(s)${r.failingRows > r.sample.length ? `, first ${r.sample.length}` : ''}:`);
    for (const row of r.sample) out.push(`    ${JSON.stringify(row)}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}
