import { UsageError } from '../errors.ts';
import type { Manifest, ManifestNode, ServedSpec } from '../manifest.ts';

/**
 * The operational database's DDL (Aurora PostgreSQL in production, any Postgres or PGlite
 * locally): schema mvkit_serving, one table per served model under row-level security, the sync
 * state, and the tenant tokens. Threat model (see packages/runtime/src/serving/CONTRACT.md): the
 * application role may run any SQL; it reads only the rows of the tenant whose secret token it
 * set for the transaction. A setting alone names no tenant: current_tenant() maps the token
 * through a table the role cannot read, as SECURITY DEFINER.
 */
export const SERVING_SCHEMA = 'mvkit_serving';

/** A served model: its manifest node and its spec. */
export interface ServedNode {
  readonly node: ManifestNode;
  readonly spec: ServedSpec;
}

/** Every served model of a manifest, in manifest order. */
export function servedNodes(manifest: Manifest): ServedNode[] {
  return manifest.nodes.flatMap((node) => (node.served ? [{ node, spec: node.served }] : []));
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
function ident(name: string, what: string): string {
  if (!IDENT.test(name)) throw new UsageError(`${what} "${name}" is not a plain lower-case identifier`, { hint: 'lower-case letters, digits and underscores, starting with a letter or underscore' });
  return name;
}

/** Schema, catalog, tokens, current_tenant() and the application role: idempotent. */
export function servingSchemaDdl(appRole: string): string[] {
  const app = ident(appRole, 'the application role');
  const s = SERVING_SCHEMA;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s};`,
    `CREATE TABLE IF NOT EXISTS ${s}.sync_state (
  model text PRIMARY KEY,
  source text NOT NULL,
  -- The source MV's identity and the served definition: another generation means a full copy.
  generation text NOT NULL,
  -- The source MV's change-log number that the table's rows include.
  position bigint NOT NULL,
  rows_synced bigint NOT NULL DEFAULT 0,
  synced_at timestamptz NOT NULL DEFAULT now()
);`,
    `CREATE TABLE IF NOT EXISTS ${s}.served_models (
  name text PRIMARY KEY,
  fingerprint text NOT NULL,
  spec jsonb NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`,
    // Names this operational database on the local engine, whose change logs it is a consumer of.
    `CREATE TABLE IF NOT EXISTS ${s}.instance (
  id text PRIMARY KEY DEFAULT replace(gen_random_uuid()::text, '-', ''),
  one boolean NOT NULL DEFAULT true UNIQUE CHECK (one)
);`,
    `INSERT INTO ${s}.instance DEFAULT VALUES ON CONFLICT (one) DO NOTHING;`,
    `CREATE TABLE IF NOT EXISTS ${s}.tenant_tokens (
  token_sha256 text PRIMARY KEY,
  tenant text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);`,
    // SECURITY DEFINER with a fixed search_path: it reads tenant_tokens, which the app role cannot.
    `CREATE OR REPLACE FUNCTION ${s}.current_tenant() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT t.tenant FROM ${s}.tenant_tokens t
  WHERE t.token_sha256 = encode(sha256(convert_to(NULLIF(current_setting('mvkit.token', true), ''), 'UTF8')), 'hex')
$fn$;`,
    `REVOKE ALL ON FUNCTION ${s}.current_tenant() FROM PUBLIC;`,
    `DO $r$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${app}') THEN CREATE ROLE ${app} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF;
END $r$;`,
    `REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${app};`,
    `GRANT USAGE ON SCHEMA ${s} TO ${app};`,
    `GRANT EXECUTE ON FUNCTION ${s}.current_tenant() TO ${app};`,
  ];
}

/**
 * A served model's table: its columns, unique on its key (NULLS NOT DISTINCT: group columns may be
 * NULL), row-level security ENABLED and FORCED. The app role reads its tenant's rows (a model
 * without a tenant column: every row, once a valid token is set); the writer (the role creating
 * the table, which FORCE subjects to the policies too) keeps full access.
 */
export function servedTableDdl(node: ManifestNode, spec: ServedSpec, appRole: string): string[] {
  const app = ident(appRole, 'the application role');
  const t = `${SERVING_SCHEMA}.${ident(node.name, 'model')}`;
  const cols = node.columns.map((c) => `  ${ident(c.name, 'column')} ${c.type}${c.nullable ? '' : ' NOT NULL'}`);
  const read = spec.tenant
    ? `${ident(spec.tenant, 'tenant column')} = (SELECT ${SERVING_SCHEMA}.current_tenant())`
    : `(SELECT ${SERVING_SCHEMA}.current_tenant()) IS NOT NULL`;
  return [
    `CREATE TABLE ${t} (\n${cols.join(',\n')},\n  CONSTRAINT ${node.name}_key UNIQUE NULLS NOT DISTINCT (${spec.key.join(', ')})\n);`,
    ...(spec.tenant && !spec.key.includes(spec.tenant) ? [`CREATE INDEX ${node.name}_tenant ON ${t} (${spec.tenant});`] : []),
    `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;`,
    `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;`,
    `CREATE POLICY tenant_read ON ${t} FOR SELECT TO ${app} USING (${read});`,
    `CREATE POLICY writer ON ${t} TO CURRENT_USER USING (true) WITH CHECK (true);`,
    `GRANT SELECT ON ${t} TO ${app};`,
  ];
}

export function dropServedTableDdl(name: string): string[] {
  return [`DROP TABLE IF EXISTS ${SERVING_SCHEMA}.${ident(name, 'model')};`, `DELETE FROM ${SERVING_SCHEMA}.sync_state WHERE model = '${name}';`];
}
