import type { Command } from 'commander';
import { MvkitError, UsageError } from '@mvkit/compiler/errors';
import { integerOption } from '../option-values.ts';
import { loadAndCompile } from '../project-options.ts';

interface ServeOpts { port: number; host: string; tokens?: string; from: string; issueTokens?: boolean; connections: number; target?: string; json?: boolean; log?: boolean }

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the dashboard and a JSON API (/api/v1/<view>) over the served views: each request authenticated by a bearer token that maps to one tenant, and only that tenant\'s rows returned. By default it reads the operational database (mvkit apply creates it, mvkit sync fills it), where the token is resolved and row-level security applied as the application role; --from warehouse reads the served views on the local engine instead. Runs until interrupted.')
    .option('--port <n>', 'port to listen on', integerOption('--port', { min: 0, hint: 'e.g. --port 8787 (0: any free port)' }), 8787)
    .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', '127.0.0.1')
    .option('--from <source>', 'operational (the operational database) or warehouse (the local engine\'s served views)', 'operational')
    .option('--issue-tokens', 'operational: issue a new token for every tenant with rows and print them (they stay valid until revoked)')
    .option('--tokens <file>', 'warehouse: a JSON file of token → tenant (default: a token per tenant, generated and printed)')
    .option('--target <name>', 'warehouse: the target to read (default: the project\'s default target)')
    .option('--connections <n>', 'database connections (native Postgres)', integerOption('--connections', { min: 1, hint: 'e.g. --connections 8' }), 8)
    .option('--log', 'log every request')
    .option('--json', 'print the URL, the views and the tokens as one JSON line once listening')
    .action(async (opts: ServeOpts, cmd: Command) => {
      if (opts.from !== 'operational' && opts.from !== 'warehouse') throw new UsageError(`--from must be operational or warehouse, not "${opts.from}"`, { hint: 'e.g. --from warehouse' });
      if (opts.from === 'operational' && opts.tokens) throw new UsageError('--tokens is for --from warehouse: the operational database keeps its own tokens', { hint: 'issue tokens with --issue-tokens or mvkit sync --issue-token TENANT' });
      const { CompileError } = await import('@mvkit/compiler');
      const { project, result } = await loadAndCompile(cmd, 'postgres');
      if (!result.ok || !result.manifest) throw new CompileError([...result.diagnostics]);
      // Loaded here, not at the top: other commands do not pay for fastify and esbuild.
      const { startServe, readTokensFile } = await import('@mvkit/serve').catch((e: NodeJS.ErrnoException) => {
        // An optional package of the installed CLI: its dependencies (fastify, esbuild, chart.js) are only for serving.
        if (e.code === 'ERR_MODULE_NOT_FOUND') throw new MvkitError('mvkit serve needs the @mvkit/serve package, which is not installed', { hint: 'install it next to @mvkit/cli: npm install @mvkit/serve' });
        throw e;
      });
      const runtime = await import('@mvkit/runtime');
      const operational = opts.from === 'operational' ? runtime.resolveOperational(project.config, project.dir, process.env.MVKIT_OPERATIONAL_URL) : null;
      const tokens = opts.tokens ? readTokensFile(opts.tokens) : undefined;
      const db = operational ? await runtime.openOperational(operational) : await runtime.openTarget(runtime.resolveTarget(project, opts.target, process.env));
      const server = await startServe({
        manifest: result.manifest, from: opts.from, db, appRole: operational?.appRole, tokens, issueTokens: opts.issueTokens,
        host: opts.host, port: opts.port, connections: opts.connections, log: opts.log,
      });
      const links = server.tokens.map((t) => ({ ...t, url: `${server.url}/#token=${encodeURIComponent(t.token)}` }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ url: server.url, views: server.views.map((v) => v.name), isolation: server.isolation, tokens: links })}\n`);
      } else {
        process.stdout.write(`mvkit serve: ${server.url} (${opts.from}: ${server.views.map((v) => v.name).join(', ')})\ntenant isolation: ${server.isolation}\n`);
        if (operational?.kind === 'pglite') process.stdout.write(`note: the embedded operational database (${operational.location}) is this process's while it serves: mvkit sync and mvkit run wait for it; point operational.url (or MVKIT_OPERATIONAL_URL) at a Postgres to sync while serving\n`);
        if (links.length) process.stdout.write(`\ndashboards (the token is in the #fragment, never sent in a URL):\n${links.map((l) => `  ${l.tenant.padEnd(14)} ${l.url}`).join('\n')}\n`);
        else process.stdout.write(`\nno tokens printed: ${opts.from === 'operational' ? 'use --issue-tokens, or mvkit sync --issue-token TENANT' : 'the tokens file has none'}\n`);
        process.stdout.write(`\nAPI: curl -H 'Authorization: Bearer <token>' '${server.url}/api/v1/${server.views[0]?.name}?from=2026-11-26&limit=10'\nCtrl-C stops it.\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
