import { Command, CommanderError } from 'commander';
import { MvkitError } from '@mvkit/compiler/errors';
import type { CommandEntry } from './commands/command-entry.ts';
import { COMMANDS } from './commands/registry.ts';
import { addLockOptions } from './project-options.ts';

/** Exit code of a usage error: an unknown command or option, a missing or bad argument. */
export const EXIT_USAGE = 2;

/**
 * The command the arguments (after node and the script) ask for: the first operand, skipping the
 * global options and -p's value; after `help`, the command it names. Undefined for `mvkit --help`.
 */
export function commandOf(args: readonly string[]): string | undefined {
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return undefined;
    if (a === '-p' || a === '--project') i++;
    else if (a.startsWith('-')) continue;
    else if (a === 'help' && !help) help = true;
    else return a;
  }
  return undefined;
}

/**
 * The program with every command of the registry. Only `load` (a command's name, or 'all') is
 * imported and declared in full; the others are their registry line, so `mvkit --help` imports
 * no command module at all. A listed command that runs anyway loads itself and parses again.
 */
export async function buildProgram(argv: readonly string[] = [], options: { load?: string } = {}): Promise<Command> {
  const load = options.load ?? commandOf(argv.slice(2));
  const program = new Command('mvkit')
    .description('Typed analytics models compiled to incrementally refreshed Redshift MVs, and run locally on PGlite or Postgres.')
    .option('-p, --project <dir>', 'the mvkit project (folder with mvkit.config.ts and models/)', process.cwd())
    .showHelpAfterError('(run mvkit --help for usage)')
    .exitOverride();
  const listed = new Map<string, CommandEntry>();
  for (const entry of COMMANDS) {
    if (load === 'all' || entry.name === load) (await entry.load())(program);
    else {
      listed.set(entry.name, entry);
      program.command(entry.name).summary(entry.summary).helpOption(false).allowUnknownOption().allowExcessArguments()
        .action(async () => { await (await buildProgram(argv, { load: entry.name })).parseAsync(argv); });
    }
  }
  const help = program.createHelp();
  program.configureHelp({
    subcommandTerm: (cmd) => {
      const entry = listed.get(cmd.name());
      return entry ? `${entry.name} ${entry.args ?? '[options]'}` : help.subcommandTerm(cmd);
    },
  });
  addLockOptions(program);
  return program;
}

/** Runs the CLI; MvkitErrors print as one line with a hint, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
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
