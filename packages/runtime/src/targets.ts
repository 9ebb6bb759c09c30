import { isAbsolute, join } from 'node:path';
import { MvkitError, type Project, type TargetConfig } from '@mvkit/compiler';
import type { Db } from './db/db.ts';
import { openPglite } from './db/pglite.ts';
import { openPostgres } from './db/postgres.ts';
import { checkDatabaseUrl, maskUrl } from './db/url.ts';
import { ConnectionError } from './errors.ts';

/** The environment variables a target reads. */
export interface TargetEnv {
  readonly MVKIT_DATABASE_URL?: string | undefined;
}

export interface ResolvedTarget {
  readonly name: string;
  readonly engine: TargetConfig['engine'];
  /** pglite: the data directory; postgres/redshift: the URL. */
  readonly location: string;
}

/**
 * The target to use: `--target NAME` or the config's default (else `local`, embedded PGlite
 * under .mvkit/). MVKIT_DATABASE_URL overrides the URL of a postgres/redshift target; given
 * alone with no target it selects a postgres target. `env` is the CLI's environment, passed in.
 */
export function resolveTarget(project: Project, name: string | undefined, env: TargetEnv): ResolvedTarget {
  const targets = project.config.targets ?? {};
  const chosen = name ?? project.config.defaultTarget ?? (env.MVKIT_DATABASE_URL && !Object.keys(targets).length ? 'postgres' : 'local');
  const config: TargetConfig | undefined = targets[chosen] ?? (chosen === 'local' ? { engine: 'pglite' } : chosen === 'postgres' ? { engine: 'postgres' } : undefined);
  if (!config) {
    throw new MvkitError(`unknown target "${chosen}"`, { hint: `targets of this project: ${Object.keys(targets).join(', ') || '(none: local, postgres)'}; declare it in mvkit.config.ts` });
  }
  if (config.engine === 'pglite') {
    const dir = config.dataDir ?? '.mvkit/pglite';
    return { name: chosen, engine: 'pglite', location: isAbsolute(dir) ? dir : join(project.dir, dir) };
  }
  const url = env.MVKIT_DATABASE_URL ?? config.url;
  if (!url) {
    throw new MvkitError(`target "${chosen}" (${config.engine}) has no URL`, { hint: 'set MVKIT_DATABASE_URL, or url in the target of mvkit.config.ts' });
  }
  checkDatabaseUrl(url, `${env.MVKIT_DATABASE_URL !== undefined ? 'MVKIT_DATABASE_URL' : `the url of target "${chosen}" in mvkit.config.ts`} (target "${chosen}", engine ${config.engine})`);
  return { name: chosen, engine: config.engine, location: url };
}

/** Opens the target: a PGlite data directory once this process holds its lock (see db/dir-lock.ts), else a connection. */
export async function openTarget(target: ResolvedTarget): Promise<Db> {
  if (target.engine === 'pglite') return openPglite(target.location);
  const db = await openPostgres(target.location, target.engine);
  if (target.engine === 'redshift') {
    // Redshift's catalog (SVV_TABLE_INFO, STV_SESSIONS…) is not in Postgres: say so now rather than fail on the first such query.
    const [v] = await db.query<{ version: string }>('SELECT version() AS version').catch(() => []);
    if (!/redshift/i.test(v?.version ?? '')) {
      await db.close().catch(() => undefined);
      const server = v?.version.split(/[\s,]/).slice(0, 2).join(' ') || 'a server that does not say its version';
      throw new ConnectionError(`target "${target.name}" is declared engine redshift, but ${maskUrl(target.location)} is ${server}, not Redshift`, {
        hint: `for a plain Postgres, set engine: 'postgres' on target "${target.name}" in mvkit.config.ts; for Redshift, point its URL at the cluster`,
      });
    }
  }
  return db;
}
