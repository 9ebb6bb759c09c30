#!/usr/bin/env node
// CLI startup: `mvkit --help` as installed from the packed tarballs (node on built JavaScript,
// from a directory outside the repository) against the repository's tsx path, side by side:
// the runs alternate so both see the same machine load. Usage: node bench/cli-startup/run.mjs [--runs N]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;

function sh(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
  return r;
}

const tmp = mkdtempSync(join(tmpdir(), 'mvkit-cli-startup-'));
try {
  const tarballs = join(tmp, 'tarballs');
  for (const p of ['compiler', 'runtime', 'cli']) sh('npx', ['-y', 'pnpm@12.4.2', 'pack', '--pack-destination', tarballs], join(ROOT, 'packages', p));
  const app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}');
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...readdirSync(tarballs).map((f) => join(tarballs, f))], app);

  const cases = {
    'installed: npx mvkit --help (node, dist/)': { cmd: 'npx', args: ['mvkit', '--help'], cwd: app },
    'installed: node_modules/.bin/mvkit --help': { cmd: join(app, 'node_modules/.bin/mvkit'), args: ['--help'], cwd: tmpdir() },
    'repository: node_modules/.bin/tsx packages/cli/src/bin.ts --help': { cmd: join(ROOT, 'node_modules/.bin/tsx'), args: ['packages/cli/src/bin.ts', '--help'], cwd: ROOT },
    'baseline: node -e 0': { cmd: process.execPath, args: ['-e', '0'], cwd: tmpdir() },
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, c] of Object.entries(cases)) {
      const t0 = process.hrtime.bigint();
      sh(c.cmd, c.args, c.cwd);
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`${RUNS} runs each, alternating; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const [name, xs] of Object.entries(times)) console.log(`${String(Math.round(median(xs))).padStart(6)} ms median (min ${Math.round(Math.min(...xs))})  ${name}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
