import type { Command } from 'commander';
import type { VerifyResult } from '@mvkit/runtime/ivm/index.ts';
import { projectDir } from '../project-options.ts';

function renderResults(results: readonly VerifyResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    if (r.stale) {
      out.push(`${r.node}: STALE (${r.stale})`);
      continue;
    }
    if (r.equal) {
      out.push(`${r.node}: equal`);
      continue;
    }
    out.push(`${r.node}: DIFFERS (${r.missing.length} missing, ${r.extra.length} extra${r.missing.length >= 50 || r.extra.length >= 50 ? ', first 50 shown' : ''})`);
    for (const row of r.missing) out.push(`  - missing ${JSON.stringify(row)}`);
    for (const row of r.extra) out.push(`  + extra   ${JSON.stringify(row)}`);
  }
  const stale = results.filter((r) => r.stale).length;
  const bad = results.filter((r) => !r.equal && !r.stale).length;
  if (bad) out.push(`${bad} of ${results.length} MV(s) differ from their recomputation.`);
  if (stale) out.push(`${stale} of ${results.length} MV(s) are stale (input changes not refreshed yet): run \`mvkit refresh\` first, then verify again.`);
  if (!bad && !stale) out.push(`all ${results.length} MV(s) equal their recomputation.`);
  return out.join('\n') + '\n';
}

/** `mvkit verify`: recompute every MV from its SELECT and compare with the maintained table; exit 1 on any difference. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('Recompute every MV of the local engine from its SELECT and compare it with the maintained table (exit 1 on a difference).')
    .option('-t, --target <name>', 'a target of mvkit.config.ts (default: its defaultTarget, else local PGlite)')
    .option('-s, --select <names>', 'comma-separated MVs to verify (default: all)')
    .option('--json', 'print the results as JSON')
    .action(async (opts: { target?: string; select?: string; json?: boolean }, cmd: Command) => {
      const { CompileError, compileProject, loadProject } = await import('@mvkit/compiler');
      const { openTarget, resolveTarget } = await import('@mvkit/runtime');
      const { verify } = await import('@mvkit/runtime/ivm/index.ts');
      const { physicalSelectors, servedManifest } = await import('@mvkit/runtime/versions/served.ts');
      const project = await loadProject(projectDir(cmd));
      const result = await compileProject(project, 'postgres');
      if (!result.ok || !result.manifest) throw new CompileError([...result.diagnostics]);
      const target = resolveTarget(project, opts.target, process.env);
      const db = await openTarget(target);
      try {
        // Blue/green: the served physical versions, selected by model name (versions/served.ts).
        const manifest = await servedManifest(db, result.manifest);
        const select = opts.select && physicalSelectors(manifest, opts.select.split(',').map((s) => s.trim()).filter(Boolean));
        const results = await verify(db, manifest, select ? { select } : {});
        process.stdout.write(opts.json ? JSON.stringify(results, null, 2) + '\n' : renderResults(results));
        if (results.some((r) => !r.equal)) process.exitCode = 1;
      } finally {
        await db.close();
      }
    });
}
