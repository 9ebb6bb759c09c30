import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '@mvkit/compiler/errors';
import { projectDir } from '../project-options.ts';
import { withDeployment } from './plan.ts';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json' };

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a port number, not "${value}"`, { hint: 'e.g. --port 8080 (0 picks a free one)' });
  return n;
}

/** Serves the written site read-only; a path outside the directory is a 404, never a read. */
function serve(dir: string, portNumber: number, host: string): Promise<void> {
  return new Promise((resolveServe) => {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const path = normalize(join(dir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
      if (!path.startsWith(dir + sep) || !existsSync(path) || !statSync(path).isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
    });
    server.listen(portNumber, host, () => {
      const a = server.address();
      const p = typeof a === 'object' && a ? a.port : portNumber;
      process.stdout.write(`serving the docs at http://${host}:${p}/ (Ctrl-C stops)\n`);
    });
    const stop = () => server.close(() => resolveServe());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function registerDocs(program: Command): void {
  program
    .command('docs')
    .description('Write a static docs site of the project: the lineage graph, a page per model (columns and types, where it is declared, its SQL for Redshift and Postgres, the incremental-refresh verdict with reasons and hints, tenant column, physical design, column lineage, assertions with their last results), search by model or column name. It works opened from the file system; nothing is fetched.')
    .option('-o, --out <dir>', 'output directory (default: target/docs in the project)')
    .option('-t, --target <name>', 'also show the deployed state of this target (freshness, staleness, last refresh); without it no database is opened')
    .option('--serve', 'serve the site over HTTP after writing it')
    .option('--port <n>', 'port for --serve (default 8080; 0 picks a free one)', port, 8080)
    .option('--host <host>', 'address for --serve', '127.0.0.1')
    .option('--json', 'print the site data (what the pages show) as JSON instead of a summary')
    .action(async (opts: { out?: string; target?: string; serve?: boolean; port: number; host: string; json?: boolean }, cmd: Command) => {
      const { loadProject } = await import('@mvkit/compiler');
      const { buildDocsSite } = await import('@mvkit/runtime/docs-site/index.ts');
      const { deploymentStatus } = await import('@mvkit/runtime/status/status.ts');
      const { lastAssertionResults } = await import('@mvkit/runtime/assertions/assertion-results.ts');
      const dir = projectDir(cmd);
      const project = await loadProject(dir);
      const status = opts.target === undefined ? null
        : await withDeployment(cmd, opts.target, async (d) => ({ report: await deploymentStatus(d.db, d.engine, d.manifest), target: d.target.name, assertions: await lastAssertionResults(d.db) }));
      const { data, files } = await buildDocsSite(project, status);
      const out = resolve(opts.out ?? join(dir, 'target', 'docs'));
      rmSync(out, { recursive: true, force: true });
      for (const [path, content] of files) {
        const file = join(out, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
      if (opts.json) process.stdout.write(JSON.stringify(data, null, 2) + '\n');
      else process.stdout.write(`wrote the docs of ${data.project} (${data.nodes.length} nodes, ${files.size} files) to ${out}\nopen ${join(out, 'index.html')}\n`);
      if (opts.serve) await serve(out, opts.port, opts.host);
    });
}
