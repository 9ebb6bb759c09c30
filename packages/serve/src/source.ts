import type { Db } from '@mvkit/runtime';
import type { TokenMap } from './tokens.ts';
import { quoteIdent } from './views.ts';

/**
 * Where the API reads, and who decides the tenant. Every request runs in one transaction on one of
 * a few connections: the token is resolved to a tenant in it, then `fn` reads as that tenant. The
 * API also puts the tenant in every WHERE, so a database without roles or enforced policies
 * (PGlite, the warehouse-side relations of the local engine) still returns one tenant's rows only.
 */
export interface TenantSource {
  /** `fn` in a transaction as the token's tenant; null when the token is unknown (nothing runs). */
  withTenant<T>(token: string, fn: (tx: Db, tenant: string) => Promise<T>): Promise<{ tenant: string; value: T } | null>;
  /** How the tenant is enforced, for the startup line and the report. */
  readonly isolation: string;
  close(): Promise<void>;
}

export interface SourceOptions {
  /** Connections (native Postgres: `db` and forks of it; PGlite has one). */
  readonly connections?: number;
  /** Whether the source owns `db` (closes it). */
  readonly ownsDb?: boolean;
}

interface Pool {
  run<T>(fn: (c: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function openPool(db: Db, options: SourceOptions): Promise<Pool> {
  const size = db.kind === 'postgres' && db.fork ? Math.max(1, options.connections ?? 8) : 1;
  const conns: Db[] = [db];
  for (let i = 1; i < size; i++) conns.push(await db.fork!());
  const idle = [...conns];
  const waiting: ((c: Db) => void)[] = [];
  return {
    async run(fn) {
      const c = idle.pop() ?? (await new Promise<Db>((resolve) => waiting.push(resolve)));
      try {
        return await fn(c);
      } finally {
        const next = waiting.shift();
        if (next) next(c);
        else idle.push(c);
      }
    },
    async close() {
      for (const c of conns.slice(1)) await c.close();
      if (options.ownsDb) await db.close();
    },
  };
}

export interface OperationalSourceOptions extends SourceOptions {
  /**
   * The application role every read switches to (`SET LOCAL ROLE`) when the server logs in as a
   * role that is not it (the local demo logs in as the owner); null when the login role is the
   * application role already, or the database has no roles (PGlite).
   */
  readonly role?: string | null;
}

/**
 * The operational database (packages/runtime/src/serving/CONTRACT.md): the bearer token goes to the
 * database verbatim (`mvkit.token`, local to the transaction) and `mvkit_serving.current_tenant()`
 * maps it to a tenant; row-level security on the served tables filters by that tenant.
 */
export async function openOperationalSource(db: Db, options: OperationalSourceOptions = {}): Promise<TenantSource> {
  const pool = await openPool(db, options);
  const setRole = options.role ? `SET LOCAL ROLE ${quoteIdent(options.role)}` : null;
  return {
    isolation: options.role
      ? `row-level security as role ${options.role} (tenant from the token, resolved in the database), and the tenant in every WHERE`
      : db.kind === 'pglite'
        ? 'the tenant (from the token, resolved in the database) in every WHERE: PGlite has no roles, so its row-level security is not enforced'
        : 'row-level security for the login role (tenant from the token, resolved in the database), and the tenant in every WHERE',
    withTenant: (token, fn) => pool.run((c) => c.transaction(async (tx) => {
      if (setRole) await tx.exec(setRole);
      await tx.query(`SELECT set_config('mvkit.token', $1, true)`, [token]);
      const [row] = await tx.query<{ tenant: string | null }>('SELECT mvkit_serving.current_tenant() AS tenant');
      if (!row?.tenant) return null;
      return { tenant: row.tenant, value: await fn(tx, row.tenant) };
    })),
    close: () => pool.close(),
  };
}

/**
 * The warehouse-side relations of the local engine (no application role, no policies): the token
 * maps to a tenant in this process, and the tenant is enforced by the WHERE of every query.
 */
export async function openWarehouseSource(db: Db, tokens: TokenMap, options: SourceOptions = {}): Promise<TenantSource> {
  const pool = await openPool(db, options);
  return {
    isolation: 'the tenant (from the token, mapped in the server) in every WHERE: the warehouse relations have no application role or row-level security',
    async withTenant(token, fn) {
      const tenant = tokens.get(token);
      if (!tenant) return null;
      return pool.run((c) => c.transaction(async (tx) => {
        await tx.query(`SELECT set_config('mvkit.tenant', $1, true)`, [tenant]);
        return { tenant, value: await fn(tx, tenant) };
      }));
    },
    close: () => pool.close(),
  };
}
