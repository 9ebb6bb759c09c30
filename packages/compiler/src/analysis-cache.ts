import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisResult } from './analyzer/index.ts';
import { cacheEnabled, compilerKey, writeWhole } from './compiler-key.ts';

/**
 * The Redshift analyses of a project's MVs, kept from one compile to the next in the project's
 * .mvkit/cache: an MV whose inputs have not changed is not parsed and checked again. The key of
 * an analysis (passes/eligibility.ts) holds everything the analyzer reads: the MV's DDL, and of
 * each relation of the project the DDL can name, its kind, columns and types, and the verdict
 * of the MVs analyzed before it (the chain rule). The file is named by the compiler's key
 * (compiler-key.ts), so another compiler never reads it; a file that does not read back as one
 * is ignored. Only analyses that gave a result are kept (a DDL that does not parse is parsed
 * again, for its error).
 *
 * Kept or not as compiler-key.ts's cacheEnabled says (MVKIT_CACHE).
 */
export interface AnalysisCache {
  get(key: string): AnalysisResult | undefined;
  set(key: string, result: AnalysisResult): void;
}

const FORMAT = 1;

export function analysisCacheFile(projectDir: string): string {
  return join(projectDir, '.mvkit', 'cache', `analyses-${compilerKey()}.json`);
}

/** A key of an MV's analysis from the text of its inputs (see above). */
export function analysisKey(ddl: string, context: string): string {
  return createHash('sha256').update(ddl).update('\0').update(context).digest('base64url').slice(0, 32);
}

let lastStats: { hits: number; added: number } | undefined;

/** What the last compile found in the cache and added to it (undefined before any, or with caching off). */
export function analysisCacheStats(): { hits: number; added: number } | undefined {
  return lastStats;
}

export interface OpenAnalysisCache extends AnalysisCache {
  /** Analyses served from the file, and made and added, since it was opened. */
  readonly stats: { hits: number; added: number };
  /** Whether the file held no analysis (none kept, or the compiler changed). */
  readonly empty: boolean;
  /** Writes what this compile used and made (the rest is dropped), if that differs from the file. */
  save(): void;
}

/** The project's cache of analyses, read from its file (empty when there is none); undefined when caching is off. */
export function openAnalysisCache(projectDir: string): OpenAnalysisCache | undefined {
  if (!cacheEnabled()) return undefined;
  const file = analysisCacheFile(projectDir);
  let stored: Record<string, AnalysisResult> = {};
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; analyses?: unknown };
    if (data.format === FORMAT && data.analyses && typeof data.analyses === 'object') stored = data.analyses as Record<string, AnalysisResult>;
  } catch {
    // No file, or not one this compiler wrote: every MV is analyzed.
  }
  const storedCount = Object.keys(stored).length;
  const used = new Map<string, AnalysisResult>();
  const stats = { hits: 0, added: 0 };
  lastStats = stats;
  return {
    stats,
    empty: storedCount === 0,
    get(key) {
      const result = Object.hasOwn(stored, key) ? stored[key] : undefined;
      if (!isResult(result)) return undefined;
      used.set(key, result);
      stats.hits++;
      return result;
    },
    set(key, result) {
      if (!used.has(key)) stats.added++;
      used.set(key, result);
    },
    save() {
      if (stats.added === 0 && used.size === storedCount) return;
      try {
        const dir = join(projectDir, '.mvkit', 'cache');
        mkdirSync(dir, { recursive: true });
        writeWhole(file, JSON.stringify({ format: FORMAT, analyses: Object.fromEntries(used) }));
        // The files of other compilers are not read again.
        for (const name of readdirSync(dir)) if (/^analyses-[0-9a-f]+\.json$/.test(name) && join(dir, name) !== file) rmSync(join(dir, name), { force: true });
      } catch {
        // A project that cannot be written to compiles as before, without keeping its analyses.
      }
    },
  };
}

function isResult(value: unknown): value is AnalysisResult {
  if (!value || typeof value !== 'object') return false;
  const r = value as Partial<AnalysisResult>;
  return typeof r.verdict === 'string' && Array.isArray(r.reasons) && Array.isArray(r.relations) && !!r.header && typeof r.header === 'object';
}
