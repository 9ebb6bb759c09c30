import type { Manifest } from '@mvkit/compiler';
import { DEFAULT_APP_ROLE, issueTenantToken, type Db } from '@mvkit/runtime';
import { ServeSetupError } from './errors.ts';
import { buildServeApp } from './server.ts';
import { openOperationalSource, openWarehouseSource } from './source.ts';
import { generateTokens, type TokenMap } from './tokens.ts';
import { quoteIdent, servedViews, type ServedView } from './views.ts';

export const SERVING_SCHEMA = 'mvkit_serving';

export interface StartServeOptions {
  readonly manifest: Manifest;
  /** operational: the mvkit_serving tables of the operational database; warehouse: the served relations on the local engine. */
  readonly from: 'operational' | 'warehouse';
  /** An open connection (owned by the server from here on). */
  readonly db: Db;
  /** Operational on native Postgres: the role reads switch to (default mvkit_app). */
  readonly appRole?: string;
  /** Warehouse: token → tenant (default: one generated per tenant). */
  readonly tokens?: TokenMap;
  /** Operational: issue (and store the hash of) a new token per tenant, to print. */
  readonly issueTokens?: boolean;
  readonly host?: string;
  readonly port?: number;
  readonly connections?: number;
  readonly log?: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly views: readonly ServedView[];
  /** Tokens this start made or was given: what to print. */
  readonly tokens: readonly { readonly tenant: string; readonly token: string }[];
  readonly isolation: string;
  close(): Promise<void>;
}

/** The tenants that have rows in any served view (read as the owner, for issuing tokens). */
async function tenantsOf(db: Db, views: readonly ServedView[]): Promise<string[]> {
  const parts = views.filter((v) => v.tenant).map((v) => `SELECT DISTINCT ${quoteIdent(v.tenant!)}::text AS t FROM ${v.relation}`);
  if (!parts.length) return [];
  const rows = await db.query<{ t: string }>(`SELECT t FROM (${parts.join(' UNION ')}) AS x WHERE t IS NOT NULL ORDER BY t`);
  return rows.map((r) => r.t);
}

/** `mvkit serve`: the API and the dashboard over the served views, listening until close(). */
export async function startServe(o: StartServeOptions): Promise<RunningServer> {
  const views = servedViews(o.manifest, { schema: o.from === 'operational' ? SERVING_SCHEMA : null });
  if (!views.length) throw new ServeSetupError('this project serves nothing: no model is marked served, and no view has a tenant column', { hint: 'mark the serving views served: true (see docs/reference.md), then mvkit apply and mvkit sync' });
  let printed: { tenant: string; token: string }[] = [];
  let source;
  try {
    if (o.from === 'operational') {
      if (o.issueTokens) for (const tenant of await tenantsOf(o.db, views)) printed.push({ tenant, token: await issueTenantToken(o.db, tenant) });
      // PGlite has no roles; on Postgres every read switches to the application role, whose policies hold even for a superuser login.
      source = await openOperationalSource(o.db, { role: o.db.kind === 'pglite' ? null : (o.appRole ?? DEFAULT_APP_ROLE), connections: o.connections, ownsDb: true });
    } else {
      const tokens = o.tokens ?? generateTokens(await tenantsOf(o.db, views));
      printed = [...tokens].map(([token, tenant]) => ({ tenant, token }));
      source = await openWarehouseSource(o.db, tokens, { connections: o.connections, ownsDb: true });
    }
  } catch (e) {
    await o.db.close().catch(() => undefined);
    throw e;
  }
  const app = await buildServeApp({ source, views, log: o.log });
  let url: string;
  try {
    url = await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 8787 });
  } catch (e) {
    await source.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new ServeSetupError(`cannot listen on ${o.host ?? '127.0.0.1'}:${o.port ?? 8787}: ${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}`, { hint: 'choose another port with --port' });
    throw e;
  }
  return {
    url, views, tokens: printed, isolation: source.isolation,
    async close() {
      await app.close();
      await source.close();
    },
  };
}
