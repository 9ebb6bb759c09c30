// Rewrites the golden folders from the current compiler: `pnpm golden`. Review the diff before committing.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compileProject, loadProject } from '@mvkit/compiler';
import { writeCompiled } from '../packages/cli/src/write-compiled.ts';
import { writeFileSync } from 'node:fs';
import { emptyRedshiftPlan, GOLDEN_PROJECTS, GOLDEN_TARGETS, repoRoot } from './golden-projects.ts';

for (const p of GOLDEN_PROJECTS) {
  const project = await loadProject(join(repoRoot, p));
  for (const target of GOLDEN_TARGETS) {
    const result = await compileProject(project, target);
    if (!result.manifest) throw new Error(`${p} does not compile for ${target}`);
    const dir = join(project.dir, 'expected', target);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files = writeCompiled(result.manifest, dir);
    console.log(`${p}: ${files.length} files in ${dir}`);
    if (target === 'redshift') writeFileSync(join(project.dir, 'expected', 'plan.txt'), await emptyRedshiftPlan(result.manifest));
  }
}
