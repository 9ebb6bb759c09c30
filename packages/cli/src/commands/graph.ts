import type { Command } from 'commander';
import { UsageError } from '@mvkit/compiler/errors';
import { loadAndCompile } from '../project-options.ts';

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('Print the model graph (physical nodes and their dependencies).')
    .option('--format <format>', 'text, mermaid or dot', 'text')
    .action(async (opts: { format: string }, cmd: Command) => {
      const { CompileError } = await import('@mvkit/compiler');
      const { result } = await loadAndCompile(cmd);
      if (!result.manifest) throw new CompileError([...result.diagnostics]);
      const nodes = result.manifest.nodes;
      let out: string;
      if (opts.format === 'mermaid') {
        out = ['graph LR', ...nodes.map((n) => `  ${n.name}${n.kind === 'table' ? `[(${n.name})]` : n.kind === 'mv' ? `[${n.name}]` : `([${n.name}])`}`),
          ...nodes.flatMap((n) => n.dependsOn.map((d) => `  ${d} --> ${n.name}`))].join('\n');
      } else if (opts.format === 'dot') {
        out = ['digraph mvkit {', '  rankdir=LR;', ...nodes.map((n) => `  ${n.name} [shape=${n.kind === 'table' ? 'cylinder' : n.kind === 'mv' ? 'box' : 'ellipse'}];`),
          ...nodes.flatMap((n) => n.dependsOn.map((d) => `  ${d} -> ${n.name};`)), '}'].join('\n');
      } else if (opts.format === 'text') {
        out = nodes.map((n) => `${n.name} (${n.kind}, ${n.role})${n.dependsOn.length ? ` <- ${n.dependsOn.join(', ')}` : ''}`).join('\n');
      } else {
        throw new UsageError(`unknown graph format "${opts.format}"`, { hint: 'use --format text, mermaid or dot' });
      }
      process.stdout.write(out + '\n');
    });
}
