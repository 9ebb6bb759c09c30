import type { Command } from 'commander';

/** Commands contributed by the other parts of the CLI; each registers itself here. */
export function registerExtraCommands(_program: Command): void {}
