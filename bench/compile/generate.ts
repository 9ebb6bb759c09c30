import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A synthetic project of `n` models in one file per model, shaped like the platform: streams and
 * dimensions, enrichments joining them, hourly aggregates, daily rollups.
 */
export function generateProject(dir: string, n: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'mvkit.config.ts'), `export default { name: 'bench-${n}' };\n`);
  const groups = Math.max(1, Math.floor(n / 5));
  const imp = `import { aggregate, dimension, enrichment, rollup, stream, t } from '@mvkit/compiler';\n`;
  for (let g = 0; g < groups; g++) {
    const files: Record<string, string> = {
      [`s${g}`]: `${imp}export const s${g} = stream('s${g}', {
  columns: { tenant_id: t.varchar(32), id: t.varchar(64), k: t.varchar(32), amount: t.bigint(), at: t.timestamp() },
  key: ['tenant_id', 'id'], tenant: 'tenant_id', eventTime: 'at',
});\n`,
      [`d${g}`]: `${imp}export const d${g} = dimension('d${g}', {
  columns: { tenant_id: t.varchar(32), k: t.varchar(32), label: t.varchar(64) },
  key: ['tenant_id', 'k'], tenant: 'tenant_id',
});\n`,
      [`e${g}`]: `${imp}import { s${g} } from './s${g}.ts';\nimport { d${g} } from './d${g}.ts';
export const e${g} = enrichment('e${g}', {
  from: s${g},
  joins: (join) => [join({ dimension: d${g}, on: { tenant_id: 'tenant_id', k: 'k' }, columns: ['label'] })],
});\n`,
      [`a${g}`]: `${imp}import { e${g} } from './e${g}.ts';
export const a${g} = aggregate('a${g}', {
  from: e${g}, groupBy: ['tenant_id', 'label'], bucket: { name: 'hour', grain: 'hour', column: 'at' },
  measures: (m, c) => ({ n: m.count(), total: m.sum(c.amount), big: m.countIf(c.amount.gt(100)), max_amount: m.max(c.amount) }),
});\n`,
      [`r${g}`]: `${imp}import { a${g} } from './a${g}.ts';
export const r${g} = rollup('r${g}', {
  from: a${g}, groupBy: ['tenant_id'], bucket: { name: 'day', grain: 'day', column: 'hour' }, measures: ['n', 'total', 'big', 'max_amount'],
});\n`,
    };
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, 'models', `${name}.ts`), body);
  }
}
