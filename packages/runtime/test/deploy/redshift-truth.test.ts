import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redshiftEngine } from '../../src/engines/redshift-engine.ts';
import { compareTruth, postDeployTruth, predictedModes, renderTruth } from '../../src/engines/redshift-truth.ts';
import { deployedNodeOf } from '../../src/plan/build-plan.ts';
import { compileFixture } from './helpers.ts';
import { recordingDb } from './recording-db.ts';

const GOLDEN = resolve(import.meta.dirname, 'golden/redshift');
function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || process.env.MVKIT_UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const redshift = () => compileFixture([], 'redshift');

describe('post-deploy truth: Redshift\'s refresh mode against the analyzer\'s verdict', () => {
  it('the comparison: predicted incremental but state 0 is a warning (an error when required); unrefreshable likewise; agreement says nothing', async () => {
    const m = await redshift();
    const predicted = new Map([['events_enriched', 'incremental'], ['events_hourly', 'incremental'], ['events_daily', 'uncertain'], ['tenant_daily', 'full']] as const);
    const actual = new Map<string, string | null>([['events_enriched', 'incremental'], ['events_hourly', 'full recompute'], ['events_daily', 'incremental'], ['tenant_daily', 'unrefreshable: column dropped']]);
    const findings = compareTruth(m, predicted, actual);
    expect(findings.map((f) => [f.node, f.severity])).toEqual([['events_hourly', 'warning'], ['events_daily', 'note'], ['tenant_daily', 'warning']]);
    const hourly = findings[0]!;
    const node = m.nodes.find((n) => n.name === 'events_hourly')!;
    expect([hourly.file, hourly.line]).toEqual([node.file, node.line]);
    expect(hourly.message).toMatch(/^events_hourly: predicted incremental, Redshift will recompute it fully/);
    expect(compareTruth(m, predicted, actual, { requireIncremental: true }).filter((f) => f.severity === 'error').map((f) => f.node)).toEqual(['events_hourly', 'tenant_daily']);
    expect(renderTruth(findings).split('\n')).toHaveLength(2);
  });

  it('the analyzer\'s prediction for the fixture is what compile says: every MV incremental', async () => {
    expect([...(await predictedModes(await redshift()))]).toEqual([['events_enriched', 'incremental'], ['events_hourly', 'incremental'], ['events_daily', 'incremental'], ['tenant_daily', 'incremental']]);
  });

  it('apply\'s last step reads SVV_MV_INFO as the deploy user and reports the disagreement (golden)', async () => {
    const m = await redshift();
    const db = recordingDb({
      deployed: m.nodes.map((n) => deployedNodeOf(n)),
      mvInfo: [
        { name: 'events_enriched', is_stale: 'f', state: 1, autorefresh: 'f' },
        { name: 'events_hourly', is_stale: 'f', state: 0, autorefresh: 'f' },
        { name: 'events_daily', is_stale: 'u', state: 1, autorefresh: 'f' },
        { name: 'tenant_daily', is_stale: 'f', state: 1, autorefresh: 'f' },
      ],
    });
    const findings = await postDeployTruth(db, redshiftEngine(), m, { requireIncremental: true });
    expect(findings.map((f) => [f.node, f.severity])).toEqual([['events_hourly', 'error']]);
    golden('apply-truth.txt', `${db.log.join('\n\n')}\n\n-- findings:\n${renderTruth(findings).replace(/^[^:]*\/(models\/)/gm, '$1')}\n`);
  });
});
