import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';

/**
 * The Postgres parser (libpg-query), the one place it is loaded from: every other module takes
 * parseSync from here. Requiring the package starts instantiating its WebAssembly at once, so
 * the compiler flags it is compiled under are set here, before the require, and given back when
 * the instance is ready.
 *
 * The parser is compiled with V8's baseline compiler only (Liftoff). A compile parses a few
 * thousand small queries: with dynamic tiering V8 recompiles the parser's largest functions
 * (its grammar tables and lexer, 80-100 KB of code each) with the optimizing compiler while
 * they are in use, seconds of a compiler thread at 3,600 MVs, on a machine whose other core
 * is busy. Whether a module tiers up is decided when it is compiled, so the flags must be set
 * before the require; setting them later (when the parser is awaited) leaves the module as it
 * was compiled. The other WebAssembly of the process (PGlite), compiled after this, is
 * optimized as before. Left alone when the process was started with its own wasm flags.
 */
type Libpg = typeof import('libpg-query');

function baselineOnly(): () => void {
  const own = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /liftoff|wasm-dynamic-tiering/.test(a));
  if (own) return () => {};
  try {
    setFlagsFromString('--liftoff-only');
  } catch {
    return () => {};
  }
  return () => {
    setFlagsFromString('--no-liftoff-only');
    // --liftoff-only turns dynamic tiering off too; on again for the modules compiled later.
    setFlagsFromString('--wasm-dynamic-tiering');
  };
}

const restore = baselineOnly();
let lib: Libpg;
try {
  lib = createRequire(import.meta.url)('libpg-query') as Libpg;
} catch (e) {
  restore();
  throw e;
}
const ready: Promise<void> = lib.loadModule().finally(restore);

/**
 * Resolves when V8's flags are the process's own again (the parser's instance is ready, or
 * failed): V8 code kept for later runs (model-bundle.ts) is checked against the flags it was
 * made under, and is refused when they differ.
 */
export function flagsSettled(): Promise<void> {
  return ready.then(() => undefined, () => undefined);
}

/** Resolves when the parser's WebAssembly is instantiated; parseSync works from then on. */
export function loadModule(): Promise<void> {
  return ready;
}

export const parseSync: Libpg['parseSync'] = lib.parseSync;
export const hasSqlDetails: Libpg['hasSqlDetails'] = lib.hasSqlDetails;
