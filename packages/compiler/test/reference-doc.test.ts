import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProject, Expr, loadProject, measures, t } from '../src/index.ts';

/**
 * docs/reference.md cannot drift from the compiler: every DSL name the package exports must
 * be in it, and its `ts` blocks, read as one project, must type-check and compile.
 */
const REPO = resolve(import.meta.dirname, '../../..');
const SRC = join(REPO, 'packages/compiler/src');
const reference = readFileSync(join(REPO, 'docs/reference.md'), 'utf8');

const blocks = (lang: string): string[] => [...reference.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
/** Everything the page shows as code: fenced blocks and `inline` spans. */
const codeText = [...blocks('\\w*'), ...[...reference.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!)].join('\n');
const mentioned = (name: string): boolean => new RegExp(`(^|[^A-Za-z0-9_$])${name.replace(/\$/g, '\\$')}($|[^A-Za-z0-9_$])`).test(codeText);

/** Value exports of index.ts from the DSL's modules (types, expressions, model kinds, config). */
function dslExports(): string[] {
  const index = readFileSync(join(SRC, 'index.ts'), 'utf8');
  const names: string[] = [];
  for (const m of index.matchAll(/^export \{([^}]*)\} from '\.\/(types|expr|config|dsl\/[\w-]+)\.ts';$/gm)) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop()!;
      if (name && !name.startsWith('type ')) names.push(name);
    }
  }
  return names;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

/** Options interfaces of the compiler's API, not of model files: the SQL analyzer's, compile's own. */
const NOT_DSL = new Set(['CompileOptions']);

/** Property and method names of the interfaces a model file writes: *Options, ProjectConfig, Physical, TenantOptOut, PivotBuilder. */
function optionNames(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of tsFiles(SRC)) {
    if (file.startsWith(join(SRC, 'analyzer'))) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^export interface (\w+Options|ProjectConfig|Physical|TenantOptOut|PivotBuilder)\b[^{]*\{/gm)) {
      let depth = 1;
      let i = m.index! + m[0].length;
      const start = i;
      while (depth > 0 && i < text.length) {
        if (text[i] === '{') depth++;
        else if (text[i] === '}') depth--;
        i++;
      }
      const body = text.slice(start, i - 1);
      // Members at the interface's own level: drop nested braces, then read `name?:` and `name<...>(`.
      let flat = body;
      while (/\{[^{}]*\}/.test(flat)) flat = flat.replace(/\{[^{}]*\}/g, '');
      const props = [...flat.matchAll(/^\s*(?:readonly\s+)?(\w+)\??\s*[:(<]/gm)].map((p) => p[1]!);
      if (!NOT_DSL.has(m[1]!)) out.set(m[1]!, props);
    }
  }
  return out;
}

describe('docs/reference.md', () => {
  it('names every DSL function, column type, measure and expression method the compiler exports', () => {
    const names = [
      ...dslExports(),
      ...Object.keys(t),
      ...Object.keys(measures),
      ...Object.getOwnPropertyNames(Expr.prototype).filter((n) => n !== 'constructor'),
    ];
    // A parse that found nothing would pass vacuously.
    for (const expected of ['stream', 'streamJoin', 'sqlModel', 'sqlExpr', 'quantileFromBuckets', 'varchar', 'countDistinct', 'isNotNull', 'div']) {
      expect(names).toContain(expected);
    }
    expect(names.filter((n) => !mentioned(n))).toEqual([]);
  });

  it('names every option of every model kind, the config, physical attributes and the pivot builder', () => {
    const options = optionNames();
    for (const expected of ['StreamOptions', 'DimensionOptions', 'StreamJoinOptions', 'JoinOptions', 'EnrichmentOptions', 'AggregateOptions', 'RollupOptions', 'ServingViewOptions', 'SqlModelOptions', 'ProjectConfig', 'Physical', 'TenantOptOut', 'PivotBuilder']) {
      expect(options.get(expected), expected).toBeDefined();
      expect(options.get(expected)!.length, expected).toBeGreaterThan(0);
    }
    expect(options.get('StreamOptions')).toContain('eventTimeOptional');
    const missing = [...options].flatMap(([iface, props]) => props.filter((p) => !mentioned(p)).map((p) => `${iface}.${p}`));
    expect(missing).toEqual([]);
  });

  describe('its ts examples, as one project', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(REPO, '.reference-check-'));
      mkdirSync(join(dir, 'models'));
      mkdirSync(join(dir, 'macros'));
      writeFileSync(join(dir, 'models/reference.ts'), blocks('ts').join('\n'));
      // The macro the sqlModel example uses, as the page shows it.
      const macro = /`macros\/safe_ratio\.hbs`:\s*```sql\n([\s\S]*?)```/.exec(reference);
      expect(macro).not.toBeNull();
      writeFileSync(join(dir, 'macros/safe_ratio.hbs'), macro![1]!);
      writeFileSync(join(dir, 'mvkit.config.ts'), "import { defineConfig } from '@mvkit/compiler';\nexport default defineConfig({ name: 'reference' });\n");
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['models', 'mvkit.config.ts'] }));
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('type-check under the repository tsconfig', () => {
      const tsc = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    }, 120_000);

    it.each(['redshift', 'postgres'] as const)('compile for %s without errors', async (target) => {
      const result = await compileProject(await loadProject(dir), target);
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      // Every model the page declares is in the manifest.
      const declared = [...blocks('ts').join('\n').matchAll(/^export const \w+ = (?:stream|dimension|streamJoin|enrichment|aggregate|rollup|servingView|sqlModel)\('(\w+)'/gm)].map((m) => m[1]!);
      expect(declared.length).toBeGreaterThan(10);
      const nodes = result.manifest!.nodes.map((n) => n.name);
      for (const name of declared) if (name !== 'checkouts' && name !== 'payments') expect(nodes).toContain(name);
    }, 120_000);
  });
});
