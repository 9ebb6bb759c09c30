import { createHash } from 'node:crypto';
import { readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';

let key: string | undefined;

/**
 * A key of the running compiler: each of its source (or built) files' path, size and time, and
 * where the packages whose output it reads (the SQL parser, handlebars) resolve. What is kept
 * across runs from the compiler's work (the analyzer's worker bundle, the analyses of a project's
 * MVs) is filed under it, and is not read by another compiler.
 */
export function compilerKey(): string {
  if (key) return key;
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js|mjs)$/.test(entry.name)) {
        const st = statSync(path);
        hash.update(`${path}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(fileURLToPath(new URL('.', import.meta.url)));
  for (const dep of ['libpg-query', 'handlebars']) hash.update(`${dep}\0${resolvedPackage(dep)}\n`);
  return (key = hash.digest('hex').slice(0, 20));
}

/** Where a package resolves from the compiler (the specifier itself when it does not). */
export function resolvedPackage(spec: string): string {
  try {
    return import.meta.resolve(spec);
  } catch {
    return spec;
  }
}

/**
 * Whether a compile keeps its work in the project's .mvkit/cache and reads it back (the
 * transformed model files, V8's code for them, the analyses of the MVs): on for the CLI and any
 * program that compiles; MVKIT_CACHE=0 turns it off, =1 on under vitest too, where it is off
 * (tests compile fixture projects from several processes at once and check the compiler itself;
 * analysis-cache.test.ts compiles in child processes, as the CLI does).
 */
export function cacheEnabled(): boolean {
  const setting = process.env.MVKIT_CACHE;
  if (setting === '0') return false;
  return setting === '1' || !('__vitest_worker__' in globalThis);
}

/** Writes a file whole, then renames it into place: a process reading it beside this one reads the old file or the new one, never half of it. */
export function writeWhole(file: string, data: string | Uint8Array): void {
  const partial = `${file}.${process.pid}.${threadId}`;
  writeFileSync(partial, data);
  renameSync(partial, file);
}
