export { buildServeApp, dashboardViews, type ServeAppOptions, type DashboardViews } from './server.ts';
export { openOperationalSource, openWarehouseSource, type TenantSource, type SourceOptions, type OperationalSourceOptions } from './source.ts';
export { servedViews, type ServedView, type ServedViewsOptions } from './views.ts';
export { generateTokens, readTokensFile, parseTokens, bearerToken, type TokenMap } from './tokens.ts';
export { parsePageRequest, pageSql, toPage, MAX_LIMIT, DEFAULT_LIMIT } from './query.ts';
export { BadRequestError, TokensFileError, ServeSetupError } from './errors.ts';
export { startServe, SERVING_SCHEMA, type StartServeOptions, type RunningServer } from './start.ts';
