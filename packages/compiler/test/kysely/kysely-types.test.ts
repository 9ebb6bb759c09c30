import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { compileProject, emitKyselyTypes, loadProject } from '../../src/index.ts';

const root = join(import.meta.dirname, '../../../..');
// Inside the repository, so that `kysely` resolves from its node_modules.
const dir = join(import.meta.dirname, '.tmp-kysely');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A dashboard backend's queries, type-checked against the emitted Database. The lines marked
 * `// ERROR TSxxxx` are mistakes the types must catch (and only those).
 */
const QUERIES = `import type { Kysely } from 'kysely';
import type { Database } from './db-types.ts';

export async function tenantDays(db: Kysely<Database>, from: Date) {
  const rows = await db
    .selectFrom('mvkit_serving.tenant_daily_metrics')
    .select(['tenant_id', 'day', 'delivery_rate', 'submitted'])
    .where('day', '>=', from)
    .orderBy('day')
    .execute();
  const first = rows[0];
  if (!first) return [];
  const day: Date | null = first.day;
  const rate: number | null = first.delivery_rate;
  const n: number | null = first.submitted;
  const id: string | null = first.tenant_id;
  return [day, rate, n, id];
}

export async function campaigns(db: Kysely<Database>) {
  return db.selectFrom('mvkit_serving.campaign_daily_metrics').select(['campaign_id', 'category', 'latency_p90_s']).where('channel_id', '=', 'sms').execute();
}

export async function mistakes(db: Kysely<Database>) {
  await db.selectFrom('mvkit_serving.tenant_daily_metrics').select(['no_such_column']).execute(); // ERROR TS2769
  await db.selectFrom('mvkit_serving.not_served').selectAll().execute(); // ERROR TS2345
  const [r] = await db.selectFrom('mvkit_serving.tenant_channel_metrics').select(['day']).execute();
  const s: string = r!.day; // ERROR TS2322
  return s;
}
`;

it('the emitted kysely Database type-checks a dashboard query file, and rejects unknown tables, unknown columns and wrong types', async () => {
  const r = await compileProject(await loadProject(root), 'postgres');
  expect(r.manifest).toBeTruthy();
  const types = emitKyselyTypes(r.manifest!);
  expect(types).toContain(`'mvkit_serving.tenant_daily_metrics': TenantDailyMetrics;`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'db-types.ts'), types);
  writeFileSync(join(dir, 'queries.ts'), QUERIES);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../../../../tsconfig.json', include: ['*.ts'], exclude: [] }));
  const expected = QUERIES.split('\n').flatMap((line, i) => {
    const m = /\/\/ ERROR (TS\d+)/.exec(line);
    return m ? [`queries.ts:${i + 1} ${m[1]}`] : [];
  });
  const t = spawnSync('npx', ['tsc', '--noEmit', '--pretty', 'false', '-p', join(dir, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
  const actual = [...t.stdout.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => `${relative(dir, join(root, m[1]!))}:${m[2]} ${m[3]}`).sort();
  expect(actual, t.stdout).toEqual(expected.sort());
}, 180_000);
