import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateProject } from './generate.ts';
import { scanModule } from '../../packages/compiler/src/model-scan.ts';
const dir = join(mkdtempSync(join(tmpdir(), 'sc-')), 'p');
generateProject(dir, 6000);
const files = readdirSync(join(dir, 'models')).map((f) => join(dir, 'models', f));
const t0 = performance.now();
const texts = files.map((f) => readFileSync(f, 'utf8'));
const t1 = performance.now();
for (let r = 0; r < 3; r++) {
  const a = performance.now();
  const buckets: string[] = [];
  let b = a;
  for (let i = 0; i < texts.length; i++) { scanModule(texts[i]!); if (i % 1000 === 999) { const c = performance.now(); buckets.push((c - b).toFixed(0)); b = c; } }
  console.log('scan run', r, (performance.now() - a).toFixed(0), buckets.join(' '));
}
console.log('read', (t1 - t0).toFixed(0));
