import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

interface PackageJson {
  name: string;
  bin?: string | Record<string, string>;
  exports?: string | Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const packages = ['.', ...readdirSync(join(ROOT, 'packages')).map((p) => `packages/${p}`)]
  .filter((dir) => existsSync(join(ROOT, dir, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as PackageJson }));

const targets = (field: PackageJson['bin'] | PackageJson['exports']): string[] => (field === undefined ? [] : typeof field === 'string' ? [field] : Object.values(field));

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|mts|js|mjs)$/.test(f) ? [path] : [];
  });
}

/** The package a bare specifier names: `pkg` or `@scope/pkg`, without a subpath. */
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Every module specifier a file imports, statically or dynamically, bare ones only. */
function bareImports(source: string): string[] {
  const found = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([@a-z0-9][^'"\s]*)['"]/gm)].map((m) => m[1]!);
  return found.filter((s) => !s.startsWith('.') && !s.startsWith('/') && !isBuiltin(s));
}

describe.each(packages)('$dir/package.json', ({ dir, pkg }) => {
  it('points bin and exports at files that exist', () => {
    for (const target of [...targets(pkg.bin), ...targets(pkg.exports)]) {
      // "./*": "./src/*" maps a folder: the folder must exist.
      const path = join(ROOT, dir, target.includes('*') ? dirname(target.replace(/\*.*$/, 'x')) : target);
      expect(existsSync(path), `${pkg.name}: ${target} does not exist`).toBe(true);
    }
  });
});

describe.each(packages.filter((p) => existsSync(join(ROOT, p.dir, 'src'))))('$dir/src', ({ dir, pkg }) => {
  it('imports only the dependencies of its package.json (no devDependencies), and uses every one', () => {
    const src = sourceFiles(join(ROOT, dir, 'src'));
    const deps = new Set(Object.keys(pkg.dependencies ?? {}));
    // An optional peer (the CLI's @mvkit/serve) may be imported too: the importer says what to install when it is missing.
    const optionalPeers = Object.keys(pkg.peerDependencies ?? {}).filter((d) => pkg.peerDependenciesMeta?.[d]?.optional);
    const importable = new Set([...deps, ...optionalPeers]);
    const used = new Set<string>();
    for (const file of src) {
      const text = readFileSync(file, 'utf8');
      for (const s of bareImports(text)) {
        expect(importable.has(packageOf(s)), `${file.slice(ROOT.length + 1)} imports ${s}, which is not in the dependencies of ${pkg.name}`).toBe(true);
        used.add(packageOf(s));
      }
      // A tool named in a command line (node --import tsx) is used too.
      for (const d of deps) if (new RegExp(`['"]${d.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/[^'"]*)?['"]`).test(text)) used.add(d);
    }
    expect([...deps].filter((d) => !used.has(d)), `dependencies of ${pkg.name} that its src/ never uses`).toEqual([]);
  });
});
