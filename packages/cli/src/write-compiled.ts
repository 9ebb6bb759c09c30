import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redshiftRefreshOrder, type Manifest } from '@mvkit/compiler';

/** One file per node, numbered in dependency order, the refresh order, and the manifest. */
export function compiledFiles(manifest: Manifest): Record<string, string> {
  const files: Record<string, string> = {};
  manifest.nodes.forEach((n, i) => {
    files[`${String(i + 1).padStart(3, '0')}_${n.name}.sql`] = `-- ${n.kind} ${n.name} (${n.role}, model ${n.model} at ${n.file}:${n.line})\n${n.ddl.join('\n\n')}\n`;
  });
  if (manifest.target === 'redshift') files['refresh.sql'] = `${redshiftRefreshOrder(manifest.nodes).join('\n')}\n`;
  files['manifest.json'] = `${JSON.stringify(manifest, null, 2)}\n`;
  return files;
}

export function writeCompiled(manifest: Manifest, dir: string): string[] {
  const files = compiledFiles(manifest);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return Object.keys(files);
}
