export type { Db } from './db/db.ts';
export { openPglite } from './db/pglite.ts';
export { openPostgres } from './db/postgres.ts';
export { resolveTarget, openTarget } from './targets.ts';
export type { ResolvedTarget } from './targets.ts';
export { ConnectionError, LockError, DestructiveChangeError, RefreshError, LoadError } from './errors.ts';
