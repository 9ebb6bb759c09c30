import { Command, CommanderError } from 'commander';
import { MvkitError } from '@mvkit/compiler';
import { COMMANDS } from './commands/registry.ts';
import { addLockOptions } from './project-options.ts';

/** Exit code of a usage error: an unknown command or option, a missing or bad argument. */
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('mvkit')
    .description('Typed analytics models compiled to incrementally refreshed Redshift MVs, and run locally on PGlite or Postgres.')
    .option('-p, --project <dir>', 'the mvkit project (folder with mvkit.config.ts and models/)', process.cwd())
    .showHelpAfterError('(run mvkit --help for usage)')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  addLockOptions(program);
  return program;
}

/** Runs the CLI; MvkitErrors print as one line with a hint, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    // Commander has printed the problem and the help hint; --help and --version end with 0.
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    if (e instanceof MvkitError) {
      process.stderr.write(`mvkit: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
      process.exitCode = e.exitCode || 1;
      return;
    }
    throw e;
  }
}
