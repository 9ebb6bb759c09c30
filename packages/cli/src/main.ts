import { Command, CommanderError } from 'commander';
import { MvkitError } from '@mvkit/compiler';
import { registerCompile } from './commands/compile.ts';
import { registerGraph } from './commands/graph.ts';
import { registerValidate } from './commands/validate.ts';
import { registerExtraCommands } from './commands/registry.ts';
import { addLockOptions } from './project-options.ts';

export async function buildProgram(): Promise<Command> {
  const program = new Command('mvkit')
    .description('Typed analytics models compiled to incrementally refreshed Redshift MVs, and run locally on PGlite or Postgres.')
    .option('-p, --project <dir>', 'the mvkit project (folder with mvkit.config.ts and models/)', process.cwd())
    .showHelpAfterError('(run mvkit --help for usage)')
    .exitOverride();
  registerCompile(program);
  registerValidate(program);
  registerGraph(program);
  await registerExtraCommands(program);
  addLockOptions(program);
  return program;
}

/** Runs the CLI; MvkitErrors print as one line with a hint, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  try {
    await (await buildProgram()).parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
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
