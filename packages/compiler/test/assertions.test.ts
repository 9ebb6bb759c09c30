import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertionsSqlFile, compileAssertions, compileProject, loadProject } from '../src/index.ts';
import { analyzeMv, initAnalyzer } from '../src/analyzer/index.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const GOLDEN = join(ROOT, 'expected/assertions');
const ALERTS = join(ROOT, 'packages/runtime/test/assertions/fixtures/alerts');

describe('assertions compiled to SQL', () => {
  // `UPDATE_GOLDEN=1 npx vitest run packages/compiler/test/assertions.test.ts` rewrites them; review the diff.
  it.each(['redshift', 'postgres'] as const)('the %s assertions of the root project and the alerts fixture equal their golden file in expected/assertions', { timeout: 120_000 }, async (target) => {
    // The root project and the runtime's assertion fixture (freshness and accepted values).
    let sql = '';
    for (const dir of [ROOT, ALERTS]) {
      const result = await compileProject(await loadProject(dir), target);
      expect(result.ok).toBe(true);
      sql += `-- project ${result.manifest!.project}\n\n${assertionsSqlFile(compileAssertions(result.graph, target))}\n`;
    }
    const file = join(GOLDEN, `${target}.sql`);
    if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, sql);
    }
    expect(sql).toBe(readFileSync(file, 'utf8'));
    // One per declared check (and a line per project): 8 in the root project, 5 in the fixture.
    expect(sql.match(/^-- /gm)).toHaveLength(2 + 8 + 5);
  });

  it('each Redshift assertion is one SELECT that parses: a user who may SELECT from the relations may run it', { timeout: 120_000 }, async () => {
    await initAnalyzer();
    for (const dir of [ROOT, ALERTS]) {
      const result = await compileProject(await loadProject(dir), 'redshift');
      for (const a of compileAssertions(result.graph, 'redshift')) {
        expect(a.sql).toMatch(/^SELECT /);
        expect(a.sql).not.toMatch(/\b(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|GRANT)\b/);
        // Parsed by the analyzer's Redshift front end (throws on SQL that does not parse).
        expect(() => analyzeMv(`CREATE MATERIALIZED VIEW x AS ${a.sql}`), a.id).not.toThrow();
      }
    }
  });
});
