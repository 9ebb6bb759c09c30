import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, loadProject } from '@mvkit/compiler';
import { compiledFiles } from '../src/write-compiled.ts';
import { emptyRedshiftPlan, GOLDEN_PROJECTS, GOLDEN_TARGETS, repoRoot } from '../../../scripts/golden-projects.ts';

// sqlc-style golden folders: the compiled output of each project is committed and diffed.
// After an intended change: `pnpm golden`, then review the diff.
describe.each(GOLDEN_PROJECTS)('golden output of %s', (p) => {
  it.each(GOLDEN_TARGETS)('%s matches expected/', async (target) => {
    const project = await loadProject(join(repoRoot, p));
    const result = await compileProject(project, target);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const actual = compiledFiles(result.manifest!);
    const dir = join(project.dir, 'expected', target);
    const expected = Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected));
    for (const [file, body] of Object.entries(actual)) expect(body, `${p}/expected/${target}/${file} differs: run pnpm golden and review`).toBe(expected[file]);
    if (target === 'redshift') {
      expect(await emptyRedshiftPlan(result.manifest!), `${p}/expected/plan.txt differs`).toBe(readFileSync(join(project.dir, 'expected', 'plan.txt'), 'utf8'));
    }
  });
});
