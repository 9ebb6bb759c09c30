import type { Command } from 'commander';
import type { CompileResult, Project, TargetName } from '@mvkit/compiler';
import { UsageError } from '@mvkit/compiler/errors';

export function projectDir(cmd: Command): string {
  return (cmd.optsWithGlobals() as { project?: string }).project ?? process.cwd();
}

export async function loadAndCompile(cmd: Command, target: TargetName = 'redshift', options: { requireIncremental?: boolean } = {}): Promise<{ project: Project; result: CompileResult }> {
  // Imported here, not at the top: `mvkit <cmd> --help` loads this module and no compiler.
  const { compileProject, loadProject } = await import('@mvkit/compiler');
  const project = await loadProject(projectDir(cmd));
  const result = await compileProject(project, target, options);
  return { project, result };
}

export function parseTarget(value: string): TargetName {
  if (value !== 'redshift' && value !== 'postgres') throw new UsageError(`unknown compile target "${value}"`, { hint: 'use --target redshift or --target postgres' });
  return value;
}

/** The commands that open a target's database: each takes the PGlite data directory's lock first. */
export const DATABASE_COMMANDS = new Set(['apply', 'check', 'docs', 'load', 'plan', 'refresh', 'run', 'status', 'sync', 'verify']);

function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`--lock-timeout must be a number of seconds, not "${value}"`, { hint: 'e.g. --lock-timeout 60; --no-wait fails at once' });
  }
  return n;
}

/**
 * Adds --no-wait and --lock-timeout to every command of DATABASE_COMMANDS. An embedded PGlite
 * directory is open in one process at a time; another mvkit process that has it makes this one
 * wait (or fail at once). Before the action runs, the choice goes to the runtime's lock.
 */
export function addLockOptions(program: Command): void {
  for (const command of program.commands) {
    if (!DATABASE_COMMANDS.has(command.name())) continue;
    command
      .option('--no-wait', 'embedded PGlite: fail at once (exit 1) when another mvkit process has the data directory open, instead of waiting for it')
      .option('--lock-timeout <seconds>', 'embedded PGlite: wait at most this many seconds for another mvkit process to release the data directory', seconds)
      .hook('preAction', async (_program, action) => {
        const { setDirLockDefaults } = await import('@mvkit/runtime/db/dir-lock.ts');
        const o = action.opts() as { wait?: boolean; lockTimeout?: number };
        setDirLockDefaults({ wait: o.wait !== false, ...(o.lockTimeout !== undefined ? { timeoutMs: o.lockTimeout * 1000 } : {}), command: `mvkit ${action.name()}` });
      });
  }
}
