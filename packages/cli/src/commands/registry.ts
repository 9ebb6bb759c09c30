import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';

const CORE = new Set(['registry.ts', 'compile.ts', 'validate.ts', 'graph.ts']);

/**
 * Every other module in this folder contributes commands through its exported `register…(program)` functions, so that
 * adding a command touches one new file only.
 */
export async function registerExtraCommands(program: Command): Promise<void> {
  const dir = dirname(fileURLToPath(import.meta.url));
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !CORE.has(f)).sort()) {
    const mod = (await import(pathToFileURL(`${dir}/${file}`).href)) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(mod)) if (/^register[A-Z]?\w*$/.test(name) && typeof fn === 'function') fn(program);
  }
}
