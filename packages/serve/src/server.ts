import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { MvkitError } from '@mvkit/compiler';
import { bundleDashboard, DASHBOARD_CSS, DASHBOARD_HTML } from './assets.ts';
import { BadRequestError, ServeSetupError } from './errors.ts';
import { pageSql, parsePageRequest, toPage } from './query.ts';
import type { TenantSource } from './source.ts';
import { bearerToken } from './tokens.ts';
import type { ServedView } from './views.ts';

export interface ServeAppOptions {
  readonly source: TenantSource;
  readonly views: readonly ServedView[];
  /** Request log lines (fastify's logger); off by default. */
  readonly log?: boolean;
}

/** The views the page reads: daily rates per tenant, the same per channel, and the campaign rows. */
export interface DashboardViews {
  readonly daily: string;
  readonly dailyByChannel: string;
  readonly campaigns: string;
}

const RATES = ['delivery_rate', 'read_rate', 'failure_rate', 'latency_p50_s', 'latency_p90_s', 'avg_latency_s'];

export function dashboardViews(views: readonly ServedView[]): DashboardViews {
  const hasRates = (v: ServedView) => RATES.every((c) => v.columns.some((x) => x.name === c));
  const daily = views.find((v) => hasRates(v) && v.time && v.key.length === 1);
  const dailyByChannel = views.find((v) => hasRates(v) && v.time && v.filters.channel && !v.filters.campaign);
  const campaigns = views.find((v) => v.filters.campaign && ['submitted', 'sent', 'delivered', 'read', 'failed', 'category'].every((c) => v.columns.some((x) => x.name === c)));
  if (!daily || !dailyByChannel || !campaigns) {
    throw new ServeSetupError(`the dashboard needs a daily view with rates and latency per tenant, one per channel and one per campaign; served: ${views.map((v) => v.name).join(', ') || 'none'}`, { hint: 'serve the serving views of models/marts/serving.ts (tenant_daily_metrics, tenant_channel_metrics, campaign_daily_metrics)' });
  }
  return { daily: daily.name, dailyByChannel: dailyByChannel.name, campaigns: campaigns.name };
}

const UNAUTHORIZED_HINT = 'send Authorization: Bearer <token>, a token mvkit serve printed (or mvkit sync --issue-token TENANT)';

declare module 'fastify' {
  interface FastifyRequest {
    token: string;
  }
}

/** The HTTP server: the JSON API (/api/v1/<view>, bearer token → tenant) and the dashboard page. */
export async function buildServeApp(options: ServeAppOptions): Promise<FastifyInstance> {
  const { source } = options;
  const views = new Map(options.views.map((v) => [v.name, v]));
  const dashboard = dashboardViews(options.views);
  const script = await bundleDashboard();
  const app = Fastify({ logger: options.log ?? false, routerOptions: { maxParamLength: 128 } });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  });

  app.setErrorHandler((err: Error, _req, reply) => {
    if (err instanceof BadRequestError) return reply.status(400).send({ error: err.message, hint: err.hint });
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.status(status).send({ error: err.message });
    app.log.error(err);
    // Database errors can carry SQL and names: the client gets none of it.
    return reply.status(500).send({ error: err instanceof MvkitError ? err.message : 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: `no such page: ${req.url.split('?')[0]}`, hint: `the API serves /api/v1/<view> for ${[...views.keys()].join(', ')}` }));

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(DASHBOARD_HTML));
  app.get('/assets/dashboard.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script));
  app.get('/assets/dashboard.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(DASHBOARD_CSS));
  app.get('/healthz', async () => ({ ok: true }));

  app.register(async (api) => {
    api.decorateRequest('token', '');
    api.addHook('onRequest', async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const token = bearerToken(req.headers.authorization);
      if (!token) return reply.status(401).header('www-authenticate', 'Bearer').send({ error: 'no bearer token', hint: UNAUTHORIZED_HINT });
      req.token = token;
    });
    const unknownToken = (reply: FastifyReply) => reply.status(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'unknown token', hint: UNAUTHORIZED_HINT });
    api.get('/me', async (req, reply) => {
      const r = await source.withTenant(req.token, async () => null);
      if (!r) return unknownToken(reply);
      return {
        tenant: r.tenant, dashboard,
        views: [...views.values()].map((v) => ({ name: v.name, columns: v.columns.map((c) => c.name), filters: [...(v.time ? ['from', 'to'] : []), ...Object.keys(v.filters)], key: v.key })),
      };
    });
    api.get<{ Params: { view: string } }>('/:view', async (req, reply) => {
      const view = views.get(req.params.view);
      if (!view) return reply.status(404).send({ error: `no served view "${req.params.view}"`, hint: `served views: ${[...views.keys()].join(', ')}` });
      // Validated before the token is looked up: a bad request costs no database round trip.
      const pr = parsePageRequest(view, req.query as Record<string, unknown>);
      const r = await source.withTenant(req.token, async (tx, tenant) => {
        const { sql, params } = pageSql(view, tenant, pr);
        return toPage(view, pr, await tx.query(sql, params));
      });
      if (!r) return unknownToken(reply);
      return { view: view.name, tenant: r.tenant, ...r.value };
    });
  }, { prefix: '/api/v1' });

  return app;
}
