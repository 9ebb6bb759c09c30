import type { Command } from 'commander';

/** Adds one command (its description, arguments, options and action) to the program. */
export type RegisterCommand = (program: Command) => void;

/** A command as `mvkit --help` lists it, and how to load the rest of it when it runs. */
export interface CommandEntry {
  name: string;
  /** One line for `mvkit --help`; the full description lives with the command. */
  summary: string;
  /** The usage after the name in `mvkit --help` (default `[options]`). */
  args?: string;
  /** Imports the command's module: only for the command that runs or whose help is asked for. */
  load: () => Promise<RegisterCommand>;
}
