import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadAndCompile, parseTarget, projectDir } from '../project-options.ts';

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('Compile the project to SQL: one file per node (in dependency order) plus manifest.json; for Redshift also refresh.sql and a suggested wlm_json_configuration.json, with a warning for each MV whose refresh cannot run on concurrency scaling.')
    .option('-t, --target <target>', 'redshift or postgres', 'redshift')
    .option('-o, --out <dir>', 'output directory (default: target/<target> in the project)')
    .action(async (opts: { target: string; out?: string }, cmd: Command) => {
      const { CompileError, concurrencyScalingWarnings, redshiftWlmConfiguration } = await import('@mvkit/compiler');
      const { writeCompiled } = await import('../write-compiled.ts');
      const { renderText } = await import('../render-diagnostics.ts');
      const target = parseTarget(opts.target);
      const { result } = await loadAndCompile(cmd, target);
      if (!result.ok || !result.manifest) throw new CompileError([...result.diagnostics]);
      const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
      if (warnings.length) process.stderr.write(renderText(warnings) + '\n');
      const out = resolve(opts.out ?? join(projectDir(cmd), 'target', target));
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const files = writeCompiled(result.manifest, out);
      if (target === 'redshift') {
        // A suggested WLM setup for the cluster (refresh/load queue, dashboards with concurrency scaling, analysts with rules).
        writeFileSync(join(out, 'wlm_json_configuration.json'), redshiftWlmConfiguration());
        files.push('wlm_json_configuration.json');
        const cs = concurrencyScalingWarnings(result.manifest);
        if (cs.length) process.stderr.write(`${cs.map((w) => `${w.file}:${w.line}: warning concurrency-scaling [${w.node}]: ${w.message}`).join('\n')}\n`);
      }
      process.stdout.write(`compiled ${result.manifest.nodes.length} nodes for ${target} into ${out} (${files.length} files)\n`);
    });
}

