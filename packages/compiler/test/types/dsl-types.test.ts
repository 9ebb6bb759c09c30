import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';

// Type-level tests: each fixture makes one modelling mistake, marked `// ERROR TSxxxx` on its
// line; tsc must report exactly that error there, and nothing anywhere else.
const dir = join(import.meta.dirname, 'fixtures');
const root = join(import.meta.dirname, '../../../..');

function expectedErrors(): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts')).sort()) {
    readFileSync(join(dir, f), 'utf8').split('\n').forEach((line, i) => {
      const m = /\/\/ ERROR (TS\d+)/.exec(line);
      if (m) out.push(`${relative(root, join(dir, f))}:${i + 1} ${m[1]}`);
    });
  }
  return out;
}

it('every modelling mistake fails to type-check where it is made, and only there', () => {
  const expected = expectedErrors();
  expect(expected.length).toBeGreaterThanOrEqual(5);
  const r = spawnSync('npx', ['tsc', '--noEmit', '--pretty', 'false', '-p', join(import.meta.dirname, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
  const actual = [...r.stdout.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => `${relative(root, join(root, m[1]!))}:${m[2]} ${m[3]}`).sort();
  expect(actual).toEqual(expected.sort());
}, 120_000);
