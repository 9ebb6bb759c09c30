import type { Command } from 'commander';
import { compileProject, loadProject, UsageError, type CompileResult, type Project, type TargetName } from '@mvkit/compiler';

export function projectDir(cmd: Command): string {
  return (cmd.optsWithGlobals() as { project?: string }).project ?? process.cwd();
}

export async function loadAndCompile(cmd: Command, target: TargetName = 'redshift', options: { requireIncremental?: boolean } = {}): Promise<{ project: Project; result: CompileResult }> {
  const project = await loadProject(projectDir(cmd));
  const result = await compileProject(project, target, options);
  return { project, result };
}

export function parseTarget(value: string): TargetName {
  if (value !== 'redshift' && value !== 'postgres') throw new UsageError(`unknown compile target "${value}"`, { hint: 'use --target redshift or --target postgres' });
  return value;
}
