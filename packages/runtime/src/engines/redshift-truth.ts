import { analyzeMv, initAnalyzer, SqlParseError, type Manifest, type Verdict } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import type { Engine } from './engine.ts';

/**
 * After a real deploy, whether Redshift agrees with the analyzer. STV_MV_INFO / SVV_MV_INFO.state
 * says how Redshift will refresh each MV (0 full recompute, 1 incremental, 101-105 unrefreshable:
 * https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_MV_INFO.html); the analyzer predicted it from
 * the DDL. A disagreement where Redshift does worse is a warning with the model's file:line, an
 * error when incremental refresh is required.
 */
export interface TruthFinding {
  readonly node: string;
  readonly file: string;
  readonly line: number;
  readonly predicted: Verdict;
  /** Redshift's state as text (redshift-engine's MV_STATES), or null when SVV_MV_INFO has no row for it. */
  readonly actual: string | null;
  readonly severity: 'error' | 'warning' | 'note';
  readonly message: string;
}

/** The analyzer's verdict per MV of the manifest, in dependency order (the chain rule), as the compiler's eligibility pass has it. */
export async function predictedModes(manifest: Manifest): Promise<Map<string, Verdict>> {
  await initAnalyzer();
  const knownMvs: Record<string, Verdict> = {};
  const views = manifest.nodes.filter((n) => n.kind === 'view').map((n) => n.name);
  const columnTypes = Object.fromEntries(manifest.nodes.map((n) => [n.name, Object.fromEntries(n.columns.map((c) => [c.name, c.type]))]));
  for (const n of manifest.nodes) {
    if (n.kind !== 'mv' || !n.ddl[0]) continue;
    try {
      knownMvs[n.name] = analyzeMv(n.ddl[0], { knownMvs, views, columnTypes }).verdict;
    } catch (e) {
      if (!(e instanceof SqlParseError)) throw e;
      knownMvs[n.name] = 'invalid';
    }
  }
  return new Map(Object.entries(knownMvs));
}

/** Pure: the findings for predicted verdicts against the states Redshift reports. */
export function compareTruth(manifest: Manifest, predicted: ReadonlyMap<string, Verdict>, actual: ReadonlyMap<string, string | null>, options: { requireIncremental?: boolean } = {}): TruthFinding[] {
  const out: TruthFinding[] = [];
  const bad = options.requireIncremental ? 'error' : 'warning';
  for (const n of manifest.nodes) {
    if (n.kind !== 'mv') continue;
    const p = predicted.get(n.name);
    if (!p) continue;
    const a = actual.has(n.name) ? actual.get(n.name)! : null;
    const at = { node: n.name, file: n.file, line: n.line, predicted: p, actual: a };
    if (a === null) {
      out.push({ ...at, severity: 'note', message: `${n.name}: SVV_MV_INFO has no row for it (not deployed, or owned by another user, whose rows a regular user does not see)` });
    } else if (a.startsWith('unrefreshable')) {
      out.push({ ...at, severity: bad, message: `${n.name} is ${a}: Redshift cannot refresh it until it is dropped and created again` });
    } else if (a === 'full recompute' && (p === 'incremental' || p === 'uncertain')) {
      out.push({ ...at, severity: bad, message: `${n.name}: predicted ${p === 'incremental' ? 'incremental' : 'incremental (uncertain)'}, Redshift will recompute it fully (STV_MV_INFO.state 0); mvkit analyze shows what the analyzer read, STL_MV_STATE why Redshift decided so` });
    } else if (a === 'incremental' && p === 'uncertain') {
      out.push({ ...at, severity: 'note', message: `${n.name}: Redshift maintains it incrementally (state 1), which settles the analyzer's uncertain verdict` });
    } else if (a === 'incremental' && p === 'full') {
      out.push({ ...at, severity: 'note', message: `${n.name}: predicted a full recompute, but Redshift maintains it incrementally (state 1)` });
    }
  }
  return out;
}

/** Reads SVV_MV_INFO through the engine and compares it with the analyzer: apply's last step, and `status`. */
export async function postDeployTruth(db: Db, engine: Engine, manifest: Manifest, options: { requireIncremental?: boolean } = {}): Promise<TruthFinding[]> {
  if (engine.kind !== 'redshift') return [];
  const info = await engine.introspect(db, manifest);
  const actual = new Map([...info].map(([name, i]) => [name, i.state]));
  return compareTruth(manifest, await predictedModes(manifest), actual, options);
}

export function renderTruth(findings: readonly TruthFinding[]): string {
  return findings.filter((f) => f.severity !== 'note').map((f) => `${f.file}:${f.line}: ${f.severity} redshift-refresh-mode: ${f.message}`).join('\n');
}
