import { describe, expect, it } from 'vitest';
import { compileProject, dimension, enrichment, secondsBetween, t, type Model } from '@mvkit/compiler';
import { refreshAll } from '../../src/ivm/index.ts';
import { pgliteProject } from './workload.ts';

// secondsBetween means the floor of the elapsed seconds on both targets (Redshift's DATEDIFF
// counts second boundaries crossed instead: 0.9 s across a boundary would be 1 there).
// A keyed table, so that the enrichment has a key and is maintained row by row.
const spans = dimension('spans', {
  columns: { tenant_id: t.varchar(8), id: t.varchar(8), started_at: t.timestamp(), ended_at: t.timestamp() },
  key: ['tenant_id', 'id'], tenant: 'tenant_id',
});
const timed = enrichment('spans_timed', {
  from: spans, joins: () => [],
  derive: (c) => ({ seconds: secondsBetween(c.started_at, c.ended_at) }),
});
const models: Model[] = [spans, timed];

const PAIRS: [string, string][] = [
  ['2026-01-01 10:00:00.900', '2026-01-01 10:00:01.100'], // 0.2 s across a boundary: 0
  ['2026-01-01 10:00:00.100', '2026-01-01 10:00:01.000'], // 0.9 s: 0
  ['2026-01-01 10:00:00.000', '2026-01-01 10:00:01.000'], // 1
  ['2026-01-01 10:00:00.999', '2026-01-01 10:01:00.998'], // 59.999 s: 59
  ['2026-01-01 23:59:59.750', '2026-01-02 00:00:02.250'], // 2.5 s across midnight: 2
  ['2026-01-01 10:00:01.100', '2026-01-01 10:00:00.900'], // -0.2 s: -1
  ['2026-01-01 10:00:00.000', '2026-01-03 10:00:00.001'], // two days: 172800
];
const ms = (s: string) => Date.parse(`${s.replace(' ', 'T')}Z`);

describe('secondsBetween', () => {
  it('on the local engine: the floor of the elapsed seconds, as computed in TypeScript, for sub-second timestamps', async () => {
    const { db, manifest } = await pgliteProject('seconds_between', models);
    try {
      await db.exec(`INSERT INTO spans (tenant_id, id, started_at, ended_at) VALUES ${PAIRS.map(([a, b], i) => `('t', 's${i}', '${a}', '${b}')`).join(', ')}`);
      const [r] = await refreshAll(db, manifest);
      expect(r?.mode).toBe('incremental');
      const rows = await db.query<{ id: string; seconds: string | number }>('SELECT id, seconds FROM spans_timed ORDER BY id');
      const expected = PAIRS.map(([a, b], i) => ({ id: `s${i}`, seconds: Math.floor((ms(b) - ms(a)) / 1000) }));
      expect(rows.map((x) => ({ id: x.id, seconds: Number(x.seconds) }))).toEqual(expected);
      expect(expected.map((e) => e.seconds)).toEqual([0, 0, 1, 59, 2, -1, 172800]);
    } finally {
      await db.close();
    }
  });

  it('on Redshift: the same floor, in a form the eligibility analyzer keeps incremental', async () => {
    const result = await compileProject({ dir: '/', config: { name: 'seconds_between' }, models, macros: {}, loadDiagnostics: [] }, 'redshift');
    const node = result.manifest!.nodes.find((n) => n.name === 'spans_timed')!;
    expect(node.sql).toContain('CAST(FLOOR(DATE_PART(epoch, i.ended_at - i.started_at)) AS BIGINT) AS seconds');
    expect(result.diagnostics.filter((d) => d.model === 'spans_timed')).toEqual([]);
  });
});
