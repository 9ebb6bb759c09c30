import type { Command } from 'commander';
import type { StatusReport } from '@mvkit/runtime/status/status.ts';
import type { AssertionResult } from '@mvkit/runtime/assertions/assertion-results.ts';
import { TARGET_OPTION, withDeployment } from './plan.ts';

const ago = (iso: string, now: string) => {
  const s = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : s < 172800 ? `${Math.round(s / 3600)}h ago` : `${Math.round(s / 86400)}d ago`;
};

export function renderStatus(r: StatusReport, target: string): string {
  const out = [`Status of ${r.project} on ${target} (${r.engine}) at ${r.at}`];
  if (r.lastApply) out.push(`last apply: ${r.lastApply.status} by ${r.lastApply.who}, ${ago(r.lastApply.startedAt, r.at)} (${r.lastApply.progress} stage(s))`);
  for (const note of r.notes) out.push(note);
  out.push('');
  const w = Math.max(...r.nodes.map((n) => n.node.length), 4);
  for (const n of r.nodes) {
    const fp = n.deployment === 'changed' ? `changed (${n.deployedFingerprint} → ${n.currentFingerprint})` : n.deployment;
    const cols = [`${n.node.padEnd(w)}  ${n.kind.padEnd(5)}  ${fp}`];
    if (n.kind === 'mv') {
      cols.push(n.stale === null ? `freshness ${n.staleness ?? 'unknown'}` : n.stale ? `STALE (${n.staleness})` : 'fresh');
      if (n.engineState) cols.push(n.engineState);
      const l = n.lastRefresh;
      cols.push(l ? `last refresh ${l.mode} ${ago(l.at, r.at)}${l.rows === null ? '' : `, ${l.rows} rows`}${l.durationMs === null ? '' : `, ${l.durationMs} ms`}` : 'never refreshed');
    }
    out.push(cols.join('  ·  '));
  }
  if (r.freshness.length) {
    out.push('', 'data freshness (newest event):');
    for (const f of r.freshness) out.push(`  ${f.stream.padEnd(w)}  ${f.newestEvent ? `${f.newestEvent} (${ago(f.newestEvent, r.at)})` : 'no events yet'}`);
  }
  return out.join('\n') + '\n';
}

/** The last result of each assertion (mvkit refresh, run and check record them). */
export function renderAssertions(results: readonly AssertionResult[], now: string): string {
  if (!results.length) return '';
  const out = ['', 'assertions (last run):'];
  for (const r of results) {
    const state = r.status === 'pass' ? 'pass' : r.level === 'error' ? `FAIL (${r.failingRows} offending row(s))` : `warn (${r.failingRows} offending row(s))`;
    out.push(`  ${r.id.padEnd(40)}  ${state}  ·  ${r.description}  ·  ${r.command} ${ago(r.at, now)}`);
  }
  return out.join('\n') + '\n';
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Per node: deployed vs current fingerprint, stale or fresh, last refresh; how recent the newest events are; the last result of each assertion. On Redshift, also whether Redshift refreshes each MV as the analyzer predicted (SVV_MV_INFO.state).')
    .option(...TARGET_OPTION)
    .option('--json', 'print the status as JSON')
    .option('--require-incremental', 'Redshift: an MV predicted incremental that Redshift will recompute fully (or cannot refresh) is an error, exit 1')
    .action(async (opts: { target?: string; json?: boolean; requireIncremental?: boolean }, cmd: Command) => {
      const { deploymentStatus } = await import('@mvkit/runtime/status/status.ts');
      const { compareTruth, predictedModes, renderTruth } = await import('@mvkit/runtime/engines/redshift-truth.ts');
      const { lastAssertionResults } = await import('@mvkit/runtime/assertions/assertion-results.ts');
      await withDeployment(cmd, opts.target, async (d) => {
        const report = await deploymentStatus(d.db, d.engine, d.manifest);
        // The states status read already (SVV_MV_INFO), compared with what the analyzer predicted.
        const actual = new Map(report.nodes.filter((n) => n.kind === 'mv' && n.deployment !== 'not deployed').map((n) => [n.node, n.engineState]));
        const truth = d.engine.kind === 'redshift' ? compareTruth(d.manifest, await predictedModes(d.manifest), actual, { requireIncremental: opts.requireIncremental ?? false }) : [];
        const assertions = await lastAssertionResults(d.db);
        process.stdout.write(opts.json ? JSON.stringify({ ...report, refreshModes: truth, assertions }, null, 2) + '\n' : renderStatus(report, d.target.name) + renderAssertions(assertions, report.at));
        const text = renderTruth(truth);
        if (text && !opts.json) process.stderr.write(`${text}\n`);
        if (truth.some((f) => f.severity === 'error')) process.exitCode = 1;
      });
    });
}
