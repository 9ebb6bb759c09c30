import { isAbsolute, join } from 'node:path';
import type { ProjectConfig } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';
import { openPglite } from '../db/pglite.ts';
import { openPostgres } from '../db/postgres.ts';
import { checkDatabaseUrl } from '../db/url.ts';

export const DEFAULT_APP_ROLE = 'mvkit_app';

/** Where the operational database is: a URL, or an embedded PGlite directory (the default). */
export interface OperationalTarget {
  readonly kind: 'pglite' | 'postgres';
  readonly location: string;
  readonly appRole: string;
}

/**
 * The operational target of a project. `url` (the CLI passes MVKIT_OPERATIONAL_URL) overrides
 * the config's; without any, a PGlite directory under the project (.mvkit/operational).
 */
export function resolveOperational(config: ProjectConfig, projectDir: string, url?: string): OperationalTarget {
  const op = config.operational ?? {};
  const appRole = op.appRole ?? DEFAULT_APP_ROLE;
  const u = url ?? op.url;
  if (u) {
    checkDatabaseUrl(u, url !== undefined ? 'MVKIT_OPERATIONAL_URL' : 'operational.url in mvkit.config.ts');
    return { kind: 'postgres', location: u, appRole };
  }
  const dir = op.dataDir ?? '.mvkit/operational';
  return { kind: 'pglite', location: isAbsolute(dir) ? dir : join(projectDir, dir), appRole };
}

export async function openOperational(target: OperationalTarget): Promise<Db> {
  return target.kind === 'pglite' ? openPglite(target.location) : openPostgres(target.location);
}
