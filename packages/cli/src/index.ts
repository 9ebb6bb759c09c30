/** The mvkit command line as a library: `main(process.argv)` runs it, `buildProgram()` builds it without running. */
export { buildProgram, EXIT_USAGE, main } from './main.ts';
export { COMMANDS, type RegisterCommand } from './commands/registry.ts';
