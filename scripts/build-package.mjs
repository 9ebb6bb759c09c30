#!/usr/bin/env node
// Builds the package in the working directory (run as a package's `build` script) into dist/.
// Default: every file of src/ to the same path under dist/, one JavaScript file per module, so
// deep imports such as `@mvkit/runtime/apply/apply.ts` map to `dist/apply/apply.js` through the
// package's exports. With --entries a.ts,b.ts: those entries bundled (shared code split into
// chunks, other packages external), because loading one file is much faster than loading dozens
// and the CLI's startup is mostly module loading. With --types it also writes .d.ts files (tsc).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const pkgDir = process.cwd();
const src = join(pkgDir, 'src');
const dist = join(pkgDir, 'dist');
// esbuild is a dependency of the compiler (it bundles model files); the build uses that copy.
const { build } = createRequire(join(root, 'packages/compiler/package.json'))('esbuild');

function sources(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'testing' ? [] : sources(p);
    return /\.ts$/.test(f) && !f.endsWith('.d.ts') ? [p] : [];
  });
}

/** Keeps every relative import a separate module, with the extension it has once built. */
const perFile = {
  name: 'per-file',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => (args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.ts$/, '.js'), external: true }));
  },
};

rmSync(dist, { recursive: true, force: true });
const entriesArg = process.argv.indexOf('--entries');
const bundled = entriesArg > 0 ? process.argv[entriesArg + 1].split(',').map((e) => join(src, e)) : undefined;
const entryPoints = bundled ?? sources(src);
await build({
  entryPoints, outdir: dist, outbase: src, bundle: true, packages: 'external', plugins: bundled ? [] : [perFile],
  splitting: Boolean(bundled), format: 'esm', platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning',
});
// bin.ts starts with a shebang for tsx; the built one runs on node alone.
for (const f of entryPoints.filter((p) => p.endsWith('/bin.ts'))) {
  const out = join(dist, relative(src, f)).replace(/\.ts$/, '.js');
  writeFileSync(out, readFileSync(out, 'utf8').replace(/^#!.*\n/, '#!/usr/bin/env node\n'));
}
if (process.argv.includes('--types')) {
  const tsc = join(root, 'node_modules/.bin/tsc');
  const r = spawnSync(tsc, ['-p', join(pkgDir, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // tsc keeps the sources' `./x.ts` specifiers in declarations; consumers resolve `./x.js`.
  const decls = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? decls(join(dir, f)) : f.endsWith('.d.ts') ? [join(dir, f)] : []));
  for (const f of decls(dist)) writeFileSync(f, readFileSync(f, 'utf8').replace(/(['"]\.\.?\/[^'"]*)\.ts(['"])/g, '$1.js$2'));
}
console.log(`built ${entryPoints.length} ${bundled ? 'bundles' : 'modules'} into ${relative(root, dist)}`);
