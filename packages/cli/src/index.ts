/** The mvkit command line as a library: `main(process.argv)` runs it, `buildProgram(argv)` builds it without running. */
export { buildProgram, commandOf, EXIT_USAGE, main } from './main.ts';
export { COMMANDS } from './commands/registry.ts';
export type { CommandEntry, RegisterCommand } from './commands/command-entry.ts';
